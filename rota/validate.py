"""An independent check of any rota (solver-made or edited by hand) against the hard rules.

It shares no code with the solver: it reads the rota assignment by assignment and says, in
words a team manager reads, every rule that is broken. Rule numbers follow FORMAT.md.
"""

from collections import defaultdict
from dataclasses import dataclass

from rota.domain import MINUTES_PER_DAY, Assignment, Commitment, Kind, Problem, Rota, Staff
from rota.scenario import format_time

WORK_KINDS = (Kind.PRESENCE, Kind.CHECK)
# Contract limits (hours and days a week, days in a row, rest, weekends): a manager may accept one of these
# broken, with a reason. Training, availability, leave, the standard's shape, overlaps and supervision: never.
SOFT_RULES = frozenset({6, 7, 8, 9})
# Each rule as a team manager knows it, in the order of FORMAT.md's numbers.
RULE_NAMES = {1: "Shift times", 2: "Training", 3: "Availability and leave", 4: "The service's standard",
              5: "Overlapping shifts", 6: "Weekly hours and days", 7: "Days in a row", 8: "Rest between shifts",
              9: "Weekends", 10: "Clinical supervision"}
KIND_WORDS = {Kind.PRESENCE: "on duty", Kind.CHECK: "moderation check", Kind.ON_CALL: "on call"}


@dataclass(frozen=True)
class Violation:
    """One broken hard rule."""

    rule: int
    message: str

    @property
    def soft(self) -> bool:
        """Whether a manager may accept this with a reason (a contract limit)."""
        return self.rule in SOFT_RULES

    @property
    def name(self) -> str:
        """The rule's name in words: "Rest between shifts"."""
        return RULE_NAMES[self.rule]

    def __str__(self) -> str:
        return f"{self.name}: {self.message}"


def describe(problem: Problem, assignment: Assignment) -> str:
    """An assignment as people read it: "Quinn Patel, Eating disorders, Mon 22 Mar 08:00–17:00 (on duty)"."""
    person = problem.staff.get(assignment.staff)
    service = problem.services.get(assignment.service)
    when = problem.date_of(assignment.day).strftime("%a %d %b")
    return (f"{person.name if person else assignment.staff}, {service.name if service else assignment.service}, "
            f"{when} {format_time(assignment.start)}–{format_time(assignment.end)} ({KIND_WORDS[assignment.kind]})")


def validate(problem: Problem, rota: Rota) -> list[Violation]:
    """Every hard rule the rota breaks; an empty list means the rota is valid."""
    violations = []
    valid_shape = []
    for assignment in rota.assignments:
        found = check_assignment(problem, assignment)
        violations.extend(found)
        if not any(v.rule == 1 for v in found):
            valid_shape.append(assignment)
    for staff_id, assignments in _by_staff(valid_shape).items():
        violations.extend(_check_person(problem, staff_id, assignments))
    violations.extend(_check_supervision(problem, valid_shape))
    return violations


def _by_staff(assignments: list[Assignment]) -> dict[str, list[Assignment]]:
    grouped = defaultdict(list)
    for assignment in sorted(assignments):
        grouped[assignment.staff].append(assignment)
    return grouped


