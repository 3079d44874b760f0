"""PID vault: sealed identities by pseudonym and the hash-chained, append-only audit trail

Revision ID: v0001
Revises:
Create Date: 2026-11-25

"""
from alembic import op
import sqlalchemy as sa


revision = 'v0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pid_records',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('pseudonym', sa.String(length=80), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pid_records')),
        sa.UniqueConstraint('service_id', 'pseudonym', name='uq_pid_records_pseudonym'),
    )
    op.create_table(
        'vault_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('pseudonym', sa.String(length=80), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('previous_hash', sa.String(length=64), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_vault_audit')),
        sa.UniqueConstraint('hash', name=op.f('uq_vault_audit_hash')),
    )
    op.create_index('ix_vault_audit_pseudonym', 'vault_audit', ['service_id', 'pseudonym'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION vault_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'vault_audit is append-only'; END $$
        """)
        op.execute("""
            CREATE TRIGGER vault_audit_append_only BEFORE UPDATE OR DELETE ON vault_audit
            FOR EACH ROW EXECUTE FUNCTION vault_audit_append_only()
        """)
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER vault_audit_no_{event.lower()} BEFORE {event} ON vault_audit
                BEGIN SELECT RAISE(ABORT, 'vault_audit is append-only'); END
            """)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER vault_audit_append_only ON vault_audit")
        op.execute("DROP FUNCTION vault_audit_append_only()")
    op.drop_index('ix_vault_audit_pseudonym', table_name='vault_audit')
    op.drop_table('vault_audit')
    op.drop_table('pid_records')
