"""The PID vault: personal identifiable data of platform users, validated, sealed, and kept in its own database.

This package is the only way to PID: nothing else imports its engine. The app holds one Vault, built from
PID_DATABASE_URL and the sealing keys: PID_KEYS (comma-separated, newest first) or, when that is not set, the
key file PID_KEY_FILE (one key a line, newest first; made with a fresh key on first use). The audit chain's
HMAC key comes from PID_AUDIT_KEY or the file PID_AUDIT_KEY_FILE (made on first use). The keys are kept outside
both databases.
"""

import secrets
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from escalation_pathways.vault import schema
from escalation_pathways.vault.files import create_once
from escalation_pathways.vault.identity import FIELD_NAMES, LABELS, Identity, InvalidIdentity, validated
from escalation_pathways.vault.sealing import Sealer, VaultKeyError, new_key
from escalation_pathways.vault.store import Access, Actor, AuditEntry, Vault, VaultUnavailable


def keys_from_file(path: Path) -> list[str]:
    """The keys in a key file, newest first (blank lines and # comments ignored)."""
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def ensure_key_file(path: Path) -> None:
    """Create the key file with one fresh key, readable by its owner only, unless it exists."""
    create_once(path, new_key() + "\n")


def configured_keys(config: dict) -> list[str]:
    """The sealing keys from PID_KEYS, else from PID_KEY_FILE (created on first use)."""
    if config.get("PID_KEYS"):
        return [key.strip() for key in config["PID_KEYS"].split(",") if key.strip()]
    path = Path(config["PID_KEY_FILE"])
    ensure_key_file(path)
    return keys_from_file(path)


def chain_key(config: dict) -> bytes:
    """The audit chain's HMAC key: PID_AUDIT_KEY, else the key file PID_AUDIT_KEY_FILE (created on first use).
    It never changes: entries already chained are checked with it."""
    if config.get("PID_AUDIT_KEY"):
        return config["PID_AUDIT_KEY"].encode()
    path = Path(config["PID_AUDIT_KEY_FILE"])
    create_once(path, secrets.token_hex(32) + "\n")
    return path.read_text().strip().encode()


def rotate_key_file(path: Path) -> str:
    """Put a fresh key at the front of the key file; returns it. Old keys stay until `prune_key_file`."""
    key = new_key()
    path.write_text("\n".join([key, *keys_from_file(path)]) + "\n")
    return key


def prune_key_file(path: Path) -> int:
    """Keep only the newest key (once every record is re-sealed with it); returns how many were removed."""
    keys = keys_from_file(path)
    path.write_text(keys[0] + "\n")
    return len(keys) - 1


def init_app(app: Flask) -> None:
    """Build the app's vault. Its database is not touched here: an unreachable vault must not stop the console."""
    app.extensions["pid_vault"] = Vault(app.config["PID_DATABASE_URL"], Sealer(configured_keys(app.config)),
                                        chain_key=chain_key(app.config))


def get() -> Vault:
    """The current app's vault."""
    return current_app.extensions["pid_vault"]


def state() -> str:
    """The vault database as the health check reports it: "ok", "out of date" (not migrated) or "unreachable"."""
    try:
        return "ok" if schema.is_current(get().engine) else "out of date"
    except SQLAlchemyError:
        return "unreachable"


# What the rest of the console may use; nothing outside this package reaches the vault's engine or tables.
__all__ = ["FIELD_NAMES", "LABELS", "Access", "Actor", "AuditEntry", "Identity", "InvalidIdentity", "Vault",
           "VaultKeyError", "VaultUnavailable", "create_once", "get", "init_app", "state", "validated"]
