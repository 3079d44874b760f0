"""The email outbox, the notices the scheduler has sent, and what each person chooses to be sent."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.database import UTCDateTime, utcnow
from console.extensions import db


class OutboxEmail(db.Model):
    """An email waiting to be sent: written in the same transaction as what caused it, so an SMTP outage loses
    nothing; the sender retries with growing waits until it goes."""

    __tablename__ = "outbox_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")


class SentNotice(db.Model):
    """A notice the scheduler has sent (a reminder, an offer, a digest), by a key naming the job, the period and
    the subject: written in the same transaction as the email, so it is sent once whatever runs again."""

    __tablename__ = "sent_notices"

    key: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class NotificationSettings(db.Model):
    """What a person chooses to be sent besides safety alerts (which they cannot switch off): shift reminders,
    digests and open-shift offers, a weekly limit on offers, and quiet hours that hold the rest until they end."""

    __tablename__ = "notification_settings"
    __table_args__ = (
        sa.CheckConstraint("quiet_from IS NULL OR (quiet_from >= 0 AND quiet_from < 1440 AND quiet_until >= 0 "
                           "AND quiet_until < 1440 AND quiet_from != quiet_until)", name="quiet_hours"),
        sa.CheckConstraint("offers_per_week IS NULL OR offers_per_week >= 0", name="offers_per_week"),
        sa.CheckConstraint("calendar_alarm_minutes IS NULL OR calendar_alarm_minutes > 0", name="alarm"))

    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="CASCADE"), primary_key=True)
    remind_day_before: Mapped[bool] = mapped_column(default=True)
    remind_hour_before: Mapped[bool] = mapped_column(default=True)
    calendar_alarm_minutes: Mapped[int | None] = mapped_column()  # a VALARM this long before each calendar event
    open_shift_offers: Mapped[bool] = mapped_column(default=True)
    offers_per_week: Mapped[int | None] = mapped_column()  # None: no limit
    manager_digest: Mapped[bool] = mapped_column(default=True)
    monthly_report: Mapped[bool] = mapped_column(default=True)
    quiet_from: Mapped[int | None] = mapped_column()  # minutes of the London day; may run past midnight
    quiet_until: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
