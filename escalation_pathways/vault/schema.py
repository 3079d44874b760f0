"""Migrating the vault's own database with its own Alembic scripts (migrations/vault)."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations" / "vault"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, *, chain_key: bytes, revision: str = "head") -> None:
    """Bring the vault database to the code's revision, or to an older one (tests of a migration); a migration
    that re-chains the audit trail needs the chain's key."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["chain_key"] = chain_key
        command.upgrade(config, revision)


def is_current(engine: Engine) -> bool:
    """Tell whether the vault database is at the code's revision."""
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == set(ScriptDirectory.from_config(_config()).get_heads())
