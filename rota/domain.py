"""The rota problem and its answer as plain data: no Flask, no database, no solver.

Times of day are minutes after local midnight (wall-clock, in the problem's time zone), so
08:00 is 480 and 24:00 is 1440. Days are numbered from the problem's start date (a Monday):
day d is start + d, and its weekday is d % 7 (Monday = 0).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
EVENING_START = 17 * 60  # work after this time of day counts as an evening duty for fairness
WEEKEND = (5, 6)


class Reason(StrEnum):
    """A hard rule that stops a person taking a piece of work, in words for a team manager."""

    NOT_TRAINED = "not trained for the service"
    ON_LEAVE = "on leave"
    UNAVAILABLE = "not available then"
    BUSY = "already working then"
    WEEK_HOURS = "at their weekly hours limit"
    WEEK_DAYS = "at their working days a week limit"
    DAYS_IN_A_ROW = "at their limit of days in a row"
    REST = "would not get their rest between shifts"
    WEEKENDS = "at their weekend limit"
    NO_SUPERVISOR = "no clinical supervisor available to cover them"


class Kind(StrEnum):
    """What an assignment is for."""

    PRESENCE = "presence"  # on duty for a high-risk service's presence standard
    CHECK = "check"  # one moderation check of a low-risk service
    ON_CALL = "on_call"  # a clinical supervisor reachable for the service; supervision only


@dataclass(frozen=True)
class Window:
    """A time of day on some weekdays, e.g. Mon-Fri 08:00-17:00."""

    days: frozenset[int]
    start: int
    end: int

    def contains(self, start: int, end: int) -> bool:
        """Whether [start, end) lies inside the window's hours."""
        return self.start <= start and end <= self.end


@dataclass(frozen=True)
class Unavailable:
    """A one-off time a person cannot work, on top of their weekly availability (all day unless narrowed)."""

    date: date
    start: int = 0
    end: int = MINUTES_PER_DAY


@dataclass(frozen=True)
class Commitment:
    """Work a person already has that this problem does not plan: a shift published (or approved) for another
    service. It is fixed: the rota is planned around it, and it counts towards the person's contract limits
    (hours, days, days in a row, rest, weekends) but not towards this problem's cover or preferences."""

    day: int  # a day number of the problem
    start: int
    end: int
    where: str  # the other service's name, for messages

    def overlaps(self, start: int, end: int) -> bool:
        """Whether the commitment shares any time with [start, end) on its day."""
        return self.start < end and start < self.end


@dataclass(frozen=True)
class PresenceSegment:
    """Part of a presence standard: at least `min` people of `roles` on duty in the window."""

    window: Window
    roles: frozenset[str]
    min: int = 1


@dataclass(frozen=True)
class ChecksStandard:
    """At least `per_day` checks a day inside the window, no gap over `max_gap` minutes."""

    per_day: int
    max_gap: int
    window_start: int
    window_end: int
    minutes: int
    roles: frozenset[str]


@dataclass(frozen=True)
class Service:
    """A moderated service with its coverage standard (presence, checks, or both)."""

    id: str
    name: str
    tier: str
    presence: tuple[PresenceSegment, ...] = ()
    checks: ChecksStandard | None = None

    def segments_on(self, weekday: int) -> tuple[PresenceSegment, ...]:
        """The presence segments in force on a weekday."""
        return tuple(segment for segment in self.presence if weekday in segment.window.days)


@dataclass(frozen=True)
class Contract:
    """A person's working limits. Volunteers have no minimum."""

    min_hours_week: float = 0.0
    max_hours_week: float = 37.5
    max_days_week: int = 5
    max_consecutive_days: int = 5
    min_rest_hours: float = 11.0
    max_weekends: int = 2


