"""Reveals wait for a second clinician in every service unless an owner says why one may do without (issue 29,
finding 5): a plan keeps the owner's reason beside its two-person rule, and the rule is on by default.

Every existing plan version of every service is switched on, the older versions too, so open cases that started on
one need a second clinician as well. Off was only ever the default (the box started unticked and nobody was asked
for a reason), so no service is known to have chosen it: an owner who wants a service without a second clinician
switches it off again on the plan page, saying why. Reveals already made directly keep no review: the review starts
with the reveals made from now on.

Downgrading drops the reasons and leaves every plan as it is (on, unless an owner switched one off since).

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0021'
branch_labels = None
depends_on = None

plans = sa.table('escalation_plans', sa.column('two_person_reveal', sa.Boolean))


def upgrade():
    with op.batch_alter_table('escalation_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('direct_reveal_reason', sa.Text(), server_default='', nullable=False))
    op.execute(plans.update().values(two_person_reveal=True))


def downgrade():
    with op.batch_alter_table('escalation_plans', schema=None) as batch_op:
        batch_op.drop_column('direct_reveal_reason')
