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
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration, vText

from console.accounts.models import StaffMember
from console.audit import service as audit
from console.database import LONDON, utcnow
from console.extensions import db
from console.links import public_url
from console.notifications import preferences
from console.rotas import problem as problems
from console.rotas.models import CalendarEvent, CalendarFeed
from console.services.models import Service
from console.words import period

KEEP_CANCELLED = timedelta(days=30)
KEEP_PAST = timedelta(days=60)  # shifts further back than this leave the feed
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
    # Their events' texts, left unrendered while nobody subscribed (sync_events), are made now, so each feed
    # request only joins texts.
    names = dict(db.session.execute(sa.select(Service.id, Service.name)).all())
    for event in db.session.scalars(sa.select(CalendarEvent).where(CalendarEvent.staff_id == staff.id,
                                                                   CalendarEvent.ical == "")):
        event.ical = _render(event, names[event.service_id])
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


def _page(row: CalendarEvent) -> str:
    """The person's own shifts page in the console, at the shift's day."""
    return public_url("rotas.mine") + f"#day-{row.day.isoformat()}"


def _render(row: CalendarEvent, service_name: str) -> str:
    """One event as its VEVENT text; DTSTAMP is when it last changed, so the text is stable until it changes."""
    what = KIND_LABELS.get(row.kind, row.kind)
    hours = period(row.start_minute, row.end_minute)
    page = _page(row)
    event = Event()
    event.add("uid", row.uid)
    event.add("sequence", row.sequence)
    event.add("dtstamp", row.updated_at)
    event.add("last-modified", row.updated_at)
    event.add("dtstart", _local(row.day, row.start_minute))
    event.add("dtend", _local(row.day, row.end_minute))
    event.add("summary", f"Moderation: {service_name}, {what}")
    event.add("description", (f"This shift was taken off the rota: {service_name}, {what}, {hours}."
                              if row.cancelled_at else f"{service_name}: {what}, {hours}.")
              + f"\nYour shifts, swaps and open shifts: {page}")
    event.add("url", page)
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
    # Kept ready only for those who subscribe: rendering is most of a publish's time (about 1 ms an event, most
    # of it icalendar folding lines), and a feed renders any event without its text when asked (see _calendar).
    subscribed = set(db.session.scalars(sa.select(CalendarFeed.staff_id).where(CalendarFeed.staff_id.in_(staff_ids))))
    for event in changed:
        event.ical = _render(event, names[event.service_id]) if event.staff_id in subscribed else ""


def _local(day: date, minute: int) -> datetime:
    """A local wall-clock time as an aware datetime (24:00 is the next midnight), right across clock changes."""
    return (datetime.combine(day, time()) + timedelta(minutes=minute)).replace(tzinfo=LONDON)


def _rows(staff: StaffMember, now: datetime) -> list:
    """The person's events in the feed: from 60 days back, and those removed in the last 30 days as cancelled."""
    since = now.astimezone(LONDON).date() - KEEP_PAST
    return db.session.execute(
        sa.select(CalendarEvent, Service.name).join(Service, Service.id == CalendarEvent.service_id).where(
            CalendarEvent.staff_id == staff.id, CalendarEvent.day >= since,
            sa.or_(CalendarEvent.cancelled_at.is_(None), CalendarEvent.cancelled_at > now - KEEP_CANCELLED))
        .order_by(CalendarEvent.day, CalendarEvent.start_minute)).all()


def feed(staff: StaffMember, *, now: datetime | None = None) -> bytes:
    """The person's calendar: their shifts from 60 days back, and shifts removed in the last 30 days as
    cancelled."""
    return _calendar(_rows(staff, now or utcnow()), preferences.settings_of(staff.id).calendar_alarm_minutes)


def feed_and_last_change(staff: StaffMember) -> tuple[bytes, datetime | None]:
    """The person's calendar, and when anything in it last changed, their reminder choice included (for
    Last-Modified; None when it is empty)."""
    rows, settings = _rows(staff, utcnow()), preferences.settings_of(staff.id)
    changes = [row.updated_at for row, _ in rows] + ([settings.updated_at] if rows and settings.updated_at else [])
    return _calendar(rows, settings.calendar_alarm_minutes), max(changes, default=None)


