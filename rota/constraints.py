"""The CP-SAT model of a rota problem: one builder per rule, each named after what it enforces.

Time is cut into slots of `step` minutes (the coarsest grid every boundary of the problem lies
on). A person is present for a service in a slot, or starts a check in it. Builders that make
soft rules return named penalty terms, so the solver can report each component and explain it.
"""

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota.construct import check_grid
from rota.domain import EVENING_START, WEEKEND, Kind, Problem, Rota, Staff, Window


@dataclass
class RotaModel:
    """The CP-SAT model and the variables the solver reads back."""

    problem: Problem
    step: int
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    # (staff, service, day, window index, slot start) -> present in that slot
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


def add_presence_blocks(rm: RotaModel) -> None:
    """Presence: at most one contiguous block per person, service, day and availability window, 3-10 hours long."""
    problem, step = rm.problem, rm.step
    shortest = -(-problem.rules.presence_min_minutes // step)
    longest = problem.rules.presence_max_minutes // step
    for person in problem.staff.values():
        for service_id in sorted(person.services):
            service = problem.services[service_id]
            for day in range(problem.days):
                segments = service.segments_on(day % 7)
                if not segments or problem.date_of(day) in person.leave:
                    continue
                if not any(person.role in segment.roles for segment in segments):
                    continue  # their presence would count towards nothing
                earliest = min(s.window.start for s in segments)
                latest = max(s.window.end for s in segments)
                supervision = supervisable_minutes(rm, service_id, day) if _needs_supervision(problem, person) \
                    else None
                for w, window in enumerate(problem.windows(person, day)):
                    slots = [t for t in _slots(max(window.start, earliest), min(window.end, latest), step)
                             if supervision is None or within(t, t + step, supervision)]
                    _add_block(rm, person.id, service_id, day, w, _contiguous_runs(slots, step), shortest, longest)


def _contiguous_runs(slots: list[int], step: int) -> list[list[int]]:
    runs: list[list[int]] = []
    for t in slots:
        if runs and runs[-1][-1] + step == t:
            runs[-1].append(t)
        else:
            runs.append([t])
    return runs


def _add_block(rm: RotaModel, staff: str, service: str, day: int, w: int, runs: list[list[int]],
               shortest: int, longest: int) -> None:
    model = rm.model
    block_vars, starts = [], []
    for r, run in enumerate(runs):
        if len(run) < shortest:
            continue
        xs = []
        for t in run:
            x = model.new_bool_var(f"present[{staff},{service},d{day},w{w},{t}]")
            rm.presence[(staff, service, day, w, t)] = x
            rm.occupy(staff, service, day, t, x)
            rm.worked[(staff, day // 7)].append(rm.step * x)
            xs.append(x)
        for i, x in enumerate(xs):
            start = model.new_bool_var(f"starts[{staff},{service},d{day},w{w}r{r},{run[i]}]")
            model.add(x - (xs[i - 1] if i else 0) <= start)
            if i + shortest > len(xs):
                model.add(start == 0)
            else:
                model.add_bool_and(xs[i:i + shortest]).only_enforce_if(start)
            starts.append(start)
        block_vars.extend(xs)
    if starts:
        model.add(sum(starts) <= 1)
        model.add(sum(block_vars) <= longest)


def add_checks(rm: RotaModel, fixed_times: Callable[[str], list[int]] | None = None) -> None:
    """Checks: a person may start a check at a slot inside the window and one availability window (or, with
    fixed_times, only at a service's fixed times: the plain baseline's model)."""
    problem, model = rm.problem, rm.model
    for person in problem.staff.values():
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
    """Where a check may start inside one of the person's availability windows that day."""
    windows = rm.problem.windows(person, day)
    if fixed is not None:
        return [t for t in fixed if any(window.contains(t, t + checks.minutes) for window in windows)]
    grid = check_grid(rm.step)
    return [t for window in windows
            for t in _slots(max(window.start, checks.window_start), min(window.end, checks.window_end), grid)
            if t + checks.minutes <= min(window.end, checks.window_end)]



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
    """Weekly hours and days, consecutive days and weekends, per each person's contract."""
    problem, model = rm.problem, rm.model
    for person in problem.staff.values():
        contract = person.contract
        for week in range(problem.weeks):
            days = range(week * 7, week * 7 + 7)
            worked = _days_worked(rm, person.id, days)
            if worked:
                model.add(sum(worked) <= contract.max_days_week)
            if rm.worked.get((person.id, week)):
                model.add(weekly_minutes(rm, person.id, week) <= round(contract.max_hours_week * 60))
        run = contract.max_consecutive_days + 1
        for first in range(problem.days - run + 1):
            worked = _days_worked(rm, person.id, range(first, first + run))
            if len(worked) == run:
                model.add(sum(worked) <= contract.max_consecutive_days)
        weekends = []
        for week in range(problem.weeks):
            worked = _days_worked(rm, person.id, (week * 7 + 5, week * 7 + 6))
            if worked:
                weekend = model.new_bool_var(f"weekend[{person.id},w{week}]")
                for day in worked:
                    model.add_implication(day, weekend)
                weekends.append(weekend)
        if len(weekends) > contract.max_weekends:
            model.add(sum(weekends) <= contract.max_weekends)


def weekly_minutes(rm: RotaModel, staff: str, week: int) -> cp_model.LinearExpr:
    """Presence and check minutes a person works in a week."""
    return sum(rm.worked.get((staff, week), []))


def add_rest(rm: RotaModel) -> None:
    """At least min_rest_hours of real time between one day's last work and the next day's first."""
    problem, model, step = rm.problem, rm.model, rm.step
    # Real moments (UTC minutes) of every slot edge, worked out once: zone conversions are the slow part.
    real = {}
    for day in range(problem.days):
        for minute in range(0, 24 * 60 + step, step):
            real[(day, minute)] = problem.instant(day, minute).timestamp() / 60
    for person in problem.staff.values():
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
    for person in problem.staff.values():
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


def preference_penalties(rm: RotaModel) -> cp_model.LinearExpr:
    """Weights of unmet preferences: avoided times worked, preferred times not worked."""
    problem, model = rm.problem, rm.model
    terms = []
    for person in problem.staff.values():
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
                else:
                    unmet = model.new_bool_var(f"prefer_unmet[{person.id},p{p},d{day}]")
                    model.add(sum(busy) + unmet >= 1)
                    terms.append(preference.weight * unmet)
    return sum(terms)


def _worst_off(rm: RotaModel, name: str, worked: Callable[[str], list], past: Callable[[str], int]) -> cp_model.IntVar:
    """The most days of a kind any non-volunteer works (`worked(person)` in the horizon, `past(person)` before it)."""
    problem, model = rm.problem, rm.model
    people = [person.id for person in problem.staff.values() if person.role != "volunteer"]
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
    contracted = [p for p in problem.staff.values() if p.contract.min_hours_week > 0]
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
    step, before = rm.step, set()
    for a in previous.assignments:
        if a.kind == Kind.PRESENCE:
            before.update(("presence", a.staff, a.service, a.day, t) for t in range(a.start, a.end, step))
        elif a.kind == Kind.CHECK:
            before.add(("check", a.staff, a.service, a.day, a.start))
    terms, kept = [], set()
    for (staff, service, day, _w, t), x in rm.presence.items():
        key = ("presence", staff, service, day, t)
        terms.append(step * (1 - x) if key in before else step * x)
        kept.add(key)
    for (staff, service, day, t), c in rm.checks.items():
        minutes = rm.problem.services[service].checks.minutes
        key = ("check", staff, service, day, t)
        terms.append(minutes * (1 - c) if key in before else minutes * c)
        kept.add(key)
    lost = sum(step if key[0] == "presence" else rm.problem.services[key[2]].checks.minutes
               for key in before - kept)
    return sum(terms) + lost


def build(problem: Problem, previous_rota: Rota | None = None) -> RotaModel:
    """The whole model, with its objective components named (changed_minutes only against a previous rota)."""
    rm = RotaModel(problem=problem, step=time_step(problem))
    add_presence_blocks(rm)
    add_checks(rm)
    add_one_thing_at_a_time(rm)
    add_work_days(rm)
    add_contract_limits(rm)
    add_rest(rm)
    rm.objectives["uncovered_minutes"] = presence_shortfall(rm) + check_shortfall(rm)
    rm.objectives["contract_short_minutes"] = contract_shortfall(rm)
    rm.objectives["preference_penalty"] = preference_penalties(rm)
    rm.objectives["max_weekend_days"] = weekend_fairness(rm)
    rm.objectives["max_evenings"] = evening_fairness(rm)
    rm.objectives["max_minutes_over_contract"] = contract_fairness(rm)
    rm.objectives["rostered_minutes"] = sum(term for terms in rm.worked.values() for term in terms)
    if previous_rota is not None:
        rm.objectives["changed_minutes"] = changed_minutes(rm, previous_rota)
    return rm
