"""A post edited on the platform (a Discourse post_edited) is matched again and back in the queue: the post keeps
when it was last edited, and its history records the edit as an event with no actor (the platform's own).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def _sqlite_append_only_triggers(create: bool):
    """SQLite rebuilds the table to change a column, and its triggers go with the old table."""
    for event in ("UPDATE", "DELETE"):
        if create:
            op.execute(f"""
                CREATE TRIGGER moderation_events_no_{event.lower()} BEFORE {event} ON moderation_events
                BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END
            """)
        else:
            op.execute(f"DROP TRIGGER IF EXISTS moderation_events_no_{event.lower()}")


def _actor_nullable(nullable: bool):
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_append_only_triggers(create=False)
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.alter_column('actor_id', existing_type=sa.Integer(), nullable=nullable)
    if sqlite:
        _sqlite_append_only_triggers(create=True)


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(), nullable=True))
    _actor_nullable(True)


def downgrade():
    # Stops (NOT NULL fails) once the platform's edits are recorded: the events are append-only, never removed.
    _actor_nullable(False)
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
