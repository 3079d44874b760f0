"""The score of a rota (FORMAT.md, score version 2, lexicographic, lower is better) and where cover is missing.

Version 2: a `prefer` preference costs its weight only on a day the person works with none of that day's work in
its window (a day off costs nothing: preferences say when, the contract says how much), and the rostered minutes
of presence and checks come last, so a shift nobody needs is a cost.
"""

from collections import defaultdict
from dataclasses import dataclass

from rota.domain import EVENING_START, WEEKEND, Assignment, Kind, Preference, Problem, Rota, Service

WORK_KINDS = (Kind.PRESENCE, Kind.CHECK)


SCORE_VERSION = 2
# FORMAT.md's components, in its priority order.
FORMAT_COMPONENTS = ("uncovered_minutes", "contract_short_minutes", "preference_penalty", "max_weekend_days",
                     "rostered_minutes")


@dataclass(frozen=True, order=True)
class Score:
    """Score components in the engine's priority order; tuples compare lexicographically."""

    uncovered_minutes: int
    contract_short_minutes: int
    preference_penalty: int
    max_weekend_days: int
    # Not in FORMAT.md's score: the engine's further fairness figures, history included (evening duty, and
    # hours beyond the contract minimum, each spread evenly), which it weighs before the rostered minutes.
    max_evenings: int = 0
    max_minutes_over_contract: int = 0
    rostered_minutes: int = 0

    def as_dict(self) -> dict[str, int]:
        """The components by name."""
        return dict(self.__dict__)

    def format_score(self) -> dict[str, int]:
        """FORMAT.md's score (version 2): its five components in priority order, and the version."""
        return {**{name: getattr(self, name) for name in FORMAT_COMPONENTS}, "version": SCORE_VERSION}


@dataclass(frozen=True)
class Gap:
    """A stretch of a standard that the rota leaves uncovered."""

    service: str
    day: int
    start: int
    end: int
    kind: str  # "presence", "missing checks" or "check gap"
    roles: frozenset[str]
    missing: int  # people short (presence) or checks short
    uncovered_minutes: int


def presence_gaps(problem: Problem, rota: Rota) -> list[Gap]:
    """Every maximal stretch where a presence segment has fewer people than it needs."""
    on_duty = defaultdict(list)
    for a in rota.assignments:
        if a.kind == Kind.PRESENCE:
            on_duty[(a.service, a.day)].append(a)
    return [gap for service in problem.services.values() for day in range(problem.days)
            for gap in day_presence_gaps(problem, service, day, on_duty[(service.id, day)])]


def day_presence_gaps(problem: Problem, service: Service, day: int, present: list[Assignment]) -> list[Gap]:
    """Where a service's presence segments have fewer people than they need on a day, given its presence shifts."""
    step, gaps = problem.rules.granularity, []
    for segment in service.segments_on(day % 7):
        shortfalls = _segment_shortfalls(segment, [a for a in present if problem.staff[a.staff].role in segment.roles],
                                         step)
        gaps.extend(Gap(service.id, day, run_start, run_end, "presence", segment.roles, short,
                        (run_end - run_start) * short)
                    for run_start, run_end, short in _runs(shortfalls, step) if short)
    return gaps


