"""Each service keeps the bank holidays of England and Wales, Scotland or Northern Ireland (England and Wales for
services already there); the rota grid names them.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 05:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    # A defaulted column is an ALTER TABLE on SQLite too: the table stays.
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bank_holidays', sa.String(length=3), server_default='ENG', nullable=False))


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35 and later) drops a plain column in place. Batch mode would copy the table and drop `services`,
        # which most tables refer to: SQLite refused that here ("database table is locked").
        op.execute("ALTER TABLE services DROP COLUMN bank_holidays")
        return
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('bank_holidays')
