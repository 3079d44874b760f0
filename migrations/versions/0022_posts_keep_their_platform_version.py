"""A post keeps which of its versions on the platform its words are (a Discourse post's `version` and `updated_at`),
so an edit that arrives late or is sent again is known to be older and changes nothing. Posts already stored have
none: their next edit is taken as before.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('platform_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('platform_saved_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('platform_saved_at')
        batch_op.drop_column('platform_version')
