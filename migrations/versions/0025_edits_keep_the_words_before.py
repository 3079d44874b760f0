"""A platform's edit of a post keeps, in the item's history, the words the post had before it: an edit that takes
words back ("ignore me, I'm fine") leaves the item at its level until a moderator decides, and the moderator reads
what was taken back.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 21:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column is an ALTER TABLE on SQLite too: the table (and its append-only triggers) stays.
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('words_before', sa.Text(), nullable=True))


def _sqlite_append_only_triggers(create: bool):
    """SQLite rebuilds the table to drop a column, and its triggers go with the old table (as in 0018)."""
    for event in ("UPDATE", "DELETE"):
        if create:
            op.execute(f"""
                CREATE TRIGGER moderation_events_no_{event.lower()} BEFORE {event} ON moderation_events
                BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END
            """)
        else:
            op.execute(f"DROP TRIGGER IF EXISTS moderation_events_no_{event.lower()}")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_append_only_triggers(create=False)
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_column('words_before')
    if sqlite:
        _sqlite_append_only_triggers(create=True)
