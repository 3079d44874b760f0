"""A person's own limit on rota work: at most so many days a week (issue 33's "how many shifts a week they would
like at most"), which the rota engine takes as a limit beside their contract's.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 05:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staff_wishes',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('most_days_week', sa.Integer(), nullable=True),
        sa.CheckConstraint('most_days_week IS NULL OR most_days_week BETWEEN 1 AND 7',
                           name=op.f('ck_staff_wishes_most_days_week')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name=op.f('fk_staff_wishes_staff_id_staff_members'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_staff_wishes')))


def downgrade():
    op.drop_table('staff_wishes')
