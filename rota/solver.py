"""Solving a rota problem with CP-SAT: objectives in strict priority order, always within a time limit.

A greedy rota comes first (rota.construct): a valid answer within a second. Then phases follow
the score's priority: cover the standards; then contract minimums, preferences and fairness
(weekend then evening duty) together, weighted so each strictly dominates the next; then
fairness again with preferences fixed, guided by the weekend days above the worst-off figure
(a min-max does not move until everyone at the maximum comes down together) and with hours
beyond contract as its last term (history counted throughout), and then a neighbourhood search
that frees one worst-off person's colleagues or weekend at a time; then either trimming rostered
minutes nobody needs or, on a re-solve against a published rota, moving as few people as possible. Each phase keeps the
previous phases' results as constraints and starts from the best rota so far, so stopping early
still leaves the best rota found. A repair pass then covers any window the rules still allow
someone to take, and whatever stays uncovered is explained (rota.explain).
"""

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota import constraints
from rota.construct import greedy_rota, repair
from rota.domain import WEEKEND, Assignment, Kind, Problem, Rota
from rota.explain import Unmet, explain
from rota.score import Score, score

# Cover first; then contracts, preferences and fairness; then fairness alone; last the rostered minutes, so
# nobody is rostered for work the standard does not need, or on a re-solve the minutes that differ
# from the published rota.
PHASES = ("uncovered_minutes", "balance", "fairness", "last")
# Share of the time limit each phase may use; time a phase does not need passes to the next.
PHASE_SHARE = {"uncovered_minutes": 0.3, "balance": 0.35, "fairness": 0.25, "last": 0.1}
# The fairness phase's own CP-SAT search has this part of its time; neighbourhood search has the rest.
FAIRNESS_SEARCH_SHARE = 0.3
NEIGHBOURHOOD_SIZE = 16  # people freed in a round, besides the one at the worst weekend figure
NEIGHBOURHOOD_SECONDS = 3.0
STATUS_NAMES = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
                cp_model.MODEL_INVALID: "invalid", cp_model.UNKNOWN: "unknown"}


@dataclass(frozen=True)
class Progress:
    """An improving solution found while solving."""

    phase: str
    objective: float
    bound: float
    seconds: float


@dataclass
class PhaseResult:
    """What one phase reached."""

    phase: str
    status: str
    objective: float
    bound: float
    seconds: float


@dataclass
class SolveResult:
    """The best rota found, its score and how good it is known to be."""

    rota: Rota
    score: Score
    status: str  # "optimal" when every phase was proven optimal, else "feasible"
    phases: list[PhaseResult] = field(default_factory=list)
    seconds: float = 0.0
    first_full_cover_seconds: float | None = None
    unmet: list[Unmet] = field(default_factory=list)  # each uncovered window, explained
    # Against the previous rota, when one was given: (added, removed) assignments.
    changes: tuple[list[Assignment], list[Assignment]] | None = None

    @property
    def objective(self) -> dict[str, int]:
        """The rota's score by component."""
        return self.score.as_dict()

    @property
    def bounds(self) -> dict[str, float]:
        """The best proven lower bound of each phase's objective."""
        return {phase.phase: phase.bound for phase in self.phases}

    @property
    def gaps(self) -> dict[str, float]:
        """Each phase's relative optimality gap: 0 is proven optimal."""
        return {phase.phase: (phase.objective - phase.bound) / max(1.0, abs(phase.objective))
                for phase in self.phases}


