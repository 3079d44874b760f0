"""Alembic environment: migrates the console's main database (the PID vault has its own)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

from console.schema import include_object

config = context.config
# Keep the app's own loggers working when migrations run inside a running process (tests, CLI).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

database = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", database.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline() -> None:
    """Write the SQL a migration would run, without a connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=database.metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection."""

    def skip_empty_autogenerate(context_, revision, directives) -> None:
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("include_object", include_object)
    with database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=database.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
