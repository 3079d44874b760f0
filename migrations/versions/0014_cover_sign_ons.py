"""Signing on to cover time one is not rostered for: the session keeps the reason given.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 13:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cover_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('moderator_sessions', schema=None) as batch_op:
        batch_op.drop_column('cover_reason')
