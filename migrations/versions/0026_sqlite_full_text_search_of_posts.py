"""On SQLite, a full-text index of the posts' words (FTS5 with the Porter stemmer), so a search for "cuts" finds
"cutting" there as PostgreSQL's own full-text search (migration 0019) does. The index holds the body only, never a
pseudonym, and is kept by triggers: a post stored, edited or deleted changes it in the same transaction. Posts
already stored are indexed here. On PostgreSQL this does nothing.

A later migration that rebuilds the posts table on SQLite (batch mode's copy and rename) drops these triggers with
the old table and must make them again with `posts_fts_triggers` (as 0025 does for moderation_events').

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 10:00:00

"""
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# The table's name and its tokenizer are read by console/queue/search.py and console/schema.py too.
TABLE = "posts_fts"
TRIGGERS = {
    "posts_fts_insert": "AFTER INSERT ON posts BEGIN "
                        "INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body); END",
    "posts_fts_delete": "AFTER DELETE ON posts BEGIN "
                        "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "posts_fts_update": "AFTER UPDATE OF body ON posts BEGIN "
                        "INSERT INTO posts_fts (posts_fts, rowid, body) VALUES ('delete', old.id, old.body); "
                        "INSERT INTO posts_fts (rowid, body) VALUES (new.id, new.body); END",
}


def posts_fts_triggers(create: bool = True) -> None:
    """Make (or drop) the triggers that keep the index in step with the posts."""
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}" if create else f"DROP TRIGGER IF EXISTS {name}")


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    # An external-content table: it keeps the index only, and reads the words from posts.body by rowid (posts.id).
    op.execute(f"CREATE VIRTUAL TABLE {TABLE} USING fts5(body, content='posts', content_rowid='id', "
               "tokenize='porter unicode61 remove_diacritics 2')")
    op.execute(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('rebuild')")
    posts_fts_triggers()


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    posts_fts_triggers(create=False)
    op.execute(f"DROP TABLE {TABLE}")