@lru_cache(maxsize=8)
def _alarm(minutes: int) -> str:
    """The VALARM a person chose for each of their shifts: a display reminder this many minutes before."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Moderation shift")
    alarm.add("trigger", timedelta(minutes=-minutes))
    return alarm.to_ical().decode()


def _with_alarm(text: str, minutes: int | None) -> str:
    """An event's text with the person's reminder in it (none on a cancelled shift)."""
    if minutes is None or "STATUS:CANCELLED" in text:
        return text
    before, after = text.rsplit("END:VEVENT", 1)
    return before + _alarm(minutes) + "END:VEVENT" + after


def _calendar(rows: list, alarm_minutes: int | None = None) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Moderation console//Shifts//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Moderation shifts")
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # an unknown property: said to be a duration (PT1H)
    header, footer = calendar.to_ical().decode().rsplit("END:VCALENDAR", 1)
    parts = [header]
    if rows:
        parts.append(time_zone(rows[0][0].day.year - 1, rows[-1][0].day.year + 1))
    for row, service_name in rows:
        parts.append(_with_alarm(row.ical if _current(row, service_name) else _render(row, service_name),
                                 alarm_minutes))
    return ("".join(parts) + "END:VCALENDAR" + footer).encode()


def _current(row: CalendarEvent, service_name: str) -> bool:
    """Whether the event's kept text still names its service as it is called now, and links to PUBLIC_URL."""
    if not row.ical:
        return False
    text = row.ical.replace("\r\n ", "")  # unfolded
    return vText(f"Moderation: {service_name}, ").to_ical().decode() in text and f"URL:{_page(row)}\r\n" in text


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@lru_cache(maxsize=16)
def time_zone(first_year: int, last_year: int, tzid: str = "Europe/London") -> str:
    """The zone's VTIMEZONE for a feed spanning these years, as calendar apps expect it: one STANDARD and one
    DAYLIGHT part, each a yearly rule (RRULE, e.g. the last Sunday of March), read from zoneinfo's transitions
    over the span. Where the rules changed within the span, the transitions are listed one by one instead."""
    zone = ZoneInfo(tzid)
    rules: dict[tuple, list[datetime]] = defaultdict(list)
    for moment in _transitions(zone, first_year, last_year):
        before, after = moment - timedelta(seconds=1), moment
        local = (moment + before.astimezone(zone).utcoffset()).replace(tzinfo=None)  # on the clock before it
        last_week = local.day + 7 > _month_days(local.year, local.month)
        week = -1 if last_week else (local.day - 1) // 7 + 1
        kind = TimezoneDaylight if after.astimezone(zone).dst() else TimezoneStandard
        key = (kind, before.astimezone(zone).utcoffset(), after.astimezone(zone).utcoffset(),
               after.astimezone(zone).tzname(), local.month, f"{week}{WEEKDAYS[local.weekday()]}", local.time())
        rules[key].append(local)
    years = last_year - first_year + 1
    if any(len(onsets) != years for onsets in rules.values()):
        return Timezone.from_tzid(tzid, first_date=date(first_year, 1, 1),
                                  last_date=date(last_year + 1, 1, 1)).to_ical().decode()
    timezone = Timezone()
    timezone.add("tzid", tzid)
    if not rules:  # one offset all along
        start = datetime(first_year, 1, 1, tzinfo=zone)
        part = TimezoneStandard()
        part.add("tzname", start.tzname())
        part.add("tzoffsetfrom", start.utcoffset())
        part.add("tzoffsetto", start.utcoffset())
        part.add("dtstart", start.replace(tzinfo=None))
        timezone.add_component(part)
    for (kind, offset_from, offset_to, name, month, byday, _), onsets in sorted(
            rules.items(), key=lambda item: item[1][0]):
        part = kind()
        part.add("tzname", name)
        part.add("tzoffsetfrom", offset_from)
        part.add("tzoffsetto", offset_to)
        part.add("dtstart", onsets[0])
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": byday})
        timezone.add_component(part)
    return timezone.to_ical().decode()


def _month_days(year: int, month: int) -> int:
    return ((date(year + month // 12, month % 12 + 1, 1)) - date(year, month, 1)).days


def _transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[datetime]:
    """The instants (UTC) at which the zone's offset or name changes in these years, to the minute."""
    def state(moment: datetime) -> tuple:
        local = moment.astimezone(zone)
        return local.utcoffset(), local.tzname()

    found = []
    moment, end = datetime(first_year, 1, 1, tzinfo=UTC), datetime(last_year + 1, 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)
    while moment < end:
        following = moment + step
        if state(moment) != state(following):
            low, high = moment, following  # the change lies in (low, high]: halve to the minute
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    break
                low, high = (middle, high) if state(middle) == state(low) else (low, middle)
            found.append(high)
        moment = following
    return found
