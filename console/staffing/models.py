"""Staffing data: what each person can work. Contracts (working limits), weekly availability, one-off
unavailability, leave and preferences; the rota engine reads them (console.rotas.problem).

Times of day are local wall-clock minutes after midnight (Europe/London), as in rota.domain.
"""

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.accounts.models import StaffMember
from console.database import WITHIN_ONE_DAY, UTCDateTime, utcnow
from console.extensions import db


class Contract(db.Model):
    """A person's working limits; volunteers have no minimum and a maximum of what they offered."""

    __tablename__ = "staff_contracts"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True)
    min_hours_week: Mapped[float] = mapped_column(default=0.0)
    max_hours_week: Mapped[float] = mapped_column(default=37.5)
    max_days_week: Mapped[int] = mapped_column(default=5)
    max_consecutive_days: Mapped[int] = mapped_column(default=5)
    min_rest_hours: Mapped[float] = mapped_column(default=11.0)
    max_weekends: Mapped[int] = mapped_column(default=2)


class AvailabilityWindow(db.Model):
    """A recurring weekly time a person can work."""

    __tablename__ = "availability_windows"
    __table_args__ = (sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
                      sa.CheckConstraint(WITHIN_ONE_DAY, name="times"))

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]  # Monday = 0
    start_minute: Mapped[int]
    end_minute: Mapped[int]


class Unavailability(db.Model):
    """A one-off time a person cannot work, on top of their weekly availability."""

    __tablename__ = "unavailability"
    __table_args__ = (sa.CheckConstraint(WITHIN_ONE_DAY, name="times"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    start_minute: Mapped[int] = mapped_column(default=0)
    end_minute: Mapped[int] = mapped_column(default=1440)


class LeaveStatus(StrEnum):
    """Where a leave request stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class LeaveRequest(db.Model):
    """Leave over whole days; only approved leave keeps a person off the rota."""

    __tablename__ = "leave_requests"
    __table_args__ = (sa.CheckConstraint("first_day <= last_day", name="days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=LeaveStatus.REQUESTED.value)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    staff: Mapped[StaffMember] = relationship(foreign_keys=[staff_id])
    decided_by: Mapped[StaffMember | None] = relationship(foreign_keys=[decided_by_id])


class StaffPreference(db.Model):
    """Prefer or avoid working at a time on some weekdays, optionally only for one service."""

    __tablename__ = "staff_preferences"
    __table_args__ = (sa.CheckConstraint("kind IN ('prefer', 'avoid')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    weekdays: Mapped[str] = mapped_column(sa.String(13))  # "5,6": Monday = 0
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    weight: Mapped[int] = mapped_column(default=1)
    service_id: Mapped[int | None] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))


class StaffWish(db.Model):
    """What a person asks of the rota for themselves beyond their preferences: at most this many days a week of rota
    work (None: no limit of their own; their contract's still applies)."""

    __tablename__ = "staff_wishes"
    __table_args__ = (sa.CheckConstraint("most_days_week IS NULL OR most_days_week BETWEEN 1 AND 7",
                                         name="most_days_week"),)

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True)
    most_days_week: Mapped[int | None]
