"""The Curtois & Qu employee shift scheduling benchmark: read an instance, solve it with CP-SAT,
check and score any roster independently of the model.

Instance files (schedulingbenchmarks.org; shared/benchmarks/curtois/README) have CRLF line endings,
`#` comments and these sections, one record a line, comma-separated:
SECTION_HORIZON (the number of days, from a Monday); SECTION_SHIFTS (id, minutes, ids that cannot
follow it, `|`-separated); SECTION_STAFF (id, MaxShifts as `D=14|N=0`, MaxTotalMinutes,
MinTotalMinutes, MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends);
SECTION_DAYS_OFF (id, then day indexes); SECTION_SHIFT_ON_REQUESTS and SECTION_SHIFT_OFF_REQUESTS
(id, day, shift, weight); SECTION_COVER (day, shift, requirement, weight under, weight over).
A roster is one line per employee, tab-separated: the id, then the shift worked each day or `-`.
"""

import logging
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ortools.sat.python import cp_model

from rota import cpsat, lns

OFF = "-"
log = logging.getLogger(__name__)


class InstanceError(ValueError):
    """An instance or roster file that does not follow the format; the message names the line."""


@dataclass(frozen=True)
class Employee:
    """One employee's limits."""

    id: str
    max_shifts: dict[str, int]
    max_minutes: int
    min_minutes: int
    max_consecutive: int
    min_consecutive: int
    min_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A wish to work (on) or not work (off) a shift on a day, with the penalty for not granting it."""

    employee: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """How many employees a shift needs on a day, and the penalty per person short or over."""

    day: int
    shift: str
    requirement: int
    under: int
    over: int


@dataclass
class Instance:
    """A whole benchmark instance."""

    name: str
    days: int
    minutes: dict[str, int]  # shift id -> length
    cannot_follow: dict[str, set[str]]  # shift id -> shifts that may not be worked the next day
    employees: dict[str, Employee]
    days_off: dict[str, set[int]] = field(default_factory=dict)
    on_requests: list[Request] = field(default_factory=list)
    off_requests: list[Request] = field(default_factory=list)
    cover: list[Cover] = field(default_factory=list)

    @property
    def shifts(self) -> list[str]:
        """Shift ids in file order."""
        return list(self.minutes)


Roster = dict[str, list[str]]  # employee id -> shift id (or OFF) per day


def _sections(text: str) -> dict[str, list[tuple[int, list[str]]]]:
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            current = sections.setdefault(line, [])
        elif current is None:
            raise InstanceError(f"line {number}: data before the first SECTION_ heading")
        else:
            current.append((number, [part.strip() for part in line.split(",")]))
    return sections


def _int(value: str, number: int) -> int:
    try:
        return int(value)
    except ValueError:
        raise InstanceError(f"line {number}: {value!r} is not a whole number") from None


def parse_instance(text: str, name: str = "") -> Instance:
    """An instance from the text of its file."""
    sections = _sections(text)
    try:
        ((number, (days,)),) = sections["SECTION_HORIZON"]
        instance = Instance(name=name, days=_int(days, number), minutes={}, cannot_follow={}, employees={})
        for number, (shift, minutes, *forbidden) in sections["SECTION_SHIFTS"]:
            instance.minutes[shift] = _int(minutes, number)
            instance.cannot_follow[shift] = {s for part in forbidden for s in part.split("|") if s}
        for number, (eid, max_shifts, *limits) in sections["SECTION_STAFF"]:
            pairs = [item.split("=") for item in max_shifts.split("|") if item]
            values = [_int(v, number) for v in limits]
            instance.employees[eid] = Employee(eid, {s: _int(n, number) for s, n in pairs}, *values)
        for number, (eid, *days_off) in sections.get("SECTION_DAYS_OFF", []):
            instance.days_off[eid] = {_int(d, number) for d in days_off if d}
        for key, requests in (("SECTION_SHIFT_ON_REQUESTS", instance.on_requests),
                              ("SECTION_SHIFT_OFF_REQUESTS", instance.off_requests)):
            for number, (eid, day, shift, weight) in sections.get(key, []):
                requests.append(Request(eid, _int(day, number), shift, _int(weight, number)))
        for number, (day, shift, requirement, under, over) in sections["SECTION_COVER"]:
            instance.cover.append(Cover(_int(day, number), shift, _int(requirement, number), _int(under, number),
                                        _int(over, number)))
    except KeyError as missing:
        raise InstanceError(f"{name or 'instance'}: missing {missing.args[0]}") from None
    except (TypeError, ValueError) as error:  # a record with too few or too many fields
        if isinstance(error, InstanceError):
            raise
        raise InstanceError(f"{name or 'instance'}: a record has the wrong number of fields ({error})") from None
    return instance


def load_instance(path: str | Path) -> Instance:
    """Read an instance file."""
    return parse_instance(Path(path).read_text(), Path(path).name)


def format_roster(instance: Instance, roster: Roster) -> str:
    """A roster in the benchmark's tab-separated form."""
    return "".join("\t".join([eid, *roster[eid]]) + "\n" for eid in instance.employees)


