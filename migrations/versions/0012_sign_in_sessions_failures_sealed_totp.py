"""Sign-in sessions that sign-out ends on the server, failed sign-ins counted by account and client address
(instead of per account), and TOTP secrets sealed at rest.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa

from console import crypto


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

staff = sa.table('staff_members', sa.column('id', sa.Integer), sa.column('mfa_secret', sa.Text))


def _rewrite_secrets(change) -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(staff.c.id, staff.c.mfa_secret).where(staff.c.mfa_secret.is_not(None)))
    for staff_id, secret in rows.all():
        connection.execute(staff.update().where(staff.c.id == staff_id).values(mfa_secret=change(secret)))


def upgrade():
    op.create_table('sign_in_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff_members.id'], name=op.f('fk_sign_in_sessions_staff_id_staff_members'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_in_sessions_token_hash'))
    )
    op.create_index(op.f('ix_sign_in_sessions_staff_id'), 'sign_in_sessions', ['staff_id'])
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_key', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
    sa.UniqueConstraint('account_key', 'address', name='uq_sign_in_failures_account_address')
    )
    op.create_index(op.f('ix_sign_in_failures_account_key'), 'sign_in_failures', ['account_key'])
    # Plain ALTER TABLE on both databases: a batch copy of staff_members on SQLite would drop the table its many
    # children point at. SQLite does not limit VARCHAR lengths, so the sealed secret fits its column there as is.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('staff_members', 'mfa_secret', type_=sa.Text(), existing_type=sa.String(length=64))
    op.execute("ALTER TABLE staff_members DROP COLUMN failed_logins")
    op.execute("ALTER TABLE staff_members DROP COLUMN locked_until")
    _rewrite_secrets(crypto.seal)


def downgrade():
    _rewrite_secrets(crypto.unseal)
    op.add_column('staff_members', sa.Column('locked_until', sa.DateTime(), nullable=True))
    op.add_column('staff_members', sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column('staff_members', 'mfa_secret', type_=sa.String(length=64), existing_type=sa.Text())
    op.drop_index(op.f('ix_sign_in_failures_account_key'), table_name='sign_in_failures')
    op.drop_table('sign_in_failures')
    op.drop_index(op.f('ix_sign_in_sessions_staff_id'), table_name='sign_in_sessions')
    op.drop_table('sign_in_sessions')
