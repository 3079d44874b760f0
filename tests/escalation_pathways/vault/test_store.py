"""The vault's own database: sealed at rest, every access audited in a chain that shows any edit, key rotation,
and a clear VaultUnavailable when it cannot be reached."""

import hashlib
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from console import create_app
from console.extensions import db
from escalation_pathways import vault
from escalation_pathways.vault import schema
from escalation_pathways.vault.identity import Identity
from escalation_pathways.vault.sealing import Sealer, new_key
from escalation_pathways.vault.store import CHAINED_FIELDS, GENESIS, Access, Actor, Vault, VaultUnavailable, \
    content_of
from escalation_pathways.vault.store import AuditEntry as VaultEntry
from tests.conftest import base_config

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

ALEX = Identity(name="Alex Vaultperson", nhs_number="9434765919", postcode="RG1 5AN")
CLINICIAN = Access(Actor(7, "clinician@example.org"), reason="Risk to life in post 12", case_id=3)


def test_an_identity_is_sealed_at_rest_and_every_access_is_audited(app):
    with app.app_context():
        store = vault.get()
        store.save(1, "User A", ALEX, CLINICIAN)
        assert store.reveal(1, "User A", CLINICIAN) == ALEX
        assert store.reveal(1, "User B", CLINICIAN) is None  # nothing held: still audited
        with store.engine.connect() as connection:
            raw = connection.execute(sa.text("SELECT sealed FROM pid_records")).scalar_one()
        assert b"Vaultperson" not in raw and b"9434765919" not in raw
        assert [(e.action, e.pseudonym, e.case_id, e.reason) for e in store.history(1, "User A")] == [
            ("edit", "User A", 3, "Risk to life in post 12"), ("reveal", "User A", 3, "Risk to life in post 12")]
        assert store.verify() == []


def _tamper(store: Vault, *statements: str) -> None:
    """Change the audit trail as someone with the database's owner rights could: triggers off, edit, back on."""
    with store.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("ALTER TABLE vault_audit DISABLE TRIGGER vault_audit_append_only"))
            for statement in statements:
                connection.execute(sa.text(statement))
            connection.execute(sa.text("ALTER TABLE vault_audit ENABLE TRIGGER vault_audit_append_only"))
        else:
            connection.execute(sa.text("DROP TRIGGER vault_audit_no_update"))
            connection.execute(sa.text("DROP TRIGGER vault_audit_no_delete"))
            for statement in statements:
                connection.execute(sa.text(statement))


def test_the_audit_trail_refuses_changes(app):
    with app.app_context():
        store = vault.get()
        store.reveal(1, "User A", CLINICIAN)
        for statement in ("UPDATE vault_audit SET reason = 'nothing to see'", "DELETE FROM vault_audit"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as connection:
                connection.execute(sa.text(statement))


@pytest.mark.parametrize("statement, broken", [
    ("UPDATE vault_audit SET reason = 'routine check' WHERE id = 2",
     ["entry 2: its content does not match its hash (it was edited)"]),
    ("DELETE FROM vault_audit WHERE id = 2", ["entry 3: does not follow the entry before it (one was removed, "
                                               "inserted or edited)"]),
])
def test_verify_names_an_edited_or_removed_entry(app, runner, statement, broken):
    with app.app_context():
        store = vault.get()
        for _ in range(3):
            store.reveal(1, "User A", CLINICIAN)
        assert runner.invoke(args=["vault", "verify"]).output == "The vault audit chain is whole.\n"
        _tamper(store, statement)
        assert store.verify() == broken
    result = runner.invoke(args=["vault", "verify"])
    assert result.exit_code == 1 and f"BROKEN: {broken[0]}" in result.output


def test_rotating_the_key_file_reseals_every_record_and_drops_the_old_key(app, runner, tmp_path):
    key_file = tmp_path / "pid-vault.keys"
    app.config.update(PID_KEYS="", PID_KEY_FILE=str(key_file))
    vault.ensure_key_file(key_file)
    old_key = vault.keys_from_file(key_file)[0]
    with app.app_context():
        before = Vault(app.config["PID_DATABASE_URL"], Sealer([old_key]), chain_key=vault.get().chain_key)
        before.save(1, "User A", ALEX, CLINICIAN)
        result = runner.invoke(args=["vault", "rotate-key"])
        assert result.exit_code == 0, result.output
        assert "Re-sealed 1 record under a new key; removed 1 old key from" in result.output
        (new,) = vault.keys_from_file(key_file)
        assert new != old_key
        after = Vault(app.config["PID_DATABASE_URL"], Sealer([new]), chain_key=vault.get().chain_key)
        assert after.reveal(1, "User A", CLINICIAN) == ALEX
        with pytest.raises(vault.VaultKeyError):
            before.reveal(1, "User A", CLINICIAN)
        before.close(), after.close()


def test_with_keys_in_the_environment_rotation_says_how(app, runner):
    result = runner.invoke(args=["vault", "rotate-key"])
    assert result.exit_code == 1 and "add a key from `flask vault new-key` at its front" in result.output


def test_an_unreachable_vault_is_reported_not_raised_as_a_crash():
    # Nothing listens on loopback port 9: the connection is refused at once.
    store = Vault("postgresql+psycopg://vault@127.0.0.1:9/vault", Sealer([new_key()]), chain_key=b"k")
    assert not store.is_available()
    with pytest.raises(VaultUnavailable):
        store.reveal(1, "User A", CLINICIAN)
    store.close()


def test_the_vault_keeps_its_tables_apart_from_the_main_database(app):
    with app.app_context():
        main, kept_apart = (set(sa.inspect(engine).get_table_names()) for engine in (db.engine, vault.get().engine))
    assert {"pid_records", "vault_audit"} <= kept_apart and not {"pid_records", "vault_audit"} & main
    assert "escalation_cases" in main and not {"staff_members", "posts", "escalation_cases"} & kept_apart


def test_the_vault_cannot_share_the_main_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'one.db'}"
    with pytest.raises(RuntimeError, match="PID_DATABASE_URL must name a database of its own"):
        create_app(base_config(url, PID_DATABASE_URL=url))


