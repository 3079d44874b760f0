"""Rota data: coverage standards, solver runs, rota versions and their shifts, swaps, open shifts taken and
calendar feeds (what people can work is staffing's: console.staffing.models).

Times of day are local wall-clock minutes after midnight (Europe/London), as in rota.domain, so the
08:00-22:00 window stays 08:00-22:00 on the days the clocks change. A rota version is immutable once
published: publishing again makes a new version, and for each service and date the shifts in force
are those of the newest published version that covers them.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.accounts.models import StaffMember
from console.database import WITHIN_ONE_DAY, UTCDateTime, utcnow
from console.extensions import db
from console.services.models import Service


class CoverageStandard(db.Model):
    """A service's coverage standard, as the modrota/1 service object (presence segments and/or checks)."""

    __tablename__ = "coverage_standards"

    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    # {"presence": [{"days", "start", "end", "roles", "min"}], "checks": {...}}: parsed by rota.scenario.
    document: Mapped[dict] = mapped_column(sa.JSON)
    # Whether a swap both people agreed is applied at once when it breaks no rule (else a manager approves it).
    auto_approve_swaps: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


rota_run_services = sa.Table(
    "rota_run_services", db.metadata,
    sa.Column("run_id", sa.ForeignKey("rota_runs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)

rota_version_services = sa.Table(
    "rota_version_services", db.metadata,
    sa.Column("version_id", sa.ForeignKey("rota_versions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("service_id", sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class RunStatus(StrEnum):
    """A solver run's state."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


ACTIVE_RUN_STATUSES = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


class RotaRun(db.Model):
    """One background solve of a draft rota for some services over a period."""

    __tablename__ = "rota_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    start_date: Mapped[date]
    days: Mapped[int]
    seconds: Mapped[int]  # the solver's time limit
    status: Mapped[str] = mapped_column(sa.String(16), default=RunStatus.QUEUED.value)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    progress: Mapped[float] = mapped_column(default=0.0)  # share of the time limit used, 0 to 1
    best_score: Mapped[dict | None] = mapped_column(sa.JSON)  # score components of the best rota so far
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the worker writes it while it solves
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rota_versions.id", ondelete="SET NULL"))

    services: Mapped[list[Service]] = relationship(secondary=rota_run_services, lazy="selectin",
                                                   order_by=Service.name)
    requested_by: Mapped[StaffMember] = relationship()

    @property
    def active(self) -> bool:
        """Whether the run is still waiting or solving."""
        return self.status in ACTIVE_RUN_STATUSES


class VersionStatus(StrEnum):
    """A rota version's place in draft, approve, publish."""

    DRAFT = "draft"
    APPROVED = "approved"
    PUBLISHED = "published"
    DISCARDED = "discarded"


class RotaVersion(db.Model):
    """A rota for some services over a period: a draft until approved and published, then immutable."""

    __tablename__ = "rota_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=VersionStatus.DRAFT.value)
    start_date: Mapped[date]
    days: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Score components and the explained uncovered windows, as the engine left them.
    score: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    unmet: Mapped[list] = mapped_column(sa.JSON, default=list)
    # Why a version exists when it is not a whole rota from a run or a file: an open shift taken, a swap.
    note: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # Why it was approved, and published, while it leaves part of its standard uncovered.
    approved_with_gaps: Mapped[str | None] = mapped_column(sa.Text)
    published_with_gaps: Mapped[str | None] = mapped_column(sa.Text)

    services: Mapped[list[Service]] = relationship(secondary=rota_version_services, lazy="selectin",
                                                   order_by=Service.name)
    shifts: Mapped[list["Shift"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                 order_by="Shift.day, Shift.start_minute")
    created_by: Mapped[StaffMember] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[StaffMember | None] = relationship(foreign_keys=[approved_by_id])
    overrides: Mapped[list["RuleOverride"]] = relationship(back_populates="version", cascade="all, delete-orphan",
                                                           order_by="RuleOverride.id")

    @property
    def last_date(self) -> date:
        """The last day the version covers."""
        return self.start_date + timedelta(days=self.days - 1)


class Shift(db.Model):
    """One assignment of a rota version: a person, for a service, on a day, from start to end (local minutes)."""

    __tablename__ = "shifts"
    __table_args__ = (sa.CheckConstraint("kind IN ('presence', 'check', 'on_call')", name="kind"),
                      sa.CheckConstraint(WITHIN_ONE_DAY, name="times"),
                      sa.Index("ix_shifts_staff_day", "staff_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("rota_versions.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    day: Mapped[date]
    start_minute: Mapped[int]
    end_minute: Mapped[int]

    version: Mapped[RotaVersion] = relationship(back_populates="shifts")
    staff: Mapped[StaffMember] = relationship()  # not joined: a rota's pages name people from its problem
    service: Mapped[Service] = relationship(lazy="joined")


class RuleOverride(db.Model):
    """A manager's decision to publish a draft that breaks a soft rule (a contract limit), with the reason."""

    __tablename__ = "rule_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("rota_versions.id", ondelete="CASCADE"), index=True)
    rule: Mapped[int]  # the rule number of rota.validate (FORMAT.md)
    message: Mapped[str] = mapped_column(sa.Text)  # the broken rule in words, as the validator says it
    reason: Mapped[str] = mapped_column(sa.String(300))
    overridden_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    overridden_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped[RotaVersion] = relationship(back_populates="overrides")
    overridden_by: Mapped[StaffMember] = relationship()


class SwapStatus(StrEnum):
    """Where a request to hand a shift to someone else stands."""

    ASKED = "asked"  # waiting for the other person
    AGREED = "agreed"  # the other person said yes; waiting for a manager
    DONE = "done"
    DECLINED = "declined"
    REFUSED = "refused"  # a manager said no
    WITHDRAWN = "withdrawn"


class SwapRequest(db.Model):
    """One person asks another to take a published shift of theirs."""

    __tablename__ = "swap_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id", ondelete="CASCADE"), index=True)
    from_staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    to_staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=SwapStatus.ASKED.value)
    note: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    shift: Mapped[Shift] = relationship(lazy="joined")
    from_staff: Mapped[StaffMember] = relationship(foreign_keys=[from_staff_id], lazy="joined")
    to_staff: Mapped[StaffMember] = relationship(foreign_keys=[to_staff_id], lazy="joined")


class OpenShiftClaim(db.Model):
    """Someone took an open shift. The unique key makes the first valid claim on a gap of a published rota the only
    one, on every database: a second claim on the same gap fails to insert."""

    __tablename__ = "open_shift_claims"
    __table_args__ = (sa.UniqueConstraint("service_id", "day", "gap_start", "based_on_version_id",
                                          name="uq_open_shift_claims_gap"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    day: Mapped[date]
    gap_start: Mapped[int]  # where the uncovered window began
    based_on_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rota_versions.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(sa.ForeignKey("rota_versions.id", ondelete="CASCADE"))  # the new one
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarFeed(db.Model):
    """A person's private calendar subscription: only a hash of the token is kept."""

    __tablename__ = "calendar_feeds"

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarEvent(db.Model):
    """A person's shift as their calendar knows it: a stable UID, and a SEQUENCE that grows when it changes.

    Kept up to date at each publish, so a shift moved to new times keeps its UID, and a removed one stays in
    the feed as cancelled for 30 days.
    """

    __tablename__ = "calendar_events"
    __table_args__ = (sa.UniqueConstraint("staff_id", "service_id", "day", "kind", "ordinal",
                                          name="uq_calendar_events_shift"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    day: Mapped[date]
    ordinal: Mapped[int]  # the person's nth shift of this kind for the service that day
    start_minute: Mapped[int]
    end_minute: Mapped[int]
    sequence: Mapped[int] = mapped_column(default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ical: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # the VEVENT, rendered when it changed

    service: Mapped[Service] = relationship(lazy="joined")
