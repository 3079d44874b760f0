"""On PostgreSQL, an index that serves a pseudonym found by its start ("blue" finds "Bluebird"): a `LIKE 'blue%'`
on the look-alike key. The (service, key) index of migration 0024 serves it only under the "C" collation, and a
trust's database is usually made in en_GB.UTF-8 (or C.UTF-8, which PostgreSQL does not treat as "C" either), so the
search read every post of the moderator's services. `text_pattern_ops` compares character by character whatever the
collation, which is what a prefix needs. SQLite's LIKE is served by neither and needs nothing here.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-05 00:20:00

"""
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# Read by console/schema.py too: made here by hand, not declared on the model.
INDEX = "ix_posts_author_key_prefix"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX {INDEX} ON posts (service_id, author_key text_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX {INDEX}")