@dataclass(frozen=True)
class Preference:
    """Prefer or avoid working at a time of day on some weekdays; `end` may pass 24:00."""

    kind: str  # "prefer" or "avoid"
    window: Window
    weight: int = 1
    service: str | None = None  # only work for this service counts (e.g. avoid the eating disorders service)

    def counts(self, assignment: "Assignment") -> bool:
        """Whether the assignment touches this preference (its day's weekday, time and service)."""
        return (assignment.day % 7 in self.window.days and assignment.overlaps(self.window.start, self.window.end)
                and self.service in (None, assignment.service))


@dataclass(frozen=True)
class Staff:
    """A person who can be rostered."""

    id: str
    name: str
    role: str
    services: frozenset[str]
    availability: tuple[Window, ...]
    leave: frozenset[date] = frozenset()
    contract: Contract = field(default_factory=Contract)
    preferences: tuple[Preference, ...] = ()
    unavailable: tuple[Unavailable, ...] = ()
    committed: tuple[Commitment, ...] = ()  # work already rostered for services outside the problem

    def windows_on(self, weekday: int) -> tuple[Window, ...]:
        """Recurring availability windows of a weekday."""
        return tuple(window for window in self.availability if weekday in window.days)

    def available_on(self, when: date) -> tuple[Window, ...]:
        """Availability windows on a date: the weekday's, less any one-off unavailability that date."""
        windows = self.windows_on(when.weekday())
        blocked = [(u.start, u.end) for u in self.unavailable if u.date == when]
        return _without(windows, blocked) if blocked else windows


def _first(holds, guess: int) -> int:
    """The first minute of the day (0 to 24:00) from which `holds(minute)` is true, for a condition that stays true
    once it is, starting from a guess in wall-clock minutes (within an hour of the answer on clock-change days)."""
    minute = max(0, min(MINUTES_PER_DAY, guess))
    while minute > 0 and holds(minute - 1):
        minute -= 1
    while minute < MINUTES_PER_DAY and not holds(minute):
        minute += 1
    return minute


def _without(windows: tuple[Window, ...], holes: list[tuple[int, int]]) -> tuple[Window, ...]:
    """The windows with the holes cut out."""
    pieces = [(window, window.start, window.end) for window in windows]
    for gone_from, gone_to in holes:
        pieces = [(window, s, e) for window, start, end in pieces
                  for s, e in ((start, min(end, gone_from)), (max(start, gone_to), end)) if s < e]
    return tuple(Window(window.days, s, e) for window, s, e in pieces)


@dataclass(frozen=True)
class History:
    """Duty a person already worked in the weeks before the horizon, so fairness counts a rolling 12 weeks."""

    weekend_days: int = 0  # Saturdays and Sundays with work
    evenings: int = 0  # days with work after 17:00
    minutes_over_contract: int = 0  # worked minus the weekly contract minimum, summed over those weeks


@dataclass(frozen=True)
class Rules:
    """Rules that hold for the whole problem."""

    presence_min_minutes: int = 180
    presence_max_minutes: int = 600
    granularity: int = 15
    supervised_roles: frozenset[str] = frozenset({"peer", "volunteer"})
    supervisor_roles: frozenset[str] = frozenset({"clinical"})


