"""Solving a rota problem with CP-SAT: objectives in strict priority order, always within a time limit.

A greedy rota comes first (rota.construct): a valid answer within a second. Then phases follow
the score's priority: cover the standards; then contract minimums and preferences together,
weighted so contracts strictly dominate; then fairness (weekends, then evenings, history
included), which gets a phase of its own because the min-max figures barely move while the
search is chasing preference points; then either trimming rostered minutes nobody needs or, on
a re-solve against a published rota, moving as few people as possible. Each phase keeps the
previous phases' results as constraints and starts from the best rota so far, so stopping early
still leaves the best rota found. A repair pass then covers any window the rules still allow
someone to take, and whatever stays uncovered is explained (rota.explain).
"""

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota import constraints
from rota.construct import greedy_rota, repair
from rota.domain import Assignment, Kind, Problem, Rota
from rota.explain import Unmet, explain
from rota.score import Score, score

# Cover first; then contracts and preferences; then fairness; last the rostered minutes themselves, so
# nobody is rostered for work the standard does not need, or on a re-solve the minutes that differ
# from the published rota. Every phase pays CP-SAT's presolve again (about 6 s on a trust month).
PHASES = ("uncovered_minutes", "preferences", "fairness", "last")
# Share of the time limit each phase may use; time a phase does not need passes to the next.
PHASE_SHARE = {"uncovered_minutes": 0.25, "preferences": 0.4, "fairness": 0.15, "last": 0.2}
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
          on_progress: Callable[[Progress], None] | None = None) -> SolveResult:
    """Make the best rota within the time limit; never raises for an under-staffed problem.

    With previous_rota (the published one), the new rota keeps as much of it as the higher priorities allow.
    """
    started = time.monotonic()
    # A greedy rota first: an answer within a second even if the model later finds nothing better.
    step = constraints.time_step(problem)
    start_rota = add_on_call(problem, greedy_rota(problem, step, seed=previous_rota))
    result = SolveResult(rota=start_rota, score=score(problem, start_rota), status="feasible")
    if result.score.uncovered_minutes == 0:
        result.first_full_cover_seconds = time.monotonic() - started
    rm = constraints.build(problem, previous_rota)
    rm.objectives["preferences"], rm.objectives["fairness"] = _weighted(problem, rm)
    rm.objectives["last"] = rm.objectives["rostered_minutes" if previous_rota is None else "changed_minutes"]
    model = rm.model
    _hint(rm, start_rota)
    remaining_share = 1.0
    solved = None
    for phase in PHASES:
        share = PHASE_SHARE[phase] / remaining_share
        remaining_share -= PHASE_SHARE[phase]
        if phase == "uncovered_minutes" and result.score.uncovered_minutes == 0:
            # The greedy rota already covers everything: nothing can do better, so go straight on.
            model.add(rm.objectives[phase] == 0)
            result.phases.append(PhaseResult(phase, "optimal", 0, 0, 0.0))
            continue
        budget = max(0.5, (time_limit_s - (time.monotonic() - started)) * share)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = budget
        solver.parameters.num_workers = workers
        # Probing and symmetry detection cost more than half a minute on a 90-person, 12-service month
        # and buy little here; the greedy hint gives the search its start instead.
        solver.parameters.cp_model_probing_level = 0
        solver.parameters.symmetry_level = 0
        model.minimize(rm.objectives[phase])
        reporter = _Reporter(phase, started, on_progress)
        status = solver.solve(model, reporter)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            result.phases.append(PhaseResult(phase, STATUS_NAMES.get(status, "unknown"), float("nan"),
                                             float("nan"), solver.wall_time))
            break
        if reporter.first_zero is not None and result.first_full_cover_seconds is None:
            result.first_full_cover_seconds = reporter.first_zero
        value = round(solver.objective_value)
        result.phases.append(PhaseResult(phase, STATUS_NAMES[status], value, solver.best_objective_bound,
                                         solver.wall_time))
        solved = _read_values(rm, solver)
        # Keep this phase's result while the later ones improve on lower priorities.
        model.add(rm.objectives[phase] <= value)
        model.clear_hints()
        for variable, assigned in solved.items():
            model.add_hint(variable, assigned)
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


def _weighted(problem: Problem, rm: constraints.RotaModel) -> tuple[cp_model.LinearExpr, cp_model.LinearExpr]:
    """Contract shortfall over preferences; weekends over evenings over hours beyond contract. Each weight is
    larger than everything below it can add up to, so the order within each phase is strict."""
    worst_preferences = sum(pref.weight * problem.days for person in problem.staff.values()
                            for pref in person.preferences)
    contracts = rm.objectives["contract_short_minutes"]
    preferences = (worst_preferences + 1) * contracts + rm.objectives["preference_penalty"]
    over = rm.objectives["max_minutes_over_contract"]
    evening_weight = over.proto.domain[-1] - over.proto.domain[0] + 1
    most_evenings = problem.days + max((problem.past(pid).evenings for pid in problem.staff), default=0)
    fairness = ((most_evenings + 1) * evening_weight * rm.objectives["max_weekend_days"]
                + evening_weight * rm.objectives["max_evenings"] + over)
    return preferences, fairness


def _hint(rm: constraints.RotaModel, rota: Rota) -> None:
    """Start the search from a rota: its slots and checks on, everything else off."""
    chosen = set()
    for a in rota.assignments:
        if a.kind == Kind.CHECK:
            chosen.add((a.staff, a.service, a.day, a.start))
        elif a.kind == Kind.PRESENCE:
            person = rm.problem.staff[a.staff]
            windows = rm.problem.windows(person, a.day)
            w = next(i for i, window in enumerate(windows) if window.contains(a.start, a.end))
            chosen.update((a.staff, a.service, a.day, w, t) for t in range(a.start, a.end, rm.step))
    for key, variable in [*rm.presence.items(), *rm.checks.items()]:
        rm.model.add_hint(variable, key in chosen)


def _read_values(rm: constraints.RotaModel, solver: cp_model.CpSolver) -> dict:
    variables = [*rm.presence.values(), *rm.checks.values(), *rm.work_day.values()]
    return {variable: solver.boolean_value(variable) for variable in variables}


def rota_from_values(rm: constraints.RotaModel, values: dict) -> Rota:
    """Turn the chosen slots into assignments: one per presence block, one per check."""
    step, assignments = rm.step, []
    blocks = defaultdict(list)
    for (staff, service, day, w, t), x in rm.presence.items():
        if values[x]:
            blocks[(staff, service, day, w)].append(t)
    for (staff, service, day, _), slots in blocks.items():
        slots.sort()
        assignments.append(Assignment(day, slots[0], slots[-1] + step, staff, service, Kind.PRESENCE))
    for (staff, service, day, t), c in rm.checks.items():
        if values[c]:
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
