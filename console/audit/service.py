"""Writing to and reading from the audit log."""

import sqlalchemy as sa
from flask import has_request_context
from flask_login import current_user

from console.audit.models import AuditEntry
from console.extensions import db


def record(action: str, *, target: str = "", actor=None, details: dict | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller's commit makes it durable).

    The actor defaults to the signed-in person, or "system" outside a request.
    Details must never hold personal identifiable data of platform users, or passwords.
    """
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        action=action,
        target=target,
        actor_id=getattr(actor, "id", None),
        actor=getattr(actor, "email", None) or (actor if isinstance(actor, str) else "system"),
        details=details or {},
    )
    db.session.add(entry)
    return entry


MAX_PAGE = 1_000_000  # further than any log reaches; larger page numbers would overflow the database's OFFSET


def get_page(*, page: int, per_page: int = 50, action: str | None = None, where: list = ()):
    """Return one page of audit entries, newest first, optionally for one action and meeting further conditions
    (past the last page: empty)."""
    page = min(max(page, 1), MAX_PAGE)
    query = sa.select(AuditEntry).where(*where).order_by(AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def actions() -> list[str]:
    """Every action name that has been recorded, for the filter list."""
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by(AuditEntry.action)))


def actor_ids(*, target: str, actions: tuple[str, ...]) -> set[int]:
    """Everyone recorded doing one of these actions to a record (e.g. who changed a draft rota)."""
    return set(db.session.scalars(sa.select(AuditEntry.actor_id).where(
        AuditEntry.target == target, AuditEntry.action.in_(actions), AuditEntry.actor_id.is_not(None))))
