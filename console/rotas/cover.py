"""Published cover: how far each service's published rota reaches from today without a break, what the next 4 weeks
of it leave uncovered, and what its managers must act on (it must reach 4 weeks ahead; the aim is 6)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from console.extensions import db
from console.rotas import problem as problems
from console.rotas.models import RotaVersion, VersionStatus
from console.rotas.versions import drafts
from console.services.models import Service
from console.words import days_span, hours
from rota.explain import describe_gap
from rota.score import uncovered_gaps
from rota.standards import MIN_HORIZON_DAYS

AIM_WEEKS = 6  # NHS rostering practice: six weeks of published rota ahead; four is the minimum


@dataclass(frozen=True)
class Cover:
    """A service's published cover from today: the days from today that have none, the continuous published
    rota after them, and what the next 4 weeks of it leave uncovered."""

    service: Service
    today: date
    not_published_until: date | None  # the last day from today with no published rota, before the cover starts
    covered_until: date | None  # the last day of the continuous published rota from today (or after that gap)
    uncovered_minutes: int | None  # None when the next 4 weeks are not all published
    draft: RotaVersion | None = None  # the draft behind the published window that reaches furthest
    open_windows: tuple[str, ...] = ()  # what the published rota leaves uncovered in the next 4 weeks, in words

    @property
    def days_ahead(self) -> int:
        """Days from today to the end of the continuous published rota (0 when nothing is published ahead)."""
        return (self.covered_until - self.today).days + 1 if self.covered_until else 0

    @property
    def weeks(self) -> int:
        """Whole weeks from today to the end of the continuous published rota."""
        return self.days_ahead // 7

    @property
    def warning(self) -> str | None:
        """What a manager must act on, in words."""
        if self.not_published_until == self.today:
            return "No rota is published for today: nobody is planned to cover it."
        if self.not_published_until is not None:
            return (f"No rota is published from today to {self.not_published_until:%a %d %b}: nobody is planned to "
                    "cover those days.")
        if self.weeks < MIN_HORIZON_DAYS // 7:
            return (f"The published rota reaches only {days_span(self.days_ahead)} ahead, to "
                    f"{self.covered_until:%a %d %b}; it must reach at least {MIN_HORIZON_DAYS // 7} weeks."
                    if self.covered_until else
                    f"No rota is published ahead; at least {MIN_HORIZON_DAYS // 7} weeks are needed.")
        if self.uncovered_minutes:
            return f"The published rota leaves {hours(self.uncovered_minutes)} of the standard uncovered in the " \
                   "next 4 weeks."
        return None


def latest_published(service: Service) -> RotaVersion | None:
    """The service's published rota that reaches furthest ahead."""
    return db.session.scalar(sa.select(RotaVersion).where(
        RotaVersion.status == VersionStatus.PUBLISHED.value, RotaVersion.services.any(Service.id == service.id))
        .order_by(RotaVersion.start_date.desc(), RotaVersion.id.desc()).limit(1))


def published_cover(services: list[Service], today: date) -> list[Cover]:
    """Each service's published rota from today: a gap before it (if today is not covered), how far it reaches
    without a break, and what the next 4 weeks leave uncovered."""
    horizon = today + timedelta(weeks=26)
    covered_days = defaultdict(set)
    for version in db.session.scalars(sa.select(RotaVersion).where(
            RotaVersion.status == VersionStatus.PUBLISHED.value, RotaVersion.start_date <= horizon)):
        for service in version.services:
            covered_days[service.id].update(version.start_date + timedelta(days=d) for d in range(version.days))
    result, waiting = [], drafts(services)
    for service in services:
        covered, day = covered_days[service.id], today
        while day not in covered and day <= horizon:
            day += timedelta(days=1)
        gap_until = day - timedelta(days=1) if day > today else None
        if day > horizon:  # nothing published ahead at all
            gap_until, first, last = None, None, None
        else:
            first = day
            while day in covered:
                day += timedelta(days=1)
            last = day - timedelta(days=1)
        uncovered, windows = None, ()
        four_weeks = today + timedelta(days=MIN_HORIZON_DAYS - 1)
        if first is not None and first <= four_weeks:  # what the published rota leaves open in the next 4 weeks
            monday = today - timedelta(days=today.weekday())
            problem = problems.build_problem([service], monday, MIN_HORIZON_DAYS + 7)
            since, until = (first - monday).days, (min(last, four_weeks) - monday).days
            gaps = [gap for gap in uncovered_gaps(problem, problems.published_rota(problem))
                    if since <= gap.day <= until]
            windows = tuple(describe_gap(problem, gap) for gap in gaps)
            if gap_until is None and last >= four_weeks:
                uncovered = sum(gap.uncovered_minutes for gap in gaps)
        behind = [v for v in waiting if service in v.services]
        result.append(Cover(service, today, gap_until, last, uncovered,
                            max(behind, key=lambda v: v.last_date, default=None), windows))
    return result