@dataclass(frozen=True)
class Problem:
    """Everything the engine needs to make and judge a rota."""

    name: str
    start: date
    days: int
    services: dict[str, Service]
    staff: dict[str, Staff]
    rules: Rules = field(default_factory=Rules)
    timezone: str = "Europe/London"
    history: dict[str, History] = field(default_factory=dict)  # person id -> duty before the horizon

    def date_of(self, day: int) -> date:
        """The calendar date of day number `day`."""
        return self.start + timedelta(days=day)

    def instant(self, day: int, minute: int) -> datetime:
        """The real moment (in UTC) of a local wall-clock time; 24:00 is the next midnight."""
        local = datetime.combine(self.date_of(day), datetime.min.time()) + timedelta(minutes=minute)
        # In UTC: Python subtracts two datetimes that share a tzinfo as wall-clock times, ignoring the change.
        return local.replace(tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)

    def real_minutes_between(self, day_a: int, minute_a: int, day_b: int, minute_b: int) -> float:
        """Elapsed real minutes between two local times; clock changes count."""
        return (self.instant(day_b, minute_b) - self.instant(day_a, minute_a)).total_seconds() / 60

    def windows(self, person: "Staff", day: int) -> tuple[Window, ...]:
        """When the person could take more work on day number `day`: available (one-off unavailability taken off),
        not already working elsewhere then, and rested from their work elsewhere the day before and after."""
        windows = person.available_on(self.date_of(day))
        blocked = self.committed_blocks(person, day)
        return _without(windows, blocked) if blocked else windows

    def committed_blocks(self, person: "Staff", day: int) -> list[tuple[int, int]]:
        """Times of a day the person's commitments keep them from other work: the commitments themselves, and
        the rest they need after the day before's and before the day after's (real time: clock changes count)."""
        if not person.committed:
            return []
        rest = person.contract.min_rest_hours * 60
        blocked = [(c.start, c.end) for c in person.committed if c.day == day]
        before = [c.end for c in person.committed if c.day == day - 1]
        if before:  # the first minute of the day far enough from the last work of the day before
            rested = lambda minute: self.real_minutes_between(day - 1, max(before), day, minute) >= rest  # noqa: E731
            blocked.append((0, _first(rested, round(rest - (MINUTES_PER_DAY - max(before))))))
        after = [c.start for c in person.committed if c.day == day + 1]
        if after:  # work may end up to the last minute far enough from the first work of the day after
            too_late = lambda minute: self.real_minutes_between(day, minute, day + 1, min(after)) < rest  # noqa: E731
            first = _first(too_late, round(MINUTES_PER_DAY + min(after) - rest))
            if too_late(first):
                blocked.append((max(0, first - 1), MINUTES_PER_DAY))
        return [(start, end) for start, end in blocked if start < end]

    def supervisor_windows(self, service_id: str, day: int) -> list[tuple[Staff, Window]]:
        """Each supervisor trained for the service, not on leave that day, with each window they are available."""
        return [(person, window)
                for person in self.staff.values()
                if person.role in self.rules.supervisor_roles and service_id in person.services
                and self.date_of(day) not in person.leave
                for window in self.windows(person, day)]

    def past(self, staff_id: str) -> History:
        """The person's duty before the horizon (none if unknown)."""
        return self.history.get(staff_id, History())

    @property
    def weeks(self) -> int:
        """Whole weeks in the horizon."""
        return self.days // 7


@dataclass(frozen=True, order=True)
class Assignment:
    """One piece of a rota: a person, for a service, on a day, from start to end (local minutes)."""

    day: int
    start: int
    end: int
    staff: str
    service: str
    kind: Kind

    @property
    def minutes(self) -> int:
        """Wall-clock length (assignments never span a clock change: they end by 24:00)."""
        return self.end - self.start

    def overlaps(self, start: int, end: int) -> bool:
        """Whether the assignment shares any time with [start, end) on its day."""
        return self.start < end and start < self.end


@dataclass(frozen=True)
class Rota:
    """A set of assignments for a problem."""

    assignments: tuple[Assignment, ...]

    def by_staff(self) -> dict[str, list[Assignment]]:
        """Assignments grouped per person, in time order."""
        grouped: dict[str, list[Assignment]] = {}
        for assignment in sorted(self.assignments):
            grouped.setdefault(assignment.staff, []).append(assignment)
        return grouped

    def changes_from(self, previous: "Rota") -> tuple[list[Assignment], list[Assignment]]:
        """What differs from a previous rota: (added, removed) assignments."""
        now, before = set(self.assignments), set(previous.assignments)
        return sorted(now - before), sorted(before - now)


def uncovered_parts(start: int, end: int, intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) that none of the intervals covers, in time order."""
    # Deliberately not shared with rota.validate: a bug in one shared helper would hide itself from the check.
    parts, position = [], start
    for s, e in sorted(intervals):
        if e <= position or s >= end:
            continue
        if s > position:
            parts.append((position, s))
        position = max(position, e)
    if position < end:
        parts.append((position, end))
    return parts