def parse_roster(instance: Instance, text: str) -> Roster:
    """A roster from its tab-separated text."""
    roster = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        eid, *days = line.rstrip("\r").split("\t")
        if eid not in instance.employees or len(days) != instance.days:
            raise InstanceError(f"roster line {number}: unknown employee or not {instance.days} days")
        roster[eid] = days
    return roster


# --- an independent check and score ------------------------------------------------------------

def _runs(worked: list[bool], value: bool) -> list[tuple[int, int]]:
    """(first day, length) of each maximal run of days equal to value."""
    runs, start = [], None
    for day, w in enumerate([*worked, not value]):
        if w == value and start is None:
            start = day
        elif w != value and start is not None:
            runs.append((start, day - start))
            start = None
    return runs


def broken_rules(instance: Instance, roster: Roster) -> list[str]:
    """Every hard constraint the roster breaks, in words; empty when it is valid."""
    found, days = [], instance.days
    for eid, employee in instance.employees.items():
        row = roster.get(eid, [OFF] * days)
        worked = [s != OFF for s in row]
        for day, shift in enumerate(row):
            if shift != OFF and shift not in instance.minutes:
                found.append(f"{eid} day {day}: unknown shift {shift}")
            if day + 1 < days and shift != OFF and row[day + 1] in instance.cannot_follow.get(shift, ()):
                found.append(f"{eid} day {day + 1}: {row[day + 1]} may not follow {shift}")
            if shift != OFF and day in instance.days_off.get(eid, ()):
                found.append(f"{eid} day {day}: works on a day off")
        for shift in instance.minutes:
            if row.count(shift) > employee.max_shifts.get(shift, days):
                found.append(f"{eid}: {row.count(shift)} {shift} shifts, more than {employee.max_shifts[shift]}")
        total = sum(instance.minutes.get(s, 0) for s in row if s != OFF)
        if not employee.min_minutes <= total <= employee.max_minutes:
            found.append(f"{eid}: {total} minutes, outside {employee.min_minutes}-{employee.max_minutes}")
        for start, length in _runs(worked, True):
            if length > employee.max_consecutive:
                found.append(f"{eid}: {length} shifts in a row from day {start}, more than {employee.max_consecutive}")
            if length < employee.min_consecutive and start > 0 and start + length < days:
                found.append(f"{eid}: only {length} shifts in a row from day {start}")
        for start, length in _runs(worked, False):
            if length < employee.min_days_off and start > 0 and start + length < days:
                found.append(f"{eid}: only {length} days off in a row from day {start}")
        weekends = sum(1 for w in range(days // 7) if worked[7 * w + 5] or worked[7 * w + 6])
        if weekends > employee.max_weekends:
            found.append(f"{eid}: {weekends} weekends, more than {employee.max_weekends}")
    return found


def penalty(instance: Instance, roster: Roster) -> int:
    """The soft-constraint penalty: requests not granted, and cover short or over."""
    total = sum(r.weight for r in instance.on_requests if roster[r.employee][r.day] != r.shift)
    total += sum(r.weight for r in instance.off_requests if roster[r.employee][r.day] == r.shift)
    working = defaultdict(int)
    for row in roster.values():
        for day, shift in enumerate(row):
            working[(day, shift)] += 1
    for c in instance.cover:
        have = working[(c.day, c.shift)]
        total += c.under * max(0, c.requirement - have) + c.over * max(0, have - c.requirement)
    return total


# --- the CP-SAT model ---------------------------------------------------------------------------

@dataclass
class CurtoisResult:
    """The best roster found and how good it is known to be."""

    roster: Roster
    penalty: int
    bound: float
    status: str


def _forbid_short_runs(model: cp_model.CpModel, work: list, shortest: int, value: bool) -> None:
    """No run of days with work == value shorter than `shortest`, unless it touches either end of the horizon."""
    days = len(work)
    for length in range(1, shortest):
        for start in range(1, days - length):
            inside = work[start:start + length]
            # Not (edge before, the run, edge after): one of those literals must flip.
            edge = work[start - 1], work[start + length]
            if value:
                model.add_bool_or([edge[0], *(~w for w in inside), edge[1]])
            else:
                model.add_bool_or([~edge[0], *inside, ~edge[1]])


# A search that has found no roster after this share of its time stops; a roster that keeps every hard rule is then
# found with no objective (3.6 s on Instance20, 182 days, where the search with its objective finds none in a
# minute) and the search starts again from it. Instances that find a roster in time are searched as before. Giving
# up after a tenth rather than a quarter leaves more time to improve that roster: Instance20 28,061 -> 24,246.
FIRST_ROSTER_SHARE = 0.1
# The search takes turns: CP-SAT's search of the whole model (its own generic neighbourhoods among its workers)
# until it has found nothing better for STALLED_SHARE of the time limit (twice that the next turn, and so on),
# then rounds of this instance's own neighbourhoods (rota.lns) until QUIET_ROUNDS in a row find nothing better,
# then the whole model again from the best roster, and so on. Measured at 60 s and 2 workers on 2026-11-29, the
# whole model alone (e359dc6), turns of equal length, and turns of doubling length gave: Instance5 1,244, 1,244,
# 1,152; Instance8 1,748, 1,749, 1,548; Instance12 6,054, 5,169, 5,884; Instance14 1,734, 1,628, 1,636 (runs vary
# by a few per cent).
STALLED_SHARE = 0.03
LEAST_PATIENCE = 1.0  # seconds: a short run's search (5 s: 0.15 s) is not cut off before it can prove a small instance
QUIET_ROUNDS = 8
ROUND_SECONDS = 1.0  # the most one neighbourhood round may take
# When CP-SAT's search of the whole model finds no roster in its first tenth (Instances 8-20 of the shared ones at
# 60 s), the roster found with the objective set aside is made better one employee's row at a time
# (`_best_rows`) until no row alone can be, or until this share of the time; then the neighbourhood rounds take
# over. Only Instance20 (182 days) reaches the limit. Measured at 60 s and 2 workers on 2026-11-30: Instance20 with
# 0.7 10,567 and 11,635, with 0.9 11,205; Instances 12 and 18, two runs each, with best rows 4,319 and 4,635, 5,304
# and 5,296, without 4,554 and 4,404, 5,207 and 5,402 (the same within a run's variation).
BEST_ROWS_SHARE = 0.7
ROW_SECONDS = 2.0  # the most one employee's best row may take
# Each row's search: one CP-SAT worker (two rows are searched at once on two workers) with the relaxation at level 2,
# as the whole model's; at level 1 the first sweep left Instance20 at 137,867, against about 16,500 at level 2.
# Leaving out symmetry and probing in presolve made no difference beyond a run's variation.
ROW_PARAMETERS = {"linearization_level": 2}
# Every search of the roster, the whole model's and each round's: CP-SAT's "default" search with its linear
# relaxation at level 2 (every constraint that has one). Among several workers CP-SAT's own portfolio runs its
# "default_lp" search at level 1 whatever the level asked; "default" keeps the parameters given. Measured at 60 s and
# 2 workers on 2026-11-29: the whole model's search with "default_lp" gave Instance5 1,245 and Instance8 1,944, with
# "default" Instance5 1,143 and Instance6 1,950, both proven optimal; the rounds with CP-SAT's portfolio at level 2
# gave Instance8 1,631, Instance12 6,156 and Instance14 1,640, with "default" 1,446, 4,751 and 1,346. The rounds
# search the rule-by-rule model: on the model of stretches they found 1,734, 4,949 and 1,808.
SEARCH_PARAMETERS = {"linearization_level": 2, "subsolvers": ["default"]}


@dataclass
class _Model:
    """The CP-SAT model of an instance and its decisions: x[(employee, day, shift)] is worked."""

    model: cp_model.CpModel
    x: dict[tuple[str, int, str], cp_model.IntVar]
    objective: cp_model.LinearExprT

    def roster(self, instance: Instance, values: list[int]) -> Roster:
        return {eid: [next((s for s in instance.shifts if values[self.x[(eid, d, s)].index]), OFF)
                      for d in range(instance.days)] for eid in instance.employees}


class _Watch(cp_model.CpSolverSolutionCallback):
    """Notes when the search last found a roster."""

    def __init__(self):
        super().__init__()
        self.last_found: float | None = None

    def on_solution_callback(self) -> None:
        self.last_found = time.monotonic()


def _solve_or_give_up(solver: cp_model.CpSolver, model: cp_model.CpModel, give_up_after: float,
                      stalled_after: float = float("inf")) -> int:
    """Solve; stop early if no roster is found within `give_up_after` seconds, or none better within
    `stalled_after` seconds of the last."""
    started, watch = time.monotonic(), _Watch()

    def enough() -> bool:
        found = watch.last_found
        return time.monotonic() - (started if found is None else found) > \
            (give_up_after if found is None else stalled_after)

    return cpsat.solve_until(solver, model, watch, enough)


def _first_roster(model: cp_model.CpModel, seconds: float, workers: int) -> list[int] | None:
    """A roster that keeps every hard rule, found with the objective set aside, as every variable's value."""
    if seconds <= 0:
        return None
    feasible = model.clone()
    feasible.clear_objective()
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.stop_after_first_solution = True
    return cpsat.solution_values(solver) if solver.solve(feasible) in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _search(model: cp_model.CpModel, seconds: float, workers: int) -> cp_model.CpSolver:
    """A CP-SAT solver for the whole model's search (SEARCH_PARAMETERS)."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, seconds)
    solver.parameters.num_workers = workers
    cpsat.configure(solver, SEARCH_PARAMETERS)
    return solver


def _stretches(model: cp_model.CpModel, eid: str, employee: Employee, days: int) -> list:
    """Whether the employee works each day, as one path through their days: a path of work stretches (each as long
    as the rules allow) and rest stretches (each at least the shortest rest), in turn. The runs rules then hold by
    construction, and the search's linear relaxation knows them whole (every mix of paths is a mix of rosters that
    keep them), where the rule-by-rule form only forbids one short run at a time."""
    shortest, longest, rest = employee.min_consecutive, employee.max_consecutive, employee.min_days_off
    # Nodes at each boundary b (before day b): "work" (a work stretch starts at b), "rest" (a rest starts at b) and
    # "rested" (rested long enough: more rest, or work from here). Arcs carry one unit of flow from "rested" at 0
    # (a roster may start either way) to the end.
    flow_in, flow_out = defaultdict(list), defaultdict(list)
    covering = defaultdict(list)

    def arc(tail, head, name, worked=range(0)):
        var = model.new_bool_var(f"{name}[{eid}]")
        flow_out[tail].append(var)
        flow_in[head].append(var)
        for d in worked:
            covering[d].append(var)

    end = ("end", days)
    for b in range(days):
        for length in range(1, min(longest, days - b) + 1):
            if length >= shortest or b == 0 or b + length == days:  # a run touching either end may be short
                arc(("work", b), end if b + length == days else ("rest", b + length), f"w{b}+{length}",
                    range(b, b + length))
        arc(("rest", b), end if b + rest >= days else ("rested", b + rest), f"r{b}")
        arc(("rested", b), ("rested", b + 1) if b + 1 < days else end, f"o{b}")
        arc(("rested", b), ("work", b), f"s{b}")
    nodes = set(flow_in) | set(flow_out)
    for node in nodes:
        supply = 1 if node == ("rested", 0) else -1 if node == end else 0
        model.add(sum(flow_out[node]) - sum(flow_in[node]) == supply)
    return [sum(covering[d]) for d in range(days)]


def build_model(instance: Instance, stretches: bool = False) -> _Model:
    """Every hard rule as a constraint, the penalty as the objective. The runs rules rule by rule, as a textbook
    model states them, or with `stretches` as paths of stretches (`_stretches`)."""
    model, days, shifts = cp_model.CpModel(), instance.days, instance.shifts
    x = {(e, d, s): model.new_bool_var(f"x[{e},{d},{s}]") for e in instance.employees for d in range(days)
         for s in shifts}
    for eid, employee in instance.employees.items():
        work = []
        path = _stretches(model, eid, employee, days) if stretches else None
        for d in range(days):
            worked = model.new_bool_var(f"work[{eid},{d}]")
            model.add(sum(x[(eid, d, s)] for s in shifts) == worked)
            if path is not None:
                model.add(path[d] == worked)
            work.append(worked)
            if d in instance.days_off.get(eid, ()):
                model.add(worked == 0)
            if d + 1 < days:
                for s in shifts:
                    for t in instance.cannot_follow[s]:
                        model.add_bool_or([~x[(eid, d, s)], ~x[(eid, d + 1, t)]])
        for s in shifts:
            model.add(sum(x[(eid, d, s)] for d in range(days)) <= employee.max_shifts.get(s, days))
        total = sum(instance.minutes[s] * x[(eid, d, s)] for d in range(days) for s in shifts)
        model.add_linear_constraint(total, employee.min_minutes, employee.max_minutes)
        if path is None:
            for start in range(days - employee.max_consecutive):
                model.add(sum(work[start:start + employee.max_consecutive + 1]) <= employee.max_consecutive)
            _forbid_short_runs(model, work, employee.min_consecutive, True)
            _forbid_short_runs(model, work, employee.min_days_off, False)
        weekends = []
        for w in range(days // 7):
            weekend = model.new_bool_var(f"weekend[{eid},{w}]")
            model.add_max_equality(weekend, [work[7 * w + 5], work[7 * w + 6]])
            weekends.append(weekend)
        model.add(sum(weekends) <= employee.max_weekends)
    terms = [r.weight * (1 - x[(r.employee, r.day, r.shift)]) for r in instance.on_requests]
    terms += [r.weight * x[(r.employee, r.day, r.shift)] for r in instance.off_requests]
    for c in instance.cover:
        have = sum(x[(e, c.day, c.shift)] for e in instance.employees)
        short = model.new_int_var(0, c.requirement, f"under[{c.day},{c.shift}]")
        extra = model.new_int_var(0, len(instance.employees), f"over[{c.day},{c.shift}]")
        model.add(have + short - extra == c.requirement)
        terms += [c.under * short, c.over * extra]
    objective = sum(terms)
    model.minimize(objective)
    return _Model(model, x, objective)


def _penalised(instance: Instance, roster: Roster) -> tuple[list[int], list[tuple[str, int]]]:
    """Where the roster pays: the days of cover short or over, and (employee, day) of requests not granted."""
    working = defaultdict(int)
    for row in roster.values():
        for day, shift in enumerate(row):
            working[(day, shift)] += 1
    days = [c.day for c in instance.cover if working[(c.day, c.shift)] != c.requirement]
    requests = [(r.employee, r.day) for r in instance.on_requests if roster[r.employee][r.day] != r.shift]
    requests += [(r.employee, r.day) for r in instance.off_requests if roster[r.employee][r.day] == r.shift]
    return days, requests


def _neighbourhoods(instance: Instance, m: _Model) -> lns.Rotation:
    """Three kinds of round, each half the time aimed at where the roster pays: some employees' whole rosters
    (work handed between them), every employee over a few days in a row (cover put right locally), and a block
    of some employees over some weeks."""
    employees, days = list(instance.employees), instance.days

    def focus(values: list[int], rng: random.Random) -> tuple[str | None, int | None]:
        if rng.random() < 0.5:
            return None, None
        cover_days, requests = _penalised(instance, m.roster(instance, values))
        if requests and (not cover_days or rng.random() < 0.5):
            return rng.choice(requests)
        return (None, rng.choice(cover_days)) if cover_days else (None, None)

    def some_employees(count: int, around: str | None, rng: random.Random) -> set[str]:
        chosen = set(rng.sample(employees, count))
        if around is not None and around not in chosen:
            chosen.discard(next(iter(chosen)))
            chosen.add(around)
        return chosen

    def window(length: int, around: int | None, rng: random.Random) -> range:
        centre = rng.randrange(days) if around is None else around
        first = min(max(0, centre - rng.randrange(length)), days - length)
        return range(first, first + length)

    def people(values, size, rng):
        eid, _day = focus(values, rng)
        chosen = some_employees(size.count(len(employees)), eid, rng)
        return lambda key: key[0] in chosen

    def stretch(values, size, rng):
        _eid, day = focus(values, rng)
        span = window(size.count(days), day, rng)
        return lambda key: key[1] in span

    def block(values, size, rng):
        eid, day = focus(values, rng)
        side = size.share ** 0.5
        chosen = some_employees(max(1, min(len(employees), round(side * len(employees)))), eid, rng)
        span = window(max(1, min(days, round(side * days))), day, rng)
        return lambda key: key[0] in chosen and key[1] in span

    return lns.Rotation(kinds={"people": people, "stretch": stretch, "block": block},
                        sizes={"people": lns.Adaptive(min(1.0, 4 / len(employees))),
                               "stretch": lns.Adaptive(min(1.0, 3 / days)),
                               "block": lns.Adaptive(0.2)})


def _values(instance: Instance, roster: Roster, target: _Model) -> list[int]:
    """A roster as every variable's value in a model of the instance: its shifts fixed, the model's own variables
    follow from them by propagation alone."""
    carried = cpsat.complete(target.model, {var: int(roster[eid][day] == shift)
                                            for (eid, day, shift), var in target.x.items()})
    if carried is None:
        raise RuntimeError(f"{instance.name}: a roster breaks a rule of the model")
    return carried


def _carry(instance: Instance, source: _Model, values: list[int], target: _Model) -> list[int]:
    """A roster found in one model of the instance as every variable's value in another."""
    return _values(instance, source.roster(instance, values), target)


def _alone(instance: Instance, eid: str) -> Instance:
    """The instance with one employee and nothing to pay for: their hard rules alone."""
    return Instance(instance.name, instance.days, instance.minutes, instance.cannot_follow,
                    {eid: instance.employees[eid]}, {eid: instance.days_off.get(eid, set())})


def _best_rows(instance: Instance, roster: Roster, deadline: float, rng: random.Random, workers: int = 1) -> Roster:
    """A roster made one employee's row at a time, each the best row for them with everyone else's as they are,
    starting from `roster` (which keeps every hard rule), in sweeps over the employees in a random order until a
    sweep finds no row better or the deadline. `workers` rows are worked out at once, each against the others' rows
    as they were, and a row is taken only if it is still better with the rows taken before it in place, so the
    penalty never goes up.

    Every hard rule is one employee's own, so rows that each keep their employee's rules make a valid roster; and
    with the other rows fixed, the penalty is linear in one employee's shifts (a shift on a day and shift whose
    cover is short saves its weight for one person short, one that is not costs its weight for one person over;
    a request adds its weight), so each row is one small model solved to the end: the employee's rules as paths of
    stretches (`_stretches`), whose relaxation is tight enough that CP-SAT proves each row best in a fraction of a
    second on Instance20's 182 days. This is where a search goes on when CP-SAT's search of the whole model finds
    no roster in its first tenth: on Instance20 the roster found with the objective set aside has 241,246, the
    first sweep brings it to about 16,500 and the third to about 10,000, where the neighbourhood rounds alone had
    brought it to about 22,000 by the end of the minute."""
    cover = {(c.day, c.shift): c for c in instance.cover}
    asked = defaultdict(int)  # (employee, day, shift) -> the change in penalty when that shift is worked
    for r in instance.on_requests:
        asked[(r.employee, r.day, r.shift)] -= r.weight
    for r in instance.off_requests:
        asked[(r.employee, r.day, r.shift)] += r.weight
    alone = {eid: _alone(instance, eid) for eid in instance.employees}
    models = {eid: build_model(alone[eid], stretches=True) for eid in instance.employees}
    rows, working = dict(roster), defaultdict(int)

    def count(row: list[str], change: int) -> None:
        for day, shift in enumerate(row):
            if shift != OFF:
                working[(day, shift)] += change

    for row in rows.values():
        count(row, 1)

    def costs(eid: str) -> dict[tuple[str, int, str], int]:
        """What each shift of the employee's would change the penalty by, with the rows in `working`."""
        def cost(day: int, shift: str) -> int:
            c = cover.get((day, shift))
            own = 0 if c is None else c.over if working[(day, shift)] >= c.requirement else -c.under
            return own + asked[(eid, day, shift)]
        return {key: cost(key[1], key[2]) for key in models[eid].x}

    def paid(eid: str, row: list[str], of: dict[tuple[str, int, str], int]) -> int:
        return sum(of[(eid, day, shift)] for day, shift in enumerate(row) if shift != OFF)

    def best(eid: str, of: dict[tuple[str, int, str], int], row: list[str]) -> list[str] | None:
        m = models[eid]
        m.model.minimize(sum(c * m.x[key] for key, c in of.items() if c))
        cpsat.hint_all(m.model, _values(instance, {eid: row}, m))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        cpsat.configure(solver, ROW_PARAMETERS)
        solver.parameters.max_time_in_seconds = max(0.1, min(ROW_SECONDS, deadline - time.monotonic()))
        if solver.solve(m.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return m.roster(alone[eid], cpsat.solution_values(solver))[eid]

    order, better = list(instance.employees), True
    with ThreadPoolExecutor(workers) as pool:
        while better and time.monotonic() < deadline:
            better = False
            rng.shuffle(order)
            for at in range(0, len(order), workers):
                if time.monotonic() >= deadline:
                    break
                chosen = order[at:at + workers]
                asked_of = []
                for eid in chosen:  # each against everyone else's rows as they are now
                    count(rows[eid], -1)
                    asked_of.append(costs(eid))
                    count(rows[eid], 1)
                found = list(pool.map(lambda eid, of: best(eid, of, rows[eid]), chosen, asked_of))
                for eid, row in zip(chosen, found):  # each taken only if better with the rows taken before it
                    count(rows[eid], -1)
                    now = costs(eid)
                    if row is not None and paid(eid, row, now) < paid(eid, rows[eid], now):
                        rows[eid], better = row, True
                    count(rows[eid], 1)
            log.debug("%s: a sweep of best rows gives %d", instance.name, penalty(instance, rows))
    return rows


def solve_instance(instance: Instance, time_limit_s: float = 60.0, workers: int = 2) -> CurtoisResult:
    """The best roster found within the time limit, CP-SAT's search of the whole model and neighbourhood search
    taking turns (above) until the time is up or the roster is proven optimal. The whole model's search runs on
    the model of stretches, whose relaxation brings Instances 1-6 to their best known penalties within the minute
    (1, 2, 3 and 6 proven optimal in the run of docs/benchmarks.md); the rounds run on the rule-by-rule model,
    where small neighbourhoods solve faster (each roster carried across by `_carry`)."""
    started = time.monotonic()
    deadline = started + time_limit_s
    whole, rounds = build_model(instance, stretches=True), build_model(instance, stretches=False)
    solver = _search(whole.model, time_limit_s, workers)
    patience = max(LEAST_PATIENCE, STALLED_SHARE * time_limit_s)
    status = _solve_or_give_up(solver, whole.model, FIRST_ROSTER_SHARE * time_limit_s, patience)
    bound = solver.best_objective_bound
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values, value = _carry(instance, whole, cpsat.solution_values(solver), rounds), round(solver.objective_value)
    else:
        values = _first_roster(rounds.model, deadline - time.monotonic() - 0.5, workers)
        if values is not None:
            rows = _best_rows(instance, rounds.roster(instance, values), started + BEST_ROWS_SHARE * time_limit_s,
                              random.Random(0), workers)
            values = _values(instance, rows, rounds)
        value = cpsat.value_at(rounds.objective, values) if values is not None else None
    if values is None:
        return CurtoisResult({}, -1, bound, solver.status_name(status).lower())
    rotation, turn = _neighbourhoods(instance, rounds), 0
    while value > bound and deadline - time.monotonic() > 1.0:
        log.debug("%s: %d when the neighbourhood rounds start, after %.1f s", instance.name, value,
                  time.monotonic() - started)
        values, value = lns.search(rounds.model, rounds.x, values, value, rotation.pick, deadline, workers,
                                   threading.Event(), lambda _value, _values: None, round_seconds=ROUND_SECONDS,
                                   accept_equal=True, learn=rotation.learn, parameters=SEARCH_PARAMETERS,
                                   quiet_rounds=QUIET_ROUNDS)
        log.debug("%s: %d after %.1f s of neighbourhood rounds", instance.name, value, time.monotonic() - started)
        if deadline - time.monotonic() <= 1.0:
            break
        # Each turn the whole model's search may go on twice as long before it counts as stalled: restarts cost it
        # what it had learnt, and late in a run its long searches find what short rounds do not.
        patience *= 2
        cpsat.hint_all(whole.model, _carry(instance, rounds, values, whole))
        turn += 1
        solver = _search(whole.model, deadline - time.monotonic(), workers)
        solver.parameters.random_seed = turn  # each turn searches differently from the last
        status = _solve_or_give_up(solver, whole.model, float("inf"), patience)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = max(bound, solver.best_objective_bound)
            if round(solver.objective_value) <= value:
                values = _carry(instance, whole, cpsat.solution_values(solver), rounds)
                value = round(solver.objective_value)
    roster = rounds.roster(instance, values)
    return CurtoisResult(roster, penalty(instance, roster), bound, "optimal" if value <= bound else "feasible")


def solve_plain(instance: Instance, time_limit_s: float = 60.0, workers: int = 2) -> CurtoisResult:
    """The plain model for comparison: the same model, one CP-SAT search at its default settings, nothing else."""
    m = build_model(instance)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    status = solver.solve(m.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CurtoisResult({}, -1, solver.best_objective_bound, solver.status_name(status).lower())
    roster = m.roster(instance, cpsat.solution_values(solver))
    return CurtoisResult(roster, penalty(instance, roster), solver.best_objective_bound,
                         solver.status_name(status).lower())
