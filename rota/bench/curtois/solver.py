"""The search for a Curtois & Qu instance's best roster within a time limit: CP-SAT's search of the whole model and
rounds of the instance's own neighbourhoods (rota.lns) taking turns, from a roster made one employee's row at a time
where the whole model's search finds none; and the plain model's single search, for comparison."""

import logging
import random
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota import cpsat, lns
from rota.bench.curtois.check import penalty
from rota.bench.curtois.instance import OFF, Instance, Roster
from rota.bench.curtois.model import RosterModel, build_model

log = logging.getLogger(__name__)


@dataclass
class CurtoisResult:
    """The best roster found and how good it is known to be."""

    roster: Roster
    penalty: int
    bound: float
    status: str


# A search that has found no roster after this share of its time stops; a roster that keeps every hard rule is then
# found with no objective (a matter of seconds even where the search with its objective finds none in a minute) and
# the search starts again from it. Instances that find a roster in time are searched as before. Giving up after a
# tenth rather than a quarter leaves more time to improve that roster (docs/benchmarks.md).
FIRST_ROSTER_SHARE = 0.1
# The search takes turns: CP-SAT's search of the whole model (its own generic neighbourhoods among its workers)
# until it has found nothing better for STALLED_SHARE of the time limit (twice that the next turn, and so on),
# then rounds of this instance's own neighbourhoods (rota.lns) until QUIET_ROUNDS in a row find nothing better,
# then the whole model again from the best roster, and so on: the rounds free what CP-SAT's generic neighbourhoods
# seldom free together, and the whole model's long searches late in a run find what short rounds do not (turns of
# doubling length against equal turns and the whole model alone: docs/benchmarks.md).
STALLED_SHARE = 0.03
LEAST_PATIENCE = 1.0  # seconds: a short run's search (5 s: 0.15 s) is not cut off before it can prove a small instance
QUIET_ROUNDS = 8
ROUND_SECONDS = 1.0  # the most one neighbourhood round may take
# When CP-SAT's search of the whole model finds no roster in its first tenth (the larger instances), the roster
# found with the objective set aside is made better one employee's row at a time (`best_rows`) until no row alone
# can be, or until this share of the time; then the neighbourhood rounds take over. Only the longest horizons reach
# the limit; a larger share did no better there (docs/benchmarks.md).
BEST_ROWS_SHARE = 0.7
ROW_SECONDS = 2.0  # the most one employee's best row may take
# Each row's search: one CP-SAT worker (two rows are searched at once on two workers) with the relaxation at level 2,
# as the whole model's: at level 1 the sweeps leave a far higher penalty (docs/benchmarks.md).
ROW_PARAMETERS = {"linearization_level": 2}
# Every search of the roster, the whole model's and each round's: CP-SAT's "default" search with its linear
# relaxation at level 2 (every constraint that has one), because the tighter relaxation proves and finds what level 1
# does not. Among several workers CP-SAT's own portfolio runs its "default_lp" search at level 1 whatever the level
# asked; "default" keeps the parameters given (the two compared in docs/benchmarks.md).
SEARCH_PARAMETERS = {"linearization_level": 2, "subsolvers": ["default"]}


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


def first_roster(model: cp_model.CpModel, seconds: float, workers: int) -> list[int] | None:
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


def neighbourhoods(instance: Instance, m: RosterModel) -> lns.Rotation:
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


def _carry(instance: Instance, source: RosterModel, values: list[int], target: RosterModel) -> list[int]:
    """A roster found in one model of the instance as every variable's value in another."""
    return target.values(instance, source.roster(instance, values))


def _alone(instance: Instance, eid: str) -> Instance:
    """The instance with one employee and nothing to pay for: their hard rules alone."""
    return Instance(instance.name, instance.days, instance.minutes, instance.cannot_follow,
                    {eid: instance.employees[eid]}, {eid: instance.days_off.get(eid, set())})


def best_rows(instance: Instance, roster: Roster, deadline: float, rng: random.Random, workers: int = 1) -> Roster:
    """A roster made one employee's row at a time, each the best row for them with everyone else's as they are,
    starting from `roster` (which keeps every hard rule), in sweeps over the employees in a random order until a
    sweep finds no row better or the deadline. `workers` rows are worked out at once, each against the others' rows
    as they were, and a row is taken only if it is still better with the rows taken before it in place, so the
    penalty never goes up.

    Every hard rule is one employee's own, so rows that each keep their employee's rules make a valid roster; and
    with the other rows fixed, the penalty is linear in one employee's shifts (a shift on a day and shift whose
    cover is short saves its weight for one person short, one that is not costs its weight for one person over;
    a request adds its weight), so each row is one small model solved to the end: the employee's rules as paths of
    stretches (`build_model` with `stretches`), whose relaxation is tight enough that CP-SAT proves each row best in
    a fraction of a second even over half a year of days. This is where a search goes on when CP-SAT's search of the
    whole model finds no roster in its first tenth: a few sweeps take the roster found with the objective set aside
    far lower than the neighbourhood rounds alone do in the whole run (docs/benchmarks.md)."""
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
        cpsat.hint_all(m.model, m.values(instance, {eid: row}))
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
                # Each taken only if better with the rows taken before it.
                for eid, row in zip(chosen, found, strict=True):
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
    the model of stretches, because its linear relaxation is tighter (it knows the runs rules whole); the rounds run
    on the rule-by-rule model, where small neighbourhoods solve faster (each roster carried across by `_carry`)."""
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
        values = first_roster(rounds.model, deadline - time.monotonic() - 0.5, workers)
        if values is not None:
            rows = best_rows(instance, rounds.roster(instance, values), started + BEST_ROWS_SHARE * time_limit_s,
                              random.Random(0), workers)
            values = rounds.values(instance, rows)
        value = cpsat.value_at(rounds.objective, values) if values is not None else None
    if values is None:
        return CurtoisResult({}, -1, bound, solver.status_name(status).lower())
    rotation, turn = neighbourhoods(instance, rounds), 0
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
