"""Compare the database's migration revision with the code's, so an old schema is never served."""

import logging
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, request
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from console.errors import render_error

# Each check opens a migration context, which logs at INFO; that is noise on every health check.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

NOT_MIGRATED_MESSAGE = (
    "The console's database is not up to date with this version of the console, so it will not "
    "serve pages until it is. An administrator should run: flask --app wsgi db upgrade "
    "(make run does this for you)."
)
UNREACHABLE_MESSAGE = (
    "The console cannot reach its database right now. Nothing was changed; please try again "
    "in a few minutes, and tell the service desk if it goes on."
)


# Made by a migration by hand and not declared on the models: they are left out when models and database are
# compared (flask db migrate, and the schema test). ix_posts_body_search: PostgreSQL's full-text index of the posts'
# words (migration 0019); SQLite has its own, a table (migration 0026). ix_posts_author_key_prefix: PostgreSQL's
# index for a pseudonym found by its start (migration 0027).
UNDECLARED_INDEXES = {"ix_posts_body_search", "ix_posts_author_key_prefix"}
# SQLite's full-text index of the posts' words (migration 0026): the FTS5 table and the tables FTS5 keeps it in.
UNDECLARED_TABLES = {"posts_fts", "posts_fts_data", "posts_fts_idx", "posts_fts_docsize", "posts_fts_config"}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter for comparing models with the database: everything but UNDECLARED_INDEXES and
    UNDECLARED_TABLES."""
    return not (type_ == "index" and name in UNDECLARED_INDEXES or type_ == "table" and name in UNDECLARED_TABLES)


def expected_heads() -> set[str]:
    """The migration revisions the code expects."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def current_heads(engine: Engine) -> set[str]:
    """The migration revisions the database is at (empty when never migrated)."""
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads())


def is_current(engine: Engine) -> bool:
    """Tell whether the database is migrated to the code's head revision."""
    return current_heads(engine) == expected_heads()


def init_app(app: Flask, engine_getter) -> None:
    """Refuse requests (with a clear 503 page) while the database is not migrated."""
    state = {"current": False}

    @app.before_request
    def refuse_unmigrated_database():
        if state["current"] or request.endpoint in ("health.healthz", "static"):
            return None
        try:
            current = is_current(engine_getter())
        except OperationalError:
            return render_error(503, UNREACHABLE_MESSAGE)
        if current:
            state["current"] = True  # migrations only move forward while the app runs
            return None
        return render_error(503, NOT_MIGRATED_MESSAGE)