def _segment_shortfalls(segment, present: list[Assignment], step: int) -> list[tuple[int, int]]:
    """(minute, people short) for each `step`-minute slot of the segment's window; someone counts in every slot
    their assignment shares any time with. Counted with a running sum over the slots (linear in the slots and the
    assignments), since this runs for every service and day each time a rota is scored."""
    first, end = segment.window.start, segment.window.end
    slots = len(range(first, end, step))
    change = [0] * (slots + 1)
    for a in present:
        # The slots [first + k*step, first + (k+1)*step) that [a.start, a.end) overlaps.
        low, high = max(0, (a.start - first) // step), min(slots, -(-(a.end - first) // step))
        if low < high:
            change[low] += 1
            change[high] -= 1
    shortfalls, count = [], 0
    for k in range(slots):
        count += change[k]
        shortfalls.append((first + k * step, max(0, segment.min - count)))
    return shortfalls


def _runs(values: list[tuple[int, int]], step: int) -> list[tuple[int, int, int]]:
    """Group (minute, value) pairs into (start, end, value) runs of equal value."""
    runs: list[list[int]] = []
    for minute, value in values:
        if runs and runs[-1][2] == value and runs[-1][1] == minute:
            runs[-1][1] = minute + step
        else:
            runs.append([minute, minute + step, value])
    return [tuple(run) for run in runs]


def check_gaps(problem: Problem, rota: Rota) -> list[Gap]:
    """Missing checks and over-long gaps between checks, per service and day."""
    starts = defaultdict(list)
    for a in rota.assignments:
        if a.kind == Kind.CHECK:
            starts[(a.service, a.day)].append(a.start)
    return [gap for service in problem.services.values() if service.checks is not None
            for day in range(problem.days) for gap in day_check_gaps(service, day, starts[(service.id, day)])]


def day_check_gaps(service: Service, day: int, starts: list[int]) -> list[Gap]:
    """Missing checks and over-long gaps between checks of a service with a checks standard on a day, given when
    its checks start."""
    checks, gaps = service.checks, []
    done = sorted(starts)
    missing = max(0, checks.per_day - len(done))
    if missing:
        gaps.append(Gap(service.id, day, checks.window_start, checks.window_end, "missing checks", checks.roles,
                        missing, missing * checks.minutes))
    points = [checks.window_start, *done, checks.window_end]
    for earlier, later in zip(points, points[1:], strict=False):
        if later - earlier > checks.max_gap:
            gaps.append(Gap(service.id, day, earlier, later, "check gap", checks.roles, 0,
                            later - earlier - checks.max_gap))
    return gaps


def uncovered_gaps(problem: Problem, rota: Rota) -> list[Gap]:
    """Everything the rota leaves uncovered, in time order."""
    return sorted(presence_gaps(problem, rota) + check_gaps(problem, rota), key=lambda g: (g.day, g.start, g.service))


def worked_minutes(assignments: list[Assignment]) -> int:
    """Presence and check minutes (on call does not count as work)."""
    return sum(a.minutes for a in assignments if a.kind in WORK_KINDS)


def contract_short_minutes(problem: Problem, rota: Rota) -> int:
    """Minutes below each person's weekly contract minimum, summed over people and weeks."""
    return sum(contract_shortfalls(problem, rota).values())


def contract_shortfalls(problem: Problem, rota: Rota) -> dict[str, int]:
    """Each person's minutes below their weekly contract minimum, summed over the weeks; work they already have
    for other services counts towards it."""
    by_staff = rota.by_staff()
    short = {}
    for person in problem.staff.values():
        short[person.id] = 0
        for week in range(problem.weeks):
            worked = worked_minutes([a for a in by_staff.get(person.id, []) if a.day // 7 == week]) + sum(
                c.end - c.start for c in person.committed if c.day // 7 == week)
            short[person.id] += max(0, round(person.contract.min_hours_week * 60) - worked)
    return short


def preference_penalty(problem: Problem, rota: Rota) -> int:
    """Weights of unmet preferences: an avoided time worked, or a working day with none of it at a preferred time."""
    return sum(preference.weight for _staff, preference, _day in unmet_preferences(problem, rota))


def unmet_preferences(problem: Problem, rota: Rota) -> list[tuple[str, Preference, int]]:
    """Every preference not met, as (person, preference, day)."""
    by_day = defaultdict(list)
    for a in rota.assignments:
        by_day[(a.staff, a.day)].append(a)
    return [(person.id, preference, day) for person in problem.staff.values() for preference in person.preferences
            for day in range(problem.days) if preference_unmet(preference, day, by_day[(person.id, day)])]


def preferences_met(problem: Problem, rota: Rota) -> dict[str, tuple[int, int]]:
    """For each person with preferences: how many of their preference-days the rota meets, of how many count. A
    time to avoid counts on each of its weekdays (met unless worked then); a time to work counts on each of its
    weekdays the person works (met when some of that day's work is at the time)."""
    by_day = defaultdict(list)
    for a in rota.assignments:
        by_day[(a.staff, a.day)].append(a)
    tally = {}
    for person in problem.staff.values():
        if not person.preferences:
            continue
        met = counted = 0
        for preference in person.preferences:
            for day in range(problem.days):
                that_day = by_day[(person.id, day)]
                if day % 7 not in preference.window.days or (
                        preference.kind == "prefer" and not any(a.kind in WORK_KINDS for a in that_day)):
                    continue
                counted += 1
                met += not preference_unmet(preference, day, that_day)
        tally[person.id] = (met, counted)
    return tally


def preference_unmet(preference: Preference, day: int, that_day: list[Assignment]) -> bool:
    """Whether a preference is unmet on a day, given all the person's assignments that day: an avoided time worked,
    or (version 2) a working day with none of that day's work at the preferred time; a day off meets every
    preference."""
    if day % 7 not in preference.window.days:
        return False
    touched = any(preference.counts(a) for a in that_day)
    if preference.kind == "avoid":
        return touched
    return not touched and any(a.kind in WORK_KINDS for a in that_day)


def needed_minutes(problem: Problem) -> int:
    """The fewest presence and check minutes any rota covering every standard must have: at each moment of a
    service's day, as many people as the most demanding presence segment then asks for, and each day's checks."""
    step = problem.rules.granularity
    total = 0
    for service in problem.services.values():
        for day in range(problem.days):
            segments = service.segments_on(day % 7)
            total += step * sum(max((s.min for s in segments if s.window.start <= slot < s.window.end), default=0)
                                for slot in range(0, 24 * 60, step))
            if service.checks is not None:
                total += service.checks.per_day * service.checks.minutes
    return total


def rostered_minutes(rota: Rota) -> int:
    """Minutes of presence and checks in the rota (on call not counted)."""
    return worked_minutes(list(rota.assignments))


def _days_with_work(rota: Rota, counts) -> dict[str, int]:
    days = defaultdict(set)
    for a in rota.assignments:
        if a.kind in WORK_KINDS and counts(a):
            days[a.staff].add(a.day)
    return {person: len(worked) for person, worked in days.items()}


def weekend_days(problem: Problem, rota: Rota) -> dict[str, int]:
    """Saturday and Sunday working days per person, with those worked before the horizon."""
    worked = _days_with_work(rota, lambda a: a.day % 7 in WEEKEND)
    return {pid: worked.get(pid, 0) + problem.past(pid).weekend_days for pid in problem.staff}


def evenings(problem: Problem, rota: Rota) -> dict[str, int]:
    """Days with work after 17:00 per person, with those worked before the horizon."""
    worked = _days_with_work(rota, lambda a: a.end > EVENING_START)
    return {pid: worked.get(pid, 0) + problem.past(pid).evenings for pid in problem.staff}


def minutes_over_contract(problem: Problem, rota: Rota) -> dict[str, int]:
    """Per contracted person (a weekly minimum above zero): minutes worked beyond the contract, history included."""
    by_staff = rota.by_staff()
    return {person.id: worked_minutes(by_staff.get(person.id, [])) + problem.past(person.id).minutes_over_contract
            - round(person.contract.min_hours_week * 60) * problem.weeks
            for person in problem.staff.values() if person.contract.min_hours_week > 0}


def _worst_off(problem: Problem, counts: dict[str, int]) -> int:
    """The highest count of any non-volunteer (volunteers choose their own times)."""
    return max((count for pid, count in counts.items() if problem.staff[pid].role != "volunteer"), default=0)


def max_weekend_days(problem: Problem, rota: Rota) -> int:
    """The most weekend working days of any non-volunteer."""
    return _worst_off(problem, weekend_days(problem, rota))


def score(problem: Problem, rota: Rota) -> Score:
    """The rota's score."""
    return Score(
        uncovered_minutes=sum(gap.uncovered_minutes for gap in uncovered_gaps(problem, rota)),
        contract_short_minutes=contract_short_minutes(problem, rota),
        preference_penalty=preference_penalty(problem, rota),
        max_weekend_days=max_weekend_days(problem, rota),
        max_evenings=_worst_off(problem, evenings(problem, rota)),
        max_minutes_over_contract=max(minutes_over_contract(problem, rota).values(), default=0),
        rostered_minutes=rostered_minutes(rota),
    )
