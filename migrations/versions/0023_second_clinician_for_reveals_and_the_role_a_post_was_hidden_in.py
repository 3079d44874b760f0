"""Reveals wait for a second clinician in every service unless an owner says why one may do without, and each
moderation event keeps the role its moderator acted in, so a hidden post is shown again only by someone as senior
(issue 29, findings 5 and 6).

A plan keeps the owner's reason beside its two-person rule. Every existing plan version of every service is
switched on, the older versions too, so open cases that started on one need a second clinician as well. Off was
only ever the default (the box started unticked and nobody was asked for a reason), so no service is known to have
chosen it: an owner who wants a service without a second clinician switches it off again on the plan page, saying
why. Reveals already made directly keep no review: the review starts with the reveals made from now on.

Events recorded before this migration have no role (the table is append-only): showing again a post hidden
before it is measured against the roles its moderator holds now.

Downgrading drops the reasons and the roles and leaves every plan as it is (on, unless an owner switched one off
since).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

plans = sa.table('escalation_plans', sa.column('two_person_reveal', sa.Boolean))


def _sqlite_append_only_triggers(create: bool):
    """SQLite rebuilds the table to drop a column, and its triggers go with the old table."""
    for event in ("UPDATE", "DELETE"):
        if create:
            op.execute(f"""
                CREATE TRIGGER moderation_events_no_{event.lower()} BEFORE {event} ON moderation_events
                BEGIN SELECT RAISE(ABORT, 'moderation_events is append-only'); END
            """)
        else:
            op.execute(f"DROP TRIGGER IF EXISTS moderation_events_no_{event.lower()}")


def upgrade():
    with op.batch_alter_table('escalation_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direct_reveal_reason', sa.Text(), server_default='', nullable=False))
    op.execute(plans.update().values(two_person_reveal=True))
    # A column added in place (ALTER TABLE ... ADD COLUMN on both databases): the append-only triggers stay.
    op.add_column('moderation_events', sa.Column('actor_role', sa.String(length=24), nullable=True))


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _sqlite_append_only_triggers(create=False)
    with op.batch_alter_table('moderation_events', schema=None) as batch_op:
        batch_op.drop_column('actor_role')
    if sqlite:
        _sqlite_append_only_triggers(create=True)
    with op.batch_alter_table('escalation_plans', schema=None) as batch_op:
        batch_op.drop_column('direct_reveal_reason')
