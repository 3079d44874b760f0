"""`flask --app wsgi vault ...`: migrate the vault, verify its audit chain, rotate its key."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from escalation_pathways import vault
from escalation_pathways.vault import schema
from escalation_pathways.vault.sealing import Sealer
from escalation_pathways.vault.sealing import new_key as make_key
from escalation_pathways.vault.store import Vault

vault_cli = AppGroup("vault", help="The PID vault's own database and keys.")


@vault_cli.command("upgrade")
def upgrade() -> None:
    """Migrate the vault database (PID_DATABASE_URL) to this version of the console."""
    schema.upgrade(vault.get().engine, chain_key=vault.get().chain_key)
    click.echo("The PID vault database is up to date.")


@vault_cli.command("verify")
def verify() -> None:
    """Check the vault's audit chain: exits with status 1 and names every break when an entry was altered."""
    problems = vault.get().verify()
    for problem in problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if problems:
        raise click.exceptions.Exit(1)
    click.echo("The vault audit chain is whole.")


@vault_cli.command("rotate-key")
def rotate_key() -> None:
    """Seal every record under a fresh key, then drop the old keys (key file only; with PID_KEYS, put a new key
    from `vault new-key` first in PID_KEYS, restart, and run `vault reseal`)."""
    if current_app.config["PID_KEYS"]:
        raise click.ClickException("The keys come from PID_KEYS: add a key from `flask vault new-key` at its front, "
                                   "restart the console, then run `flask vault reseal`.")
    path = Path(current_app.config["PID_KEY_FILE"])
    vault.rotate_key_file(path)
    rotated = Vault(current_app.config["PID_DATABASE_URL"], Sealer(vault.keys_from_file(path)),
                    chain_key=vault.get().chain_key)
    try:
        count = rotated.reseal_all()
    finally:
        rotated.close()
    removed = vault.prune_key_file(path)
    records = f"{count} record{'' if count == 1 else 's'}"  # counted in words here: the vault imports nothing of ours
    keys = "no old keys" if not removed else f"{removed} old key{'' if removed == 1 else 's'}"
    click.echo(f"Re-sealed {records} under a new key; removed {keys} from {path}. "
               "Restart the console so it reads the new key.")


@vault_cli.command("reseal")
def reseal() -> None:
    """Re-seal every record under the newest configured key (after adding one to PID_KEYS)."""
    click.echo(f"Re-sealed {vault.get().reseal_all()} records under the newest key.")


@vault_cli.command("new-key")
def new_key() -> None:
    """Print a fresh key for PID_KEYS."""
    click.echo(make_key())
