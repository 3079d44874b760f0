"""How the queue is worked: per service over the last 28 days, time from a post arriving to a moderator picking
it up and to their first action, the share acted on within the service's deadline, and presence planned in the
published rota against the time moderators were signed on."""

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from console.database import LONDON
from console.extensions import db
from console.queue.models import ModeratorSession, Post, Priority
from console.queue.service import settings_of
from console.rotas import problem as problems
from console.services.models import Service

DAYS = 28


@dataclass(frozen=True)
class ServiceTimes:
    """One service's times to action."""

    service: Service
    items: int
    acted: int
    median_to_pick_up: float | None  # minutes
    median_to_action: float | None
    within_deadline: int  # items acted on within their priority's deadline
    critical: int
    critical_within: int

    @property
    def not_acted(self) -> int:
        """Items nobody has acted on yet."""
        return self.items - self.acted

    @property
    def critical_late(self) -> bool:
        """Whether a critical item was acted on late, or not yet."""
        return self.critical_within < self.critical


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def time_to_action(services: list[Service], *, now: datetime) -> list[ServiceTimes]:
    """Per service: items received in the last 28 days and how soon they were picked up and acted on."""
    rows = []
    for service in services:
        limits = settings_of(service)
        posts = db.session.execute(sa.select(Post.priority, Post.received_at, Post.first_picked_at,
                                             Post.first_action_at).where(
            Post.service_id == service.id, Post.received_at >= now - timedelta(days=DAYS))).all()
        picked = [(p.first_picked_at - p.received_at).total_seconds() / 60 for p in posts if p.first_picked_at]
        acted = [(p.priority, (p.first_action_at - p.received_at).total_seconds() / 60)
                 for p in posts if p.first_action_at]
        within = [priority for priority, minutes in acted if minutes <= limits.response(priority)]
        rows.append(ServiceTimes(
            service=service, items=len(posts), acted=len(acted), median_to_pick_up=_median(picked),
            median_to_action=_median([minutes for _, minutes in acted]), within_deadline=len(within),
            critical=sum(1 for p in posts if p.priority == Priority.CRITICAL),
            critical_within=sum(1 for priority in within if priority == Priority.CRITICAL)))
    return rows


@dataclass(frozen=True)
class Presence:
    """One service's cover over the last 28 whole days: minutes planned in the published rota against minutes a
    moderator was signed on for it."""

    service: Service
    planned_minutes: int
    signed_on_minutes: int  # of the planned minutes, those with someone signed on
    cover_minutes: int = 0  # minutes moderators signed on to cover without a shift (counted in signed_on too)

    @property
    def share(self) -> float | None:
        """The share of planned cover that was really there, 0 to 1."""
        return self.signed_on_minutes / self.planned_minutes if self.planned_minutes else None

    @property
    def percent(self) -> str:
        """The share as the page prints it: "87 %"."""
        return f"{round(self.share * 100)} %" if self.share is not None else ""


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _overlap(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> int:
    return sum(max(0, min(e1, e2) - max(s1, s2)) for s1, e1 in first for s2, e2 in second)


def presence(services: list[Service], *, now: datetime) -> list[Presence]:
    """Per service: presence planned over the last 28 whole days, and how much of it had a moderator signed on."""
    local_today = now.astimezone(LONDON).date()
    first, last = local_today - timedelta(days=DAYS), local_today - timedelta(days=1)
    since = datetime.combine(first, time(), LONDON)
    sessions = db.session.scalars(sa.select(ModeratorSession).where(
        sa.or_(ModeratorSession.ended_at.is_(None), ModeratorSession.ended_at >= since))).all()
    rows = []
    for service in services:
        planned, present, covering = defaultdict(list), defaultdict(list), defaultdict(list)
        for shift in problems.published_shifts(start=first, last=last, service_ids=[service.id], rows_only=True):
            if shift.kind == "presence":
                planned[shift.day].append((shift.start_minute, shift.end_minute))
        for session in sessions:
            if service.id not in session.service_ids:
                continue
            start, end = session.started_at.astimezone(LONDON), (session.ended_at or now).astimezone(LONDON)
            day = max(start.date(), first)
            while day <= min(end.date(), last):  # split at local midnights
                day_start = datetime.combine(day, time(), LONDON)
                begin = max(0, int((start - day_start).total_seconds() // 60))
                finish = min(24 * 60, int((end - day_start).total_seconds() // 60))
                if begin < finish:
                    present[day].append((begin, finish))
                    if session.cover_reason:
                        covering[day].append((begin, finish))
                day += timedelta(days=1)
        planned_minutes = sum(end - start for spans in planned.values() for start, end in _union(spans))
        covered = sum(_overlap(_union(planned[day]), _union(present[day])) for day in planned)
        cover = sum(end - start for spans in covering.values() for start, end in _union(spans))
        rows.append(Presence(service, planned_minutes, covered, cover))
    return rows