class _Reporter(cp_model.CpSolverSolutionCallback):
    """Passes improving solutions to on_progress and notes when full cover was first reached."""

    def __init__(self, phase: str, started: float, on_progress: Callable[[Progress], None] | None):
        super().__init__()
        self.phase, self.started, self.on_progress = phase, started, on_progress
        self.first_zero: float | None = None

    def on_solution_callback(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.phase == "uncovered_minutes" and self.objective_value == 0 and self.first_zero is None:
            self.first_zero = elapsed
        if self.on_progress:
            self.on_progress(Progress(self.phase, self.objective_value, self.best_objective_bound, elapsed))


def solve(problem: Problem, time_limit_s: float = 60.0, workers: int = 2, previous_rota: Rota | None = None,
          on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None) -> SolveResult:
    """Make the best rota within the time limit; never raises for an under-staffed problem.

    With previous_rota (the published one), the new rota keeps as much of it as the higher priorities allow.
    Setting `stop` ends the search early: the result is the best rota found so far.
    """
    stop = stop or threading.Event()
    started = time.monotonic()
    # A greedy rota first: an answer within a second even if the model later finds nothing better.
    step = constraints.time_step(problem)
    start_rota = add_on_call(problem, greedy_rota(problem, step, seed=previous_rota))
    result = SolveResult(rota=start_rota, score=score(problem, start_rota), status="feasible")
    if result.score.uncovered_minutes == 0:
        result.first_full_cover_seconds = time.monotonic() - started
    rm = constraints.build(problem, previous_rota, hint=start_rota)
    rm.objectives["balance"] = _balance(problem, rm)
    rm.objectives["last"] = rm.objectives["rostered_minutes" if previous_rota is None else "changed_minutes"]
    model = rm.model
    _hint(rm, start_rota)
    remaining_share = 1.0
    solved = None
    for phase in PHASES:
        if stop.is_set():
            break
        share = PHASE_SHARE[phase] / remaining_share
        remaining_share -= PHASE_SHARE[phase]
        if phase == "uncovered_minutes" and result.score.uncovered_minutes == 0:
            # The greedy rota already covers everything: nothing can do better, so go straight on.
            model.add(rm.objectives[phase] == 0)
            result.phases.append(PhaseResult(phase, "optimal", 0, 0, 0.0))
            continue
        if phase == "fairness":
            best_so_far = score(problem, rota_from_values(rm, solved)) if solved else result.score
            rm.objectives[phase] = _fairness(problem, rm, best_so_far.max_weekend_days - 1, solved)
        budget = max(0.5, (time_limit_s - (time.monotonic() - started)) * share)
        phase_end = time.monotonic() + budget
        if phase == "fairness":
            budget *= FAIRNESS_SEARCH_SHARE
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = budget
        solver.parameters.num_workers = workers
        # Probing and symmetry detection cost more than half a minute on a 90-person, 12-service month
        # and buy little here; the greedy hint gives the search its start instead.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        # A phase that starts from a complete solution (every phase after the first that ran) skips presolve,
        # about 10 s on a trust month, and searches from that solution at once; measured on trust-12-services,
        # this trims more and spreads hours better within the same minute.
        solver.parameters.cp_model_presolve = solved is None
        model.minimize(rm.objectives[phase])
        reporter = _Reporter(phase, started, on_progress)
        status = _solve_unless_stopped(solver, model, reporter, stop)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Out of time before a first solution: the later phases still start from the best rota so far.
            result.phases.append(PhaseResult(phase, STATUS_NAMES.get(status, "unknown"), float("nan"),
                                             float("nan"), solver.wall_time))
            continue
        if reporter.first_zero is not None and result.first_full_cover_seconds is None:
            result.first_full_cover_seconds = reporter.first_zero
        value = round(solver.objective_value)
        result.phases.append(PhaseResult(phase, STATUS_NAMES[status], value, solver.best_objective_bound,
                                         solver.wall_time))
        solved = list(solver.response_proto.solution)  # every variable's value, by its index in the model
        if phase == "fairness":
            solved, value = _weekend_neighbourhoods(problem, rm, solved, value, phase_end, workers, stop)
        # Keep this phase's result while the later ones improve on lower priorities.
        model.add(rm.objectives[phase] <= value)
        _hint_all(model, solved)
    if solved is not None:
        # A search cut short can leave a window someone could still cover by the rules: cover it now.
        solved_rota = add_on_call(problem, repair(problem, rota_from_values(rm, solved), step))
        if score(problem, solved_rota) <= result.score:
            result.rota, result.score = solved_rota, score(problem, solved_rota)
    result.status = "optimal" if result.phases and all(p.status == "optimal" for p in result.phases) \
        and len(result.phases) == len(PHASES) else "feasible"
    result.unmet = explain(problem, result.rota)
    if previous_rota is not None:
        result.changes = result.rota.changes_from(previous_rota)
    result.seconds = time.monotonic() - started
    return result


def _weekend_neighbourhoods(problem: Problem, rm: constraints.RotaModel, solved: list[int], value: int,
                            deadline: float, workers: int, stop: threading.Event,
                            seed: int = 0) -> tuple[list[int], int]:
    """Large neighbourhood search on the fairness objective from the fairness phase's rota (`solved`, whose
    objective is `value`); returns the best rota found and its value.

    CP-SAT's own neighbourhoods rarely free the right work together: bringing one person's weekend days down takes
    a chain of hand-overs between people trained for the same services. Each round picks someone at the worst
    weekend figure and frees either their work and a sample of their colleagues', or everyone's work on one
    weekend they work; everything else stays as in the best rota so far, and CP-SAT solves that small model.
    The weekend-excess term counts each person brought below the worst figure, so progress shows before the
    figure itself moves. Measured on trust-12-services: the people at the worst figure go from 7-17 to 1-3."""
    rng = random.Random(seed)
    best, rounds = solved, 0
    while not stop.is_set() and deadline - time.monotonic() > 1.0:
        free = _neighbourhood(problem, rm, best, rng, by_weekend=bool(rounds % 2))
        if free is None:
            break
        rounds += 1
        sub = rm.model.clone()
        for key, variable in (*rm.shifts.items(), *rm.checks.items()):
            if not free(key):
                domain = sub.proto.variables[variable.index].domain
                domain[0] = domain[1] = best[variable.index]
        _hint_all(sub, best)
        sub.minimize(rm.objectives["fairness"])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = min(NEIGHBOURHOOD_SECONDS, deadline - time.monotonic())
        solver.parameters.num_workers = workers
        status = solver.solve(sub)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and round(solver.objective_value) < value:
            best, value = list(solver.response_proto.solution), round(solver.objective_value)
    return best, value


def _neighbourhood(problem: Problem, rm: constraints.RotaModel, values: list[int], rng: random.Random,
                   by_weekend: bool) -> Callable[[tuple], bool] | None:
    """Which shift and check keys (staff, service, day, ...) a round frees; None when nobody works a weekend."""
    weekend_days = [d for d in range(problem.days) if d % 7 in WEEKEND]

    def works(pid: str, day: int) -> bool:
        return (pid, day) in rm.work_day and bool(values[rm.work_day[(pid, day)].index])

    worked = {pid: sum(works(pid, d) for d in weekend_days) + problem.past(pid).weekend_days
              for pid, person in problem.staff.items() if person.role != "volunteer"}
    worst = max(worked.values(), default=0)
    at_worst = sorted(pid for pid, days in worked.items() if days == worst and any(works(pid, d) for d in weekend_days))
    if not at_worst:
        return None
    focus = rng.choice(at_worst)
    if by_weekend:
        monday = rng.choice(sorted({d - d % 7 for d in weekend_days if works(focus, d)}))
        days = {d for d in weekend_days if monday <= d < monday + 7}
        return lambda key: key[2] in days
    colleagues = [pid for pid, person in problem.staff.items()
                  if pid != focus and person.services & problem.staff[focus].services]
    # Half the room to those with the fewest weekends (likeliest takers), half at random (for longer chains).
    rng.shuffle(colleagues)
    fewest = sorted(colleagues, key=lambda pid: worked.get(pid, 0))[:NEIGHBOURHOOD_SIZE // 2]
    people = {focus, *fewest, *[pid for pid in colleagues if pid not in fewest][:NEIGHBOURHOOD_SIZE // 2]}
    return lambda key: key[0] in people


def _solve_unless_stopped(solver: cp_model.CpSolver, model: cp_model.CpModel, reporter: _Reporter,
                          stop: threading.Event) -> int:
    """Solve, ending the search as soon as `stop` is set (CP-SAT keeps its best solution so far)."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if stop.wait(0.1):
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.solve(model, reporter)
    finally:
        done.set()
        watcher.join()


def _balance(problem: Problem, rm: constraints.RotaModel) -> cp_model.LinearExpr:
    """Contract shortfall, then preferences, then weekend and evening duty: each weight larger than everything after
    it can add up to, so the order is strict."""
    most_evenings = problem.days + max((problem.past(pid).evenings for pid in problem.staff), default=0)
    most_weekend_days = problem.days + max((problem.past(pid).weekend_days for pid in problem.staff), default=0)
    weekend_weight = most_evenings + 1
    preference_weight = weekend_weight * (most_weekend_days + 1)
    worst_preferences = sum(pref.weight * problem.days for person in problem.staff.values()
                            for pref in person.preferences)
    contract_weight = preference_weight * (worst_preferences + 1)
    return (contract_weight * rm.objectives["contract_short_minutes"]
            + preference_weight * rm.objectives["preference_penalty"]
            + weekend_weight * rm.objectives["max_weekend_days"] + rm.objectives["max_evenings"])


def _fairness(problem: Problem, rm: constraints.RotaModel, weekend_cap: int,
              solution: list[int] | None) -> cp_model.LinearExpr:
    """Weekends (the worst-off figure, then the days beyond weekend_cap that keep it up), then evenings, then hours
    beyond contract: each weight larger than everything after it can add up to, so the order is strict."""
    over = rm.objectives["max_minutes_over_contract"]
    evening_weight = over.proto.domain[-1] - over.proto.domain[0] + 1
    most_evenings = problem.days + max((problem.past(pid).evenings for pid in problem.staff), default=0)
    excess_weight = (most_evenings + 1) * evening_weight
    excess = constraints.weekend_excess(rm, weekend_cap, solution)
    most_excess = sum(problem.days + problem.past(pid).weekend_days for pid in problem.staff)
    return ((most_excess + 1) * excess_weight * rm.objectives["max_weekend_days"] + excess_weight * excess
            + evening_weight * rm.objectives["max_evenings"] + over)


def _hint(rm: constraints.RotaModel, rota: Rota) -> None:
    """Start the search from a rota: its shifts and checks on, everything else off."""
    shifts = {(a.staff, a.service, a.day, a.start, a.end) for a in rota.assignments if a.kind == Kind.PRESENCE}
    checks = {(a.staff, a.service, a.day, a.start) for a in rota.assignments if a.kind == Kind.CHECK}
    for key, variable in rm.shifts.items():
        rm.model.add_hint(variable, key in shifts)
    for key, variable in rm.checks.items():
        rm.model.add_hint(variable, key in checks)


def _hint_all(model: cp_model.CpModel, values: list[int]) -> None:
    """Hint every variable with a solution's value: a complete hint is taken as a first solution at once, where an
    incomplete one can cost the search the whole of a short phase to complete."""
    model.clear_hints()
    model.proto.solution_hint.vars.extend(range(len(values)))
    model.proto.solution_hint.values.extend(values)


def rota_from_values(rm: constraints.RotaModel, values: list[int]) -> Rota:
    """The rota of a solution (values by variable index): one assignment per chosen shift and check."""
    assignments = [Assignment(day, start, end, staff, service, Kind.PRESENCE)
                   for (staff, service, day, start, end), shift in rm.shifts.items() if values[shift.index]]
    for (staff, service, day, t), c in rm.checks.items():
        if values[c.index]:
            minutes = rm.problem.services[service].checks.minutes
            assignments.append(Assignment(day, t, t + minutes, staff, service, Kind.CHECK))
    return Rota(tuple(sorted(assignments)))


def add_on_call(problem: Problem, rota: Rota) -> Rota:
    """Put a trained clinician on call wherever supervised work has no supervisor on duty for that service."""
    rules = problem.rules
    on_duty = defaultdict(list)
    for a in rota.assignments:
        if problem.staff[a.staff].role in rules.supervisor_roles:
            on_duty[(a.service, a.day)].append((a.start, a.end))
    on_call = []
    for a in sorted(rota.assignments):
        if problem.staff[a.staff].role not in rules.supervised_roles:
            continue
        for start, end in _uncovered(a.start, a.end, on_duty[(a.service, a.day)]):
            for part in _cover_with_supervisors(problem, a.service, a.day, start, end):
                on_call.append(part)
                on_duty[(a.service, a.day)].append((part.start, part.end))
    return Rota(tuple(sorted(rota.assignments + tuple(on_call))))


def _uncovered(start: int, end: int, intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
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


def _cover_with_supervisors(problem: Problem, service: str, day: int, start: int, end: int) -> list[Assignment]:
    """On-call assignments covering [start, end), preferring clinicians who have not asked to avoid that time."""
    candidates = []
    for person, window in problem.supervisor_windows(service, day):
        on_call = Assignment(day, start, end, person.id, service, Kind.ON_CALL)
        avoids = any(p.kind == "avoid" and p.counts(on_call) for p in person.preferences)
        overlap = (max(start, window.start), min(end, window.end))
        if overlap[0] < overlap[1]:
            candidates.append((avoids, -(overlap[1] - overlap[0]), person.id, overlap))
    parts, position = [], start
    while position < end:
        usable = [(avoids, -(min(e, end) - position), pid, (position, min(e, end)))
                  for avoids, _, pid, (s, e) in candidates if s <= position < e]
        if not usable:
            break  # the model only allows supervised work where cover exists; the validator would say otherwise
        _, _, staff, (s, e) = min(usable)
        parts.append(Assignment(day, s, e, staff, service, Kind.ON_CALL))
        position = e
    return parts