def test_a_consistent_rewrite_of_the_chain_is_still_found(app):
    """Someone who can write to the vault database edits an entry and recomputes every hash after it, as a plain
    SHA-256 chain would let them; without the chain key the HMACs cannot be made."""
    with app.app_context():
        store = vault.get()
        for _ in range(3):
            store.reveal(1, "User A", CLINICIAN)
        with sa.orm.Session(store.engine) as session:
            entries = [{name: getattr(entry, name) for name in CHAINED_FIELDS}
                       for entry in session.scalars(sa.select(VaultEntry).order_by(VaultEntry.id))]
        previous, rewrite = GENESIS, []
        for entry in entries:
            entry["reason"] = "routine check" if entry["id"] == 2 else entry["reason"]
            entry["previous_hash"] = previous
            previous = hashlib.sha256(content_of(entry).encode()).hexdigest()
            rewrite.append(f"UPDATE vault_audit SET reason = '{entry['reason']}', previous_hash = "
                           f"'{entry['previous_hash']}', hash = '{previous}' WHERE id = {entry['id']}")
        _tamper(store, *rewrite)
        assert store.verify()[0] == "entry 1: its content does not match its hash (it was edited)"


def test_upgrading_an_old_vault_chains_its_trail_again_under_the_key(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old-vault.db'}")
    schema.upgrade(engine, chain_key=b"unused", revision="v0001")
    previous = GENESIS
    with engine.begin() as connection:  # three entries as the old code wrote them: plain SHA-256
        for number in (1, 2, 3):
            entry = {"id": number, "at": datetime(2026, 11, 20, 9, number, tzinfo=UTC), "actor_id": 7,
                     "actor": "clinician@example.org", "action": "reveal", "service_id": 1, "pseudonym": "User A",
                     "case_id": 3, "reason": "Risk to life", "previous_hash": previous}
            previous = hashlib.sha256(content_of(entry).encode()).hexdigest()
            connection.execute(sa.text("INSERT INTO vault_audit VALUES (:id, :at, :actor_id, :actor, :action, "
                                       ":service_id, :pseudonym, :case_id, :reason, :previous_hash, :hash)"),
                               {**entry, "at": entry["at"].replace(tzinfo=None), "hash": previous})
    schema.upgrade(engine, chain_key=b"the chain key")
    upgraded = Vault(str(engine.url), Sealer([new_key()]), chain_key=b"the chain key")
    assert upgraded.verify() == []
    assert Vault(str(engine.url), Sealer([new_key()]), chain_key=b"another key").verify() != []
    upgraded.close()
    engine.dispose()
