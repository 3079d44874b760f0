"""What each person chooses to be sent: shift reminders, digests, open-shift offers (with a weekly limit), a
reminder in their calendar, and quiet hours. Safety alerts to whoever is on duty are not theirs to switch off and
quiet hours never hold them."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from console.audit import service as audit
from console.database import LONDON
from console.errors import UserError
from console.extensions import db
from console.notifications.models import NotificationSettings, SentNotice

DEFAULTS = {"remind_day_before": True, "remind_hour_before": True, "calendar_alarm_minutes": None,
            "open_shift_offers": True, "offers_per_week": None, "manager_digest": True, "monthly_report": True,
            "quiet_from": None, "quiet_until": None}


def settings_of(staff_id: int) -> NotificationSettings:
    """A person's choices (the defaults until they save their own)."""
    return db.session.get(NotificationSettings, staff_id) or NotificationSettings(staff_id=staff_id, **DEFAULTS)


def save(staff_id: int, **values) -> NotificationSettings:
    """Keep a person's choices; quiet hours need both ends, and differ."""
    quiet = (values["quiet_from"], values["quiet_until"])
    if (quiet[0] is None) != (quiet[1] is None):
        raise UserError("Give both ends of your quiet hours, or neither.")
    if quiet[0] is not None and quiet[0] == quiet[1]:
        raise UserError("Quiet hours must start and end at different times.")
    row = db.session.get(NotificationSettings, staff_id) or NotificationSettings(staff_id=staff_id)
    for name, value in values.items():
        setattr(row, name, value)
    db.session.add(row)
    audit.record("notifications.saved", target=f"staff:{staff_id}")
    db.session.commit()
    return row


def quiet_now(settings: NotificationSettings, now: datetime) -> bool:
    """Whether it is within the person's quiet hours (which may run past midnight, e.g. 22:00-07:00)."""
    if settings.quiet_from is None:
        return False
    local = now.astimezone(LONDON)
    minute = local.hour * 60 + local.minute
    start, end = settings.quiet_from, settings.quiet_until
    return start <= minute < end if start < end else minute >= start or minute < end


def offers_this_week(staff_id: int, now: datetime) -> int:
    """How many open-shift offers the person has been sent in the last 7 days."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(SentNotice).where(
        SentNotice.staff_id == staff_id, SentNotice.key.startswith("offer:"),
        SentNotice.sent_at > now - timedelta(days=7)))