def check_assignment(problem: Problem, a: Assignment) -> list[Violation]:
    """Rules 1-4: the assignment on its own, without the rest of the rota."""
    what = describe(problem, a)
    person, service, rules = problem.staff.get(a.staff), problem.services.get(a.service), problem.rules
    if person is None or service is None:
        return [Violation(1, f"{what}: unknown {'person' if person is None else 'service'}")]
    shape = []
    if not (0 <= a.day < problem.days):
        shape.append("is outside the rota's dates")
    if not (0 <= a.start < a.end <= MINUTES_PER_DAY):
        shape.append("does not end after it starts on the same day")
    if a.start % rules.granularity or a.end % rules.granularity:
        shape.append(f"is not on the {rules.granularity}-minute grid")
    if shape:
        return [Violation(1, f"{what} {' and '.join(shape)}")]
    found = []
    weekday = a.day % 7
    if a.service not in person.services:
        found.append(Violation(2, f"{what}: {person.name} is not trained for {service.name}"))
    if problem.date_of(a.day) in person.leave:
        found.append(Violation(3, f"{what}: {person.name} is on leave that day"))
    # Availability alone: work already published elsewhere is checked with the rest of the person's work (rule 5).
    if not any(window.contains(a.start, a.end) for window in person.available_on(problem.date_of(a.day))):
        found.append(Violation(3, f"{what}: outside {person.name}'s availability"))
    if a.kind == Kind.PRESENCE:
        segments = service.segments_on(weekday)
        if not segments:
            found.append(Violation(4, f"{what}: {service.name} has no presence cover that day"))
        elif not (min(s.window.start for s in segments) <= a.start and a.end <= max(s.window.end for s in segments)):
            found.append(Violation(4, f"{what}: outside {service.name}'s presence hours"))
        if not (rules.presence_min_minutes <= a.minutes <= rules.presence_max_minutes):
            found.append(Violation(4, f"{what}: a presence shift lasts {rules.presence_min_minutes // 60}-"
                                      f"{rules.presence_max_minutes // 60} hours"))
    elif a.kind == Kind.CHECK:
        checks = service.checks
        if checks is None:
            found.append(Violation(4, f"{what}: {service.name} has no checks standard"))
        else:
            if a.minutes != checks.minutes:
                found.append(Violation(4, f"{what}: a check lasts exactly {checks.minutes} minutes"))
            if not (checks.window_start <= a.start and a.end <= checks.window_end):
                found.append(Violation(4, f"{what}: outside the checks window "
                                          f"{format_time(checks.window_start)}–{format_time(checks.window_end)}"))
            if person.role not in checks.roles:
                found.append(Violation(4, f"{what}: a {person.role} may not do checks for {service.name}"))
    elif person.role not in rules.supervisor_roles:
        found.append(Violation(4, f"{what}: only {', '.join(sorted(rules.supervisor_roles))} staff can be on call"))
    return found


def _check_person(problem: Problem, staff_id: str, assignments: list[Assignment]) -> list[Violation]:
    """Rules 5-9: one person's assignments together, with the work they already have for other services
    (commitments). A limit broken by that other work alone is not this rota's to report."""
    person = problem.staff.get(staff_id)
    if person is None:
        return []
    work = [a for a in assignments if a.kind in WORK_KINDS]
    own_days = frozenset(a.day for a in work)
    theirs = _PersonWork(person, work, person.committed, own_days, own_days | {c.day for c in person.committed})
    return [violation for rule in _PERSON_RULES for violation in rule(problem, theirs)]


@dataclass(frozen=True)
class _PersonWork:
    """One person's shifts and checks in the rota, in order, beside the work already rostered for them elsewhere."""

    person: Staff
    work: list[Assignment]
    elsewhere: tuple[Commitment, ...]
    own_days: frozenset[int]  # days with work in this rota
    working_days: frozenset[int]  # days with work in this rota or elsewhere

    def counting(self, days) -> str:
        """Words saying the figure counts work published for other services, when it does."""
        places = sorted({c.where for c in self.elsewhere if c.day in days})
        return f" (counting shifts already rostered for {', '.join(places)})" if places else ""


def _overlapping_shifts(problem: Problem, theirs: _PersonWork) -> list[Violation]:
    """Rule 5: no two pieces of a person's work at once, in this rota or with work already rostered elsewhere."""
    found = []
    latest: dict[int, Assignment] = {}  # per day, the assignment reaching furthest so far
    for later in theirs.work:
        earlier = latest.get(later.day)
        if earlier is not None and later.start < earlier.end:
            found.append(Violation(5, f"{describe(problem, later)} overlaps {describe(problem, earlier)}"))
        if earlier is None or later.end > earlier.end:
            latest[later.day] = later
        for other in theirs.elsewhere:
            if other.day == later.day and other.overlaps(later.start, later.end):
                found.append(Violation(5, f"{describe(problem, later)} overlaps {theirs.person.name}'s shift already "
                                          f"rostered for {other.where}, {format_time(other.start)}–"
                                          f"{format_time(other.end)}"))
    return found


def _weekly_hours_and_days(problem: Problem, theirs: _PersonWork) -> list[Violation]:
    """Rule 6: at most the contract's hours and working days in each week this rota gives the person work."""
    person, contract, work, elsewhere, found = theirs.person, theirs.person.contract, theirs.work, theirs.elsewhere, []
    for week in range(problem.weeks):
        week_days = range(week * 7, week * 7 + 7)
        if not theirs.own_days & set(week_days):
            continue
        minutes = sum(a.minutes for a in work if a.day in week_days) + sum(
            c.end - c.start for c in elsewhere if c.day in week_days)
        if minutes / 60 > contract.max_hours_week + 1e-9:
            found.append(Violation(6, f"{person.name}: {minutes / 60:g} hours in week {week + 1}"
                                      f"{theirs.counting(week_days)}, more than the {contract.max_hours_week:g} "
                                      f"allowed"))
        days = len(theirs.working_days & set(week_days))
        if days > contract.max_days_week:
            found.append(Violation(6, f"{person.name}: {days} working days in week {week + 1}"
                                      f"{theirs.counting(week_days)}, more than the {contract.max_days_week} allowed"))
    return found


