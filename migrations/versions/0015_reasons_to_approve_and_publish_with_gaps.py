"""A rota approved or published while it leaves part of its standard uncovered keeps the reason given.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rota_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_with_gaps', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('published_with_gaps', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('rota_versions', schema=None) as batch_op:
        batch_op.drop_column('published_with_gaps')
        batch_op.drop_column('approved_with_gaps')
