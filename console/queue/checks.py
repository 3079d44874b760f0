"""Moderation checks counted against each service's checks standard: today and the last 28 whole days (the days the
queue report counts), and the longest gap between checks, planned (the published rota's checks) against done. Its
moderators record checks; its team managers (and owners, for every service) read the page.

Days and times are Europe/London wall-clock, as the standard is: a day runs midnight to midnight local time,
and the checks window (08:00-22:00 by default) is local too, also on the days the clocks change.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from console.accounts import teams
from console.audit import service as audit
from console.database import LONDON, utcnow
from console.errors import UserError
from console.extensions import db
from console.queue.models import ModerationCheck
from console.queue.service import workable_services
from console.rotas import problem as problems
from console.services.models import Service
from console.queue.reports import DAYS
from console.words import clock

MIN_BETWEEN = timedelta(minutes=5)  # a second click within minutes is the same check


def _minute_of_day(moment: datetime) -> int:
    local = moment.astimezone(LONDON)
    return local.hour * 60 + local.minute


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    return (datetime.combine(day, time(), LONDON), datetime.combine(day + timedelta(days=1), time(), LONDON))


def recordable_services(viewer) -> list[Service]:
    """The services whose checks this person records: those they moderate."""
    return workable_services(viewer) if viewer.can("queue.work") else []


def services_shown(viewer) -> list[Service]:
    """The services whose checks this person sees: those they moderate, and those they manage (an owner, every
    active service), by name."""
    shown = {s.id: s for s in recordable_services(viewer)}
    if viewer.can("rota.manage"):
        shown |= {s.id: s for s in teams.services_managed_by(viewer)}
    return sorted(shown.values(), key=lambda s: s.name)


def record(moderator, *, service_id: int) -> ModerationCheck:
    """Record that the moderator has reviewed the service's posts up to now."""
    service = next((s for s in recordable_services(moderator) if s.id == service_id), None)
    if service is None:
        raise UserError("You can record checks only for services you belong to.")
    now = utcnow()
    last = db.session.scalar(sa.select(sa.func.max(ModerationCheck.checked_at)).where(
        ModerationCheck.service_id == service.id, ModerationCheck.staff_id == moderator.id))
    if last is not None and now - last < MIN_BETWEEN:
        raise UserError(f"Your check of {service.name} a few minutes ago is already recorded.")
    check = ModerationCheck(service_id=service.id, staff_id=moderator.id, checked_at=now)
    db.session.add(check)
    audit.record("queue.check", target=f"service:{service.id}")
    db.session.commit()
    return check


def longest_gap(minutes: list[int], start: int, end: int) -> int:
    """The longest stretch in [start, end) with no check, checks given as minutes of the day."""
    points = [start, *sorted(m for m in minutes if start <= m < end), end]
    return max(later - earlier for earlier, later in zip(points, points[1:], strict=False))


@dataclass(frozen=True)
class ServiceChecks:
    """One service's checks against its standard."""

    service: Service
    per_day: int
    max_gap: int  # minutes
    window: tuple[int, int]  # the checks window, minutes of the day (08:00-22:00 by default)
    today: int
    today_times: list[str]
    longest_gap_done: int | None  # minutes so far today, inside the window up to now (None: it has not opened)
    planned: int  # checks in the published rota today
    longest_gap_planned: int | None  # minutes, from the published rota's checks today (None: nothing published)
    days_met: int  # of the last 28 whole days, days with enough checks and no gap over the limit
    days: int
    may_record: bool  # the viewer moderates the service (a manager only reads)

    @property
    def short_today(self) -> bool:
        """Whether today has fewer checks so far than the standard asks for the whole day."""
        return self.today < self.per_day


def report(viewer, *, now: datetime | None = None) -> list[ServiceChecks]:
    """For each service whose checks the viewer sees (services_shown) with a checks standard: today's checks and
    gaps, and the last 28 whole days."""
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    first = today - timedelta(days=DAYS)
    recordable = {s.id for s in recordable_services(viewer)}
    rows = []
    for service in services_shown(viewer):
        standard = problems.standard_of(service).checks
        if standard is None:
            continue
        since, until = _day_bounds(first)[0], _day_bounds(today)[1]
        done = db.session.scalars(sa.select(ModerationCheck.checked_at).where(
            ModerationCheck.service_id == service.id, ModerationCheck.checked_at >= since,
            ModerationCheck.checked_at < until).order_by(ModerationCheck.checked_at)).all()
        by_day: dict[date, list[int]] = {}
        for moment in done:
            by_day.setdefault(moment.astimezone(LONDON).date(), []).append(_minute_of_day(moment))
        window = (standard.window_start, standard.window_end)
        # A check counts towards the standard inside its window only (one at 23:56 does not make a day of four).
        recorded_today = by_day.get(today, [])
        by_day = {day: [m for m in minutes if window[0] <= m < window[1]] for day, minutes in by_day.items()}
        met = sum(1 for d in range(DAYS)  # whole days only: today is still going
                  if len(by_day.get(first + timedelta(days=d), [])) >= standard.per_day
                  and longest_gap(by_day.get(first + timedelta(days=d), []), *window) <= standard.max_gap)
        planned = [s.start_minute for s in problems.published_shifts(start=today, last=today,
                                                                      service_ids=[service.id], rows_only=True)
                   if s.kind == "check"]
        now_minute = min(_minute_of_day(now), window[1])
        mine_today = by_day.get(today, [])
        rows.append(ServiceChecks(
            service=service, per_day=standard.per_day, max_gap=standard.max_gap, window=window, today=len(mine_today),
            today_times=[clock(m) if window[0] <= m < window[1] else f"{clock(m)}, outside the window"
                         for m in recorded_today],
            longest_gap_done=longest_gap(mine_today, window[0], now_minute) if now_minute > window[0] else None,
            planned=len(planned), longest_gap_planned=longest_gap(planned, *window) if planned else None,
            days_met=met, days=DAYS, may_record=service.id in recordable))
    return rows
