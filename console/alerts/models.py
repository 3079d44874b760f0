"""The alerts table."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.accounts.models import StaffMember
from console.database import UTCDateTime, utcnow
from console.extensions import db
from console.services.models import Service


class AlertState(StrEnum):
    """Where an alert stands: raised, passed to someone, acknowledged (someone who can act on it is dealing with
    it; its chain still goes on while the condition holds), resolved (the condition cleared: the chain stops)."""

    RAISED = "raised"
    NOTIFIED = "notified"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


NOT_ACKNOWLEDGED = (AlertState.RAISED.value, AlertState.NOTIFIED.value)  # nobody has said they are dealing with it
OPEN_ALERT_STATES = (*NOT_ACKNOWLEDGED, AlertState.ACKNOWLEDGED.value)  # not resolved: its chain goes on


class Alert(db.Model):
    """A condition that needs a person, for one service and one subject (a post, a day's gap, a case's step):
    unique by kind and subject, so however often the scheduler looks, it is raised once.

    It holds words about the condition and a link, never a post's text or anything about who a pseudonym is."""

    __tablename__ = "alerts"
    __table_args__ = (sa.UniqueConstraint("kind", "subject", name="uq_alerts_kind_subject"),
                      sa.CheckConstraint("state IN ('raised', 'notified', 'acknowledged', 'resolved')",
                                         name="state"),
                      sa.Index("ix_alerts_open", "state", "next_step_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    subject: Mapped[str] = mapped_column(sa.String(120))
    summary: Mapped[str] = mapped_column(sa.String(300))
    # The console page the alert is about (an endpoint and its arguments): url_for on pages, PUBLIC_URL in emails.
    target_endpoint: Mapped[str] = mapped_column(sa.String(60))
    target_args: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    state: Mapped[str] = mapped_column(sa.String(12), default=AlertState.RAISED.value)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    steps_done: Mapped[int] = mapped_column(default=0)  # how many links of the chain have been told
    next_step_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    told: Mapped[str] = mapped_column(sa.Text, default="")  # who each step reached, in words, a line each
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[Service] = relationship(lazy="joined")
    acknowledged_by: Mapped[StaffMember | None] = relationship()
