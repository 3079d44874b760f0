"""Audit entries: who did what to which record, and when. Never updated or deleted."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.database import UTCDateTime, utcnow
from console.extensions import db


class AuditEntry(db.Model):
    """One audited event."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    # The actor as shown at the time (an email address, or "system"), kept even if the account changes.
    actor: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    target: Mapped[str] = mapped_column(sa.String(120), default="")
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class AuditLogIsAppendOnly(Exception):
    """Raised when code tries to change or remove an audit entry."""


@sa.event.listens_for(AuditEntry, "before_update")
@sa.event.listens_for(AuditEntry, "before_delete")
def _refuse_change(mapper, connection, target) -> None:
    """The database refuses this too (triggers in the migration); fail early and clearly here."""
    raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