def _days_in_a_row(problem: Problem, theirs: _PersonWork) -> list[Violation]:
    """Rule 7: no run of working days longer than the contract allows that includes a day of this rota's work."""
    person, contract, found = theirs.person, theirs.person.contract, []
    run: list[int] = []
    for day in [*range(problem.days), None]:  # None ends the last run
        if day is not None and day in theirs.working_days:
            run.append(day)
            continue
        if len(run) > contract.max_consecutive_days and theirs.own_days & set(run):
            found.append(Violation(7, f"{person.name}: more than {contract.max_consecutive_days} working days in a "
                                      f"row, up to {problem.date_of(run[contract.max_consecutive_days]):%a %d %b}"
                                      f"{theirs.counting(run)}"))
        run = []
    return found


def _rest_between_shifts(problem: Problem, theirs: _PersonWork) -> list[Violation]:
    """Rule 8: at least the contract's rest, in real hours (clock changes counted), between one working day's last
    work and the next day's first, where either day has this rota's work."""
    person, contract, work, elsewhere, found = theirs.person, theirs.person.contract, theirs.work, theirs.elsewhere, []
    for day in sorted(theirs.working_days):
        if day + 1 not in theirs.working_days or not {day, day + 1} & theirs.own_days:
            continue
        last_end = max([a.end for a in work if a.day == day] + [c.end for c in elsewhere if c.day == day])
        first_start = min([a.start for a in work if a.day == day + 1] + [c.start for c in elsewhere
                                                                          if c.day == day + 1])
        rest = problem.real_minutes_between(day, last_end, day + 1, first_start) / 60
        if rest < contract.min_rest_hours - 1e-9:
            found.append(Violation(8, f"{person.name}: only {rest:g} hours' rest between "
                                      f"{problem.date_of(day):%a %d %b} and the next day"
                                      f"{theirs.counting((day, day + 1))}, less than {contract.min_rest_hours:g}"))
    return found


def _weekends(problem: Problem, theirs: _PersonWork) -> list[Violation]:
    """Rule 9: at most the contract's weekends worked, where this rota gives the person weekend work."""
    person, contract = theirs.person, theirs.person.contract
    weekend_days = [day for day in theirs.working_days if day % 7 in (5, 6)]
    weekends = {day // 7 for day in weekend_days}
    if len(weekends) > contract.max_weekends and theirs.own_days & set(weekend_days):
        return [Violation(9, f"{person.name}: works {len(weekends)} weekends{theirs.counting(weekend_days)}, more "
                             f"than the {contract.max_weekends} allowed")]
    return []


# Rules 5-9 in FORMAT.md's order, so a person's violations are listed in that order.
_PERSON_RULES = (_overlapping_shifts, _weekly_hours_and_days, _days_in_a_row, _rest_between_shifts, _weekends)


def _check_supervision(problem: Problem, assignments: list[Assignment]) -> list[Violation]:
    """Rule 10: supervised roles work only while a supervisor covers the same service."""
    rules, found = problem.rules, []
    cover = defaultdict(list)  # (service, day) -> supervisor intervals
    for a in assignments:
        person = problem.staff.get(a.staff)
        if person and person.role in rules.supervisor_roles:
            cover[(a.service, a.day)].append((a.start, a.end))
    for a in assignments:
        person = problem.staff.get(a.staff)
        if not person or person.role not in rules.supervised_roles or a.kind not in WORK_KINDS:
            continue
        uncovered = _uncovered_parts(a.start, a.end, cover[(a.service, a.day)])
        if uncovered:
            parts = ", ".join(f"{format_time(s)}–{format_time(e)}" for s, e in uncovered)
            found.append(Violation(10, f"{describe(problem, a)}: no clinical supervisor on duty or on call {parts}"))
    return found


def _uncovered_parts(start: int, end: int, intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of [start, end) not covered by any interval."""
    gaps, position = [], start
    for s, e in sorted(intervals):
        if e <= position or s >= end:
            continue
        if s > position:
            gaps.append((position, s))
        position = max(position, e)
        if position >= end:
            break
    if position < end:
        gaps.append((position, end))
    return gaps
