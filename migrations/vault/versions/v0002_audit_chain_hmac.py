"""PID vault: the audit chain becomes an HMAC under a key kept with the vault's keys, so that someone able to
write to the vault database cannot rewrite the chain consistently. Entries already there are checked against
the old plain SHA-256 chain first (the upgrade stops, naming them, if any was altered) and then chained again.

Revision ID: v0002
Revises: v0001
Create Date: 2026-11-29

"""
import hashlib

from alembic import context, op
import sqlalchemy as sa

from escalation_pathways.vault.store import GENESIS, chain_hash, content_of


revision = 'v0002'
down_revision = 'v0001'
branch_labels = None
depends_on = None

audit = sa.table('vault_audit', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                 sa.column('actor_id', sa.Integer), sa.column('actor', sa.String), sa.column('action', sa.String),
                 sa.column('service_id', sa.Integer), sa.column('pseudonym', sa.String),
                 sa.column('case_id', sa.Integer), sa.column('reason', sa.Text),
                 sa.column('previous_hash', sa.String), sa.column('hash', sa.String))


def _entries() -> list[dict]:
    return [dict(row) for row in op.get_bind().execute(sa.select(audit).order_by(audit.c.id)).mappings()]


def _rechain(entries: list[dict], hash_with) -> None:
    """Write every entry's links again with the given hash (triggers off: the trail is otherwise append-only)."""
    connection = op.get_bind()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE vault_audit DISABLE TRIGGER vault_audit_append_only")
    else:
        op.execute("DROP TRIGGER vault_audit_no_update")
    previous = GENESIS
    for entry in entries:
        entry["previous_hash"] = previous
        previous = hash_with(content_of(entry))
        connection.execute(audit.update().where(audit.c.id == entry["id"])
                           .values(previous_hash=entry["previous_hash"], hash=previous))
    if postgresql:
        op.execute("ALTER TABLE vault_audit ENABLE TRIGGER vault_audit_append_only")
    else:
        op.execute("CREATE TRIGGER vault_audit_no_update BEFORE UPDATE ON vault_audit "
                   "BEGIN SELECT RAISE(ABORT, 'vault_audit is append-only'); END")


def _plain(content: str) -> str:
    """The chain before this revision: SHA-256 without a key."""
    return hashlib.sha256(content.encode()).hexdigest()


def upgrade():
    key = context.config.attributes["chain_key"]
    entries = _entries()
    previous, broken = GENESIS, []
    for entry in entries:
        if entry["previous_hash"] != previous or _plain(content_of(entry)) != entry["hash"]:
            broken.append(str(entry["id"]))
        previous = entry["hash"]
    if broken:
        raise RuntimeError(f"The vault's audit chain is broken at entries {', '.join(broken)}: they were edited, "
                           "removed or inserted. It is not chained again; investigate first.")
    _rechain(entries, lambda content: chain_hash(key, content))


def downgrade():
    _rechain(_entries(), _plain)
