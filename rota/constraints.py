"""The CP-SAT model of a rota problem: one builder per rule, each named after what it enforces.

Time is cut into slots of `step` minutes (the coarsest grid every boundary of the problem lies
on). A presence shift is one Boolean (candidate shifts on the hour and at the edges of
availability and segments); a check is one Boolean per person and half-hour start. Builders
that make soft rules return named penalty terms, so the solver can report each component.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota.construct import check_grid
from rota.domain import EVENING_START, WEEKEND, Assignment, Kind, Problem, Rota, Staff, Window
from rota.validate import check_assignment

SHIFT_GRID = 60  # candidate presence shifts start and end on the hour (and, for the engine, at edges)


@dataclass
class RotaModel:
    """The CP-SAT model and the variables the solver reads back."""

    problem: Problem
    step: int
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    # (staff, service, day, start, end) -> works that presence shift
    shifts: dict[tuple, cp_model.IntVar] = field(default_factory=dict)
    # (staff, service, day, (start, end), slot) -> the shift's variable, once for each slot it covers
    presence: dict[tuple, cp_model.IntVar] = field(default_factory=dict)
    # (staff, service, day, start) -> starts a check then
    checks: dict[tuple, cp_model.IntVar] = field(default_factory=dict)
    work_day: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    # occupancy[(staff, day)][slot] -> variables that make the person busy in that slot
    occupancy: dict[tuple[str, int], dict[int, list]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    # The same, for one service: (staff, service, day) -> slot -> variables
    service_occupancy: dict[tuple[str, str, int], dict[int, list]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    # (service, day) -> when a trained supervisor is available, worked out once (supervisable_minutes)
    supervision: dict[tuple[str, int], list[tuple[int, int]]] = field(default_factory=dict)
    # (staff, week) -> terms of the minutes worked that week
    worked: dict[tuple[str, int], list] = field(default_factory=lambda: defaultdict(list))
    objectives: dict[str, cp_model.LinearExpr] = field(default_factory=dict)
    # Whose work the model holds: everyone, or one person for their own bounds (rota.bounds)
    people: tuple[Staff, ...] = ()
    # (day, minute) -> real moment in minutes since the epoch, worked out once: zone conversions are slow
    instants: dict[tuple[int, int], float] = field(default_factory=dict)

    def __post_init__(self):
        self.people = self.people or tuple(self.problem.staff.values())

    def occupy(self, staff: str, service: str, day: int, slot: int, variable: cp_model.IntVar) -> None:
        """Record that the variable keeps the person busy for the service in that slot."""
        self.occupancy[(staff, day)][slot].append(variable)
        self.service_occupancy[(staff, service, day)][slot].append(variable)


def time_step(problem: Problem) -> int:
    """The coarsest slot length (minutes) on which every boundary of the problem lies."""
    values = [problem.rules.presence_min_minutes, problem.rules.presence_max_minutes]
    for service in problem.services.values():
        for segment in service.presence:
            values += [segment.window.start, segment.window.end]
        if service.checks:
            c = service.checks
            values += [c.window_start, c.window_end, c.minutes, c.max_gap]
    for person in problem.staff.values():
        for window in person.availability:
            values += [window.start, min(window.end, 24 * 60)]
    step = math.gcd(*values)
    granularity = problem.rules.granularity
    # Never finer than the scenario's grid; fall back to that grid when a boundary lies off a coarser one.
    return step if step and step % granularity == 0 else granularity


def _slots(start: int, end: int, step: int) -> range:
    """Slot starts from the first grid point at or after start, while a whole slot fits before end."""
    first = -(-start // step) * step
    return range(first, end - step + 1, step)


def supervisable_minutes(rm: RotaModel, service_id: str, day: int) -> list[tuple[int, int]]:
    """Times a supervisor trained for the service is available that day (on call costs no work)."""
    key = (service_id, day)
    if key not in rm.supervision:
        windows = rm.problem.supervisor_windows(service_id, day)
        rm.supervision[key] = [(window.start, window.end) for _, window in windows]
    return rm.supervision[key]


def within(start: int, end: int, intervals: list[tuple[int, int]]) -> bool:
    """Whether [start, end) lies inside one of the intervals (slots never straddle two windows' join)."""
    return any(s <= start and end <= e for s, e in intervals)


def _distinct(variables) -> list:
    """The variables without repeats (a check appears in every slot it spans), in first-seen order."""
    return list({id(v): v for v in variables}.values())


def _needs_supervision(problem: Problem, person: Staff) -> bool:
    return person.role in problem.rules.supervised_roles


def add_presence_shifts(rm: RotaModel, edges: bool = True, extra: Iterable[Assignment] = ()) -> None:
    """One Boolean per presence shift a person could work: starting and ending on the hour, or with edges also at
    the edges of their availability and of the service's segments; 3-10 hours; plus the `extra` shifts (the
    greedy start's and the published rota's, so that a hint or a re-solve can keep them exactly)."""
    problem, rules = rm.problem, rm.problem.rules
    for person in rm.people:
        for service_id in sorted(person.services):
            segments = _presence_segments(problem, person, service_id)
            for day in range(problem.days):
                todays = [s for s in segments if day % 7 in s.window.days]
                if not todays or problem.date_of(day) in person.leave:
                    continue
                opens, closes = min(s.window.start for s in todays), max(s.window.end for s in todays)
                for window in problem.windows(person, day):
                    first, last = max(window.start, opens), min(window.end, closes)
                    if first >= last:
                        continue  # available only outside the hours the person's role could count for
                    points = set(range(-(-first // SHIFT_GRID) * SHIFT_GRID, last + 1, SHIFT_GRID))
                    if edges:
                        points |= {first, last, *(t for s in todays for t in (s.window.start, s.window.end)
                                                  if first <= t <= last)}
                    points = sorted(t for t in points if t % rm.step == 0)
                    for start in points:
                        for end in points:
                            if rules.presence_min_minutes <= end - start <= rules.presence_max_minutes:
                                _add_shift(rm, person, service_id, day, start, end)
    for a in extra:
        person = problem.staff.get(a.staff)
        if a.kind == Kind.PRESENCE and person is not None and a.start % rm.step == 0 and a.end % rm.step == 0 \
                and not check_assignment(problem, a):
            _add_shift(rm, person, a.service, a.day, a.start, a.end)
    # One shift per person, service and day (as the greedy start has): otherwise 08:00-12:00 and 12:00-17:00 would
    # stand for the same work as 08:00-17:00, and a re-solve could split published shifts at no cost.
    per_day = defaultdict(list)
    for (staff, service, day, _start, _end), shift in rm.shifts.items():
        per_day[(staff, service, day)].append(shift)
    for shifts in per_day.values():
        if len(shifts) > 1:
            rm.model.add_at_most_one(shifts)


def _presence_segments(problem: Problem, person: Staff, service_id: str) -> list:
    """The service's presence segments whose roles include the person's (the rest would count for nothing)."""
    return [segment for segment in problem.services[service_id].presence if person.role in segment.roles]


def _add_shift(rm: RotaModel, person: Staff, service: str, day: int, start: int, end: int) -> None:
    key = (person.id, service, day, start, end)
    if key in rm.shifts:
        return
    if _needs_supervision(rm.problem, person):
        supervision = supervisable_minutes(rm, service, day)
        if not all(within(t, t + rm.step, supervision) for t in range(start, end, rm.step)):
            return  # supervised work only where some supervisor could be on call at every moment
    shift = rm.model.new_bool_var(f"shift[{person.id},{service},d{day},{start}-{end}]")
    rm.shifts[key] = shift
    for t in range(start, end, rm.step):
        rm.presence[(person.id, service, day, (start, end), t)] = shift
        rm.occupy(person.id, service, day, t, shift)
    rm.worked[(person.id, day // 7)].append((end - start) * shift)


def add_checks(rm: RotaModel, fixed_times: Callable[[str], list[int]] | None = None) -> None:
    """Checks: a person may start a check at a slot inside the window and one availability window (or, with
    fixed_times, only at a service's fixed times: the plain baseline's model)."""
    problem, model = rm.problem, rm.model
    for person in rm.people:
        for service_id in sorted(person.services):
            checks = problem.services[service_id].checks
            if checks is None or person.role not in checks.roles:
                continue
            for day in range(problem.days):
                if problem.date_of(day) in person.leave:
                    continue
                supervision = supervisable_minutes(rm, service_id, day) if _needs_supervision(problem, person) \
                    else None
                fixed = fixed_times(service_id) if fixed_times else None
                for t in _check_starts(rm, person, checks, day, fixed):
                    if supervision is not None and not within(t, t + checks.minutes, supervision):
                        continue
                    if (person.id, service_id, day, t) in rm.checks:
                        continue
                    c = model.new_bool_var(f"check[{person.id},{service_id},d{day},{t}]")
                    rm.checks[(person.id, service_id, day, t)] = c
                    rm.worked[(person.id, day // 7)].append(checks.minutes * c)
                    for busy in range(t, t + checks.minutes, rm.step):
                        rm.occupy(person.id, service_id, day, busy, c)


def _check_starts(rm: RotaModel, person: Staff, checks, day: int, fixed: list[int] | None) -> list[int]:
    """Where a check may start inside one of the person's availability windows that day: on the half hour, and
    at both edges of the time they could check in. Without the edges, someone free until 17:15 who would like
    work after 17:00 could not be given the 16:45 check that meets that wish."""
    windows = rm.problem.windows(person, day)
    if fixed is not None:
        return [t for t in fixed if any(window.contains(t, t + checks.minutes) for window in windows)]
    grid = check_grid(rm.step)
    starts = set()
    for window in windows:
        first, last = max(window.start, checks.window_start), min(window.end, checks.window_end) - checks.minutes
        if first > last:
            continue
        starts.update(_slots(first, last + grid, grid))
        starts.update(t for t in (first, last) if t % rm.step == 0)
    return sorted(starts)



def add_one_thing_at_a_time(rm: RotaModel) -> None:
    """A person's presence and checks never overlap."""
    for slots in rm.occupancy.values():
        for variables in slots.values():
            if len(variables) > 1:
                rm.model.add(sum(variables) <= 1)


def add_work_days(rm: RotaModel) -> None:
    """A working day is any day with presence or a check."""
    model = rm.model
    for (staff, day), slots in rm.occupancy.items():
        worked = model.new_bool_var(f"works[{staff},d{day}]")
        rm.work_day[(staff, day)] = worked
        for variable in _distinct(v for vs in slots.values() for v in vs):
            model.add_implication(variable, worked)


def _days_worked(rm: RotaModel, staff: str, days) -> list:
    return [rm.work_day[(staff, day)] for day in days if (staff, day) in rm.work_day]


def add_contract_limits(rm: RotaModel) -> None:
    """Weekly hours and days, consecutive days and weekends, per each person's contract, counting the work they
    already have for other services (a day with such work is a working day whatever this rota does)."""
    problem, model = rm.problem, rm.model
    for person in rm.people:
        contract = person.contract
        committed = {c.day for c in person.committed}

        def counted(days) -> tuple[list, int]:
            """This rota's work-day variables over the days, and how many of them are working days already."""
            days = list(days)
            return _days_worked(rm, person.id, [d for d in days if d not in committed]), \
                sum(1 for d in days if d in committed)

        for week in range(problem.weeks):
            worked, fixed = counted(range(week * 7, week * 7 + 7))
            if worked:
                model.add(sum(worked) + fixed <= contract.max_days_week)
            if rm.worked.get((person.id, week)):
                model.add(weekly_minutes(rm, person.id, week) <= round(contract.max_hours_week * 60))
        run = contract.max_consecutive_days + 1
        for first in range(problem.days - run + 1):
            worked, fixed = counted(range(first, first + run))
            if worked and len(worked) + fixed == run:
                model.add(sum(worked) + fixed <= contract.max_consecutive_days)
        weekends, fixed_weekends = [], 0
        for week in range(problem.weeks):
            worked, fixed = counted((week * 7 + 5, week * 7 + 6))
            if fixed:
                fixed_weekends += 1
            elif worked:
                weekend = model.new_bool_var(f"weekend[{person.id},w{week}]")
                for day in worked:
                    model.add_implication(day, weekend)
                weekends.append(weekend)
        if weekends and len(weekends) + fixed_weekends > contract.max_weekends:
            model.add(sum(weekends) + fixed_weekends <= contract.max_weekends)


def weekly_minutes(rm: RotaModel, staff: str, week: int) -> cp_model.LinearExpr:
    """Presence and check minutes a person works in a week, with their work for other services."""
    person = rm.problem.staff[staff]
    elsewhere = sum(c.end - c.start for c in person.committed if c.day // 7 == week)
    return sum(rm.worked.get((staff, week), [])) + elsewhere


def add_rest(rm: RotaModel) -> None:
    """At least min_rest_hours of real time between one day's last work and the next day's first."""
    problem, model, step = rm.problem, rm.model, rm.step
    real = rm.instants
    if not real:
        for day in range(problem.days):
            for minute in range(0, 24 * 60 + step, step):
                real[(day, minute)] = problem.instant(day, minute).timestamp() / 60
    for person in rm.people:
        rest = person.contract.min_rest_hours * 60
        for day in range(problem.days - 1):
            today, tomorrow = rm.occupancy.get((person.id, day)), rm.occupancy.get((person.id, day + 1))
            if not today or not tomorrow:
                continue
            for late in today:
                for early in tomorrow:
                    if real[(day + 1, early)] - real[(day, late + step)] < rest:
                        model.add(sum(today[late]) + sum(tomorrow[early]) <= 1)


def presence_shortfall(rm: RotaModel) -> cp_model.LinearExpr:
    """Uncovered presence minutes: per segment slot, people short times slot length."""
    problem, model, step = rm.problem, rm.model, rm.step
    present = defaultdict(list)  # (service, day, slot) -> [(role, var)]
    for (staff, service, day, _, t), x in rm.presence.items():
        present[(service, day, t)].append((problem.staff[staff].role, x))
    terms = []
    for service in problem.services.values():
        for day in range(problem.days):
            for s, segment in enumerate(service.segments_on(day % 7)):
                for t in _slots(segment.window.start, segment.window.end, step):
                    cover = [x for role, x in present[(service.id, day, t)] if role in segment.roles]
                    short = model.new_int_var(0, segment.min, f"short[{service.id},d{day},s{s},{t}]")
                    model.add(short + sum(cover) >= segment.min)
                    terms.append(step * short)
    return sum(terms)


def check_shortfall(rm: RotaModel) -> cp_model.LinearExpr:
    """Uncovered check minutes: missing checks times their length, plus gap minutes over the maximum."""
    problem, model, step = rm.problem, rm.model, rm.step
    done = defaultdict(list)  # (service, day, start) -> check variables
    for (_staff, service, day, t), c in rm.checks.items():
        done[(service, day, t)].append(c)
    terms = []
    for service in problem.services.values():
        checks = service.checks
        if checks is None:
            continue
        for day in range(problem.days):
            starts = {}
            for t in _slots(checks.window_start, checks.window_end, step):
                if done[(service.id, day, t)]:
                    starts[t] = model.new_bool_var(f"checked[{service.id},d{day},{t}]")
                    model.add(sum(done[(service.id, day, t)]) == starts[t])  # one check at a time is enough
            missing = model.new_int_var(0, checks.per_day, f"missing[{service.id},d{day}]")
            model.add(missing + sum(starts.values()) >= checks.per_day)
            terms.append(checks.minutes * missing)
            # A gap over max_gap leaves some window (a, a + max_gap] without a check start; each such
            # window on the grid is `step` minutes of excess gap.
            for a in range(checks.window_start, checks.window_end - checks.max_gap, step):
                inside = [v for t, v in starts.items() if a < t <= a + checks.max_gap]
                empty = model.new_bool_var(f"gap[{service.id},d{day},{a}]")
                model.add(sum(inside) + empty >= 1)
                terms.append(step * empty)
    return sum(terms)


def contract_shortfall(rm: RotaModel) -> cp_model.LinearExpr:
    """Minutes below each person's weekly contract minimum."""
    problem, model = rm.problem, rm.model
    terms = []
    for person in rm.people:
        wanted = round(person.contract.min_hours_week * 60)
        if wanted <= 0:
            continue
        for week in range(problem.weeks):
            short = model.new_int_var(0, wanted, f"contract_short[{person.id},w{week}]")
            model.add(short + weekly_minutes(rm, person.id, week) >= wanted)
            terms.append(short)
    return sum(terms)


def _busy_during(rm: RotaModel, staff: str, day: int, window: Window, service: str | None = None) -> list:
    slots = rm.occupancy.get((staff, day), {}) if service is None else rm.service_occupancy.get((staff, service, day),
                                                                                                  {})
    return _distinct(v for t, vs in slots.items() if window.start < t + rm.step and t < window.end for v in vs)


def rostered_minutes(rm: RotaModel) -> cp_model.LinearExpr:
    """Presence and check minutes of the whole rota (score version 2's last component)."""
    return sum(term for terms in rm.worked.values() for term in terms)


def preference_penalties(rm: RotaModel) -> cp_model.LinearExpr:
    """Weights of unmet preferences (score version 2): avoided times worked, and working days with none of their
    work at a preferred time (a day off meets a preference: it places work, it does not ask for more)."""
    problem, model = rm.problem, rm.model
    terms = []
    for person in rm.people:
        for p, preference in enumerate(person.preferences):
            for day in range(problem.days):
                if day % 7 not in preference.window.days:
                    continue
                busy = _busy_during(rm, person.id, day, preference.window, preference.service)
                if preference.kind == "avoid":
                    if busy:
                        broken = model.new_bool_var(f"avoid_broken[{person.id},p{p},d{day}]")
                        for variable in busy:
                            model.add_implication(variable, broken)
                        terms.append(preference.weight * broken)
                elif (person.id, day) in rm.work_day:
                    unmet = model.new_bool_var(f"prefer_unmet[{person.id},p{p},d{day}]")
                    model.add(sum(busy) + unmet >= rm.work_day[(person.id, day)])
                    terms.append(preference.weight * unmet)
    return sum(terms)


def _worst_off(rm: RotaModel, name: str, worked: Callable[[str], list], past: Callable[[str], int]) -> cp_model.IntVar:
    """The most days of a kind any non-volunteer works (`worked(person)` in the horizon, `past(person)` before it)."""
    problem, model = rm.problem, rm.model
    people = [person.id for person in rm.people if person.role != "volunteer"]
    most = model.new_int_var(0, problem.days + max((past(p) for p in people), default=0), name)
    for person in people:
        days = worked(person)
        if days or past(person):
            model.add(sum(days) + past(person) <= most)
    return most


def weekend_fairness(rm: RotaModel) -> cp_model.IntVar:
    """The most weekend working days of any non-volunteer, history included (minimised: the worst-off first)."""
    problem = rm.problem
    weekend_days = [d for d in range(problem.days) if d % 7 in WEEKEND]
    return _worst_off(rm, "max_weekend_days", lambda staff: _days_worked(rm, staff, weekend_days),
                      lambda staff: problem.past(staff).weekend_days)


def weekend_excess(rm: RotaModel, cap: int, solution: list[int] | None = None) -> cp_model.LinearExpr:
    """Weekend days beyond `cap`, summed over non-volunteers: a search guide towards a lower worst-off figure,
    since the min-max alone does not change until every person at the maximum is brought down together. The new
    variables are hinted from `solution` (values by variable index), so that it stays a complete hint."""
    problem, model = rm.problem, rm.model
    weekend_days = [d for d in range(problem.days) if d % 7 in WEEKEND]
    terms = []
    for person in rm.people:
        worked = _days_worked(rm, person.id, weekend_days)
        past = problem.past(person.id).weekend_days
        if person.role == "volunteer" or len(worked) + past <= cap:
            continue
        excess = model.new_int_var(0, len(worked) + past, f"weekend_excess[{person.id}]")
        model.add(excess >= sum(worked) + past - cap)
        if solution is not None:
            model.add_hint(excess, max(0, sum(solution[day.index] for day in worked) + past - cap))
        terms.append(excess)
    return sum(terms)


def evening_fairness(rm: RotaModel) -> cp_model.IntVar:
    """The most evenings (work after 17:00) of any non-volunteer, history included."""
    problem, model = rm.problem, rm.model
    evening = {}
    for (staff, day), slots in rm.occupancy.items():
        late = _distinct(v for t, vs in slots.items() if t + rm.step > EVENING_START for v in vs)
        if late:
            evening[(staff, day)] = model.new_bool_var(f"evening[{staff},d{day}]")
            for variable in late:
                model.add_implication(variable, evening[(staff, day)])
    return _worst_off(rm, "max_evenings",
                      lambda staff: [evening[(staff, d)] for d in range(problem.days) if (staff, d) in evening],
                      lambda staff: problem.past(staff).evenings)


def contract_fairness(rm: RotaModel) -> cp_model.IntVar:
    """The most minutes any contracted person works beyond their contract minimum, history included."""
    problem, model = rm.problem, rm.model
    contracted = [p for p in rm.people if p.contract.min_hours_week > 0]
    limit = max((round(p.contract.max_hours_week * 60) * problem.weeks + abs(problem.past(p.id).minutes_over_contract)
                 for p in contracted), default=0)
    most = model.new_int_var(-limit, limit, "max_minutes_over_contract")
    for person in contracted:
        worked = sum(weekly_minutes(rm, person.id, week) for week in range(problem.weeks))
        contract = round(person.contract.min_hours_week * 60) * problem.weeks
        model.add(worked + problem.past(person.id).minutes_over_contract - contract <= most)
    return most


def changed_minutes(rm: RotaModel, previous: Rota) -> cp_model.LinearExpr:
    """Minutes of presence and checks that differ from a previous rota (its work that can no longer be kept counts
    too, as a constant): what a re-solve after sick leave minimises last, so few people are moved."""
    step = rm.step
    present_before, checks_before = set(), set()
    for a in previous.assignments:
        if a.kind == Kind.PRESENCE:
            present_before.update((a.staff, a.service, a.day, t) for t in range(a.start, a.end, step))
        elif a.kind == Kind.CHECK:
            checks_before.add((a.staff, a.service, a.day, a.start))
    present = defaultdict(list)  # (staff, service, day, slot) -> the shifts covering it (at most one is worked)
    for (staff, service, day, _shift, t), x in rm.presence.items():
        present[(staff, service, day, t)].append(x)
    terms = [step * (1 - sum(xs)) if key in present_before else step * sum(xs) for key, xs in present.items()]
    for key, c in rm.checks.items():
        minutes = rm.problem.services[key[1]].checks.minutes
        terms.append(minutes * (1 - c) if key in checks_before else minutes * c)
    lost = step * len(present_before - present.keys()) + sum(
        rm.problem.services[key[1]].checks.minutes for key in checks_before - rm.checks.keys())
    return sum(terms) + lost


def build(problem: Problem, previous_rota: Rota | None = None, hint: Rota | None = None) -> RotaModel:
    """The whole model, with its objective components named (changed_minutes only against a previous rota).
    The shifts of `hint` and of the previous rota are candidates too, so both can be kept exactly."""
    rm = RotaModel(problem=problem, step=time_step(problem))
    _add_own_rules(rm, extra=[*(hint.assignments if hint else ()),
                              *(previous_rota.assignments if previous_rota else ())])
    rm.objectives["uncovered_minutes"] = presence_shortfall(rm) + check_shortfall(rm)
    rm.objectives["max_evenings"] = evening_fairness(rm)
    rm.objectives["max_minutes_over_contract"] = contract_fairness(rm)
    rm.objectives["rostered_minutes"] = rostered_minutes(rm)
    if previous_rota is not None:
        rm.objectives["changed_minutes"] = changed_minutes(rm, previous_rota)
    return rm


def build_person(problem: Problem, staff_id: str, like: RotaModel | None = None,
                 extra: Iterable[Assignment] = ()) -> RotaModel:
    """One person's candidate work (as in `build`, with their shifts among `extra`) under their own rules, without
    cover, and their contract shortfall, preference points and weekend days (rota.bounds). A model made `like`
    another shares its caches (real moments of slot edges, when supervisors are available): they are the same for
    everyone."""
    like = like or RotaModel(problem=problem, step=time_step(problem))
    rm = RotaModel(problem=problem, step=like.step, people=(problem.staff[staff_id],), supervision=like.supervision,
                   instants=like.instants)
    _add_own_rules(rm, extra=[a for a in extra if a.staff == staff_id])
    return rm


def _add_own_rules(rm: RotaModel, extra: Iterable[Assignment] = ()) -> None:
    """Candidate work and every rule that concerns one person at a time, with the score terms made of them."""
    add_presence_shifts(rm, extra=extra)
    add_checks(rm)
    add_one_thing_at_a_time(rm)
    add_work_days(rm)
    add_contract_limits(rm)
    add_rest(rm)
    rm.objectives["contract_short_minutes"] = contract_shortfall(rm)
    rm.objectives["preference_penalty"] = preference_penalties(rm)
    rm.objectives["max_weekend_days"] = weekend_fairness(rm)
