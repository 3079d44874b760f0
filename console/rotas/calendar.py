"""Calendar subscriptions (iCalendar, RFC 5545): each person's published shifts as a private feed.

A person's feed lives at /calendar/<token>.ics. Only a SHA-256 hash of the token is stored; making a
new token revokes the old one. Events come from CalendarEvent rows, brought up to date whenever a rota
is published: a shift keeps its UID while its times change (SEQUENCE goes up), and a removed shift stays
in the feed as CANCELLED for 30 days so calendar apps take it away. Feeds hold the person's own shifts
only: service names and shift kinds, never other people or anything about platform users.

Calendar apps fetch feeds every hour, so each event's VEVENT is rendered (by the icalendar package) when
it changes, at publishing, and kept on its row; a feed is those texts put together with its header and
time zone, in a few milliseconds for a year of shifts. An event whose service was renamed since is
rendered again as the feed is built.
"""

import hashlib
import secrets
import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import sqlalchemy as sa
from icalendar import Calendar, Event, vText

from console.accounts.models import StaffMember
from console.audit import service as audit
from console.database import LONDON, utcnow
from console.extensions import db
from console.rotas import problem as problems
from console.rotas.models import CalendarEvent, CalendarFeed
from console.services.models import Service

KEEP_CANCELLED = timedelta(days=30)
REFRESH = timedelta(hours=1)  # how often calendar apps are asked to fetch the feed again
KIND_LABELS = {"presence": "on duty", "check": "moderation check", "on_call": "on call (clinical supervision)"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(staff: StaffMember) -> str:
    """Make a new subscription token for a person (the old one stops working); shown to them once."""
    token = secrets.token_urlsafe(32)
    feed = db.session.get(CalendarFeed, staff.id)
    if feed is None:
        db.session.add(CalendarFeed(staff_id=staff.id, token_hash=_hash(token)))
    else:
        feed.token_hash, feed.created_at = _hash(token), utcnow()
    audit.record("calendar.token_made", target=f"staff:{staff.id}")
    db.session.commit()
    return token


def has_token(staff: StaffMember) -> bool:
    """Whether the person has a subscription link."""
    return db.session.get(CalendarFeed, staff.id) is not None


def owner_of(token: str) -> StaffMember | None:
    """The active person a subscription token belongs to, if any."""
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None:
        return None
    staff = db.session.get(StaffMember, feed.staff_id)
    return staff if staff is not None and staff.active else None


def _render(row: CalendarEvent, service_name: str) -> str:
    """One event as its VEVENT text; DTSTAMP is when it last changed, so the text is stable until it changes."""
    event = Event()
    event.add("uid", row.uid)
    event.add("sequence", row.sequence)
    event.add("dtstamp", row.updated_at)
    event.add("last-modified", row.updated_at)
    event.add("dtstart", _local(row.day, row.start_minute))
    event.add("dtend", _local(row.day, row.end_minute))
    event.add("summary", f"Moderation: {service_name}, {KIND_LABELS.get(row.kind, row.kind)}")
    event.add("status", "CANCELLED" if row.cancelled_at else "CONFIRMED")
    event.add("transp", "OPAQUE")
    return event.to_ical().decode()


def sync_events(*, staff_ids: list[int], start: date, last: date) -> None:
    """Bring these people's calendar events from start to last in line with the shifts now in force."""
    if not staff_ids:
        return
    now = utcnow()
    wanted: dict[tuple, tuple[int, int]] = {}
    counts = defaultdict(int)
    for shift in problems.published_shifts(start=start, last=last, staff_ids=staff_ids):
        group = (shift.staff_id, shift.service_id, shift.day, shift.kind)
        wanted[(*group, counts[group])] = (shift.start_minute, shift.end_minute)
        counts[group] += 1
    existing = {(e.staff_id, e.service_id, e.day, e.kind, e.ordinal): e for e in db.session.scalars(
        sa.select(CalendarEvent).where(CalendarEvent.staff_id.in_(staff_ids), CalendarEvent.day.between(start, last)))}
    changed = []
    for key, (begin, end) in wanted.items():
        event = existing.get(key)
        if event is None:
            staff_id, service_id, day, kind, ordinal = key
            event = CalendarEvent(uid=f"{uuid.uuid4()}@moderation-console", staff_id=staff_id, service_id=service_id,
                                  day=day, kind=kind, ordinal=ordinal, start_minute=begin, end_minute=end,
                                  sequence=0, updated_at=now)
            db.session.add(event)
            changed.append(event)
        elif (event.start_minute, event.end_minute) != (begin, end) or event.cancelled_at is not None:
            event.start_minute, event.end_minute, event.cancelled_at = begin, end, None
            event.sequence += 1
            event.updated_at = now
            changed.append(event)
    for key, event in existing.items():
        if key not in wanted and event.cancelled_at is None:
            event.cancelled_at, event.updated_at = now, now
            event.sequence += 1
            changed.append(event)
    names = dict(db.session.execute(sa.select(Service.id, Service.name)).all())
    for event in changed:
        event.ical = _render(event, names[event.service_id])


def _local(day: date, minute: int) -> datetime:
    """A local wall-clock time as an aware datetime (24:00 is the next midnight), right across clock changes."""
    return (datetime.combine(day, time()) + timedelta(minutes=minute)).replace(tzinfo=LONDON)


def feed(staff: StaffMember, *, now: datetime | None = None) -> bytes:
    """The person's calendar: their shifts, and shifts removed in the last 30 days as cancelled."""
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(CalendarEvent, Service.name).join(Service, Service.id == CalendarEvent.service_id).where(
            CalendarEvent.staff_id == staff.id,
            sa.or_(CalendarEvent.cancelled_at.is_(None), CalendarEvent.cancelled_at > now - KEEP_CANCELLED))
        .order_by(CalendarEvent.day, CalendarEvent.start_minute)).all()
    calendar = Calendar()
    calendar.add("prodid", "-//Moderation console//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Moderation shifts")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", REFRESH)
    header, footer = calendar.to_ical().decode().rsplit("END:VCALENDAR", 1)
    parts = [header]
    if rows:
        parts.append(_time_zone(rows[0][0].day.year - 1, rows[-1][0].day.year + 2))
    for row, service_name in rows:
        named = vText(f"Moderation: {service_name}, ").to_ical().decode()  # as it stands in the text, escaped
        fresh = row.ical and named in row.ical.replace("\r\n ", "")  # unfolded
        parts.append(row.ical if fresh else _render(row, service_name))
    return ("".join(parts) + "END:VCALENDAR" + footer).encode()


@lru_cache(maxsize=16)
def _time_zone(first_year: int, last_year: int) -> str:
    """Europe/London's VTIMEZONE with the transitions of those years only: a compact block that parsers read
    alike (the default, from 1970, opens with Britain's 1968-71 experiment, which some parsers misread)."""
    calendar, event = Calendar(), Event()
    event.add("dtstart", _local(date(first_year, 1, 1), 0))  # a time in the zone, so the zone is added
    calendar.add_component(event)
    calendar.add_missing_timezones(first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1))
    return "".join(zone.to_ical().decode() for zone in calendar.walk("VTIMEZONE"))
