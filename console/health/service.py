"""What the health check reports: whether the main database is reachable and migrated, and the PID vault's state."""

from sqlalchemy.exc import SQLAlchemyError

from console import schema
from console.extensions import db
from escalation_pathways import vault


def report() -> dict:
    """The health check's answer: status "ok" only when the main database is reachable and at the migrations'
    head. The vault is reported but does not decide the status: the console serves without it (only reveals
    need it)."""
    try:
        migrated = schema.is_current(db.engine)
        database = "ok"
    except SQLAlchemyError:
        migrated, database = False, "unreachable"
    return {"status": "ok" if database == "ok" and migrated else "unavailable",
            "database": database,
            "migrations": "current" if migrated else ("unknown" if database != "ok" else "out of date"),
            "vault": vault.state()}
