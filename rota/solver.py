"""Solving a rota problem with CP-SAT: objectives in strict priority order, always within a time limit.

A greedy rota comes first (rota.construct): a valid answer within a second. Beside the search, a
thread works out everyone's own best (rota.bounds): lower bounds for contract shortfall and
preferences, and for the weekend figure at those. Then phases follow the score's priority: cover
the standards; then contract minimums, preferences and fairness (weekend then evening duty)
together, weighted so each strictly dominates the next, and then a neighbourhood search that frees
the work around one person short of their own best at a time (the phase ends early once everyone's
own best is reached); then fairness again with preferences fixed, guided by the weekend days above
the worst-off figure (a min-max does not move until everyone at the maximum comes down together)
and with hours beyond contract as its last term (history counted throughout), and then a
neighbourhood search that frees one worst-off person's colleagues or weekend at a time, unless the
bounds show the figure cannot come down; then either trimming rostered minutes nobody needs (from the
rota with each piece of work nobody needs already taken off, rota.trim) or, on a re-solve against a
published rota, moving as few people as possible. Each phase keeps the previous phases' results as
constraints and starts from the best rota so far, so stopping early still leaves the best rota found.
A repair pass then covers any window the rules still allow someone to take, work nobody needs comes
off again, and whatever stays uncovered is explained (rota.explain).
"""

import random
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota import constraints, cpsat, lns, parts
from rota.bounds import Bounds, person_bounds
from rota.construct import greedy_rota, repair
from rota.domain import WEEKEND, Assignment, Kind, Problem, Rota, uncovered_parts
from rota.explain import Unmet, explain
from rota.score import Score, contract_shortfalls, score, unmet_preferences
from rota.trim import take_off_unneeded, trim
from rota.validate import validate

NEIGHBOURHOOD_SIZE = 16  # people freed in a round, besides the one at the worst weekend figure
NEIGHBOURHOOD_SECONDS = 3.0
# The balance phase's own search gives way to neighbourhood search after this long without a better rota (on
# trust-12-services and its short-staffed variant, neighbourhood rounds then gain more a second).
STALLED_SECONDS = 4.0
# Everyone's own best (rota.bounds) is worked out beside the search, within this part of the time limit.
BOUNDS_SHARE = 0.5
# Setting up the whole CP-SAT model takes about this long per person, service they are trained for and day, on this
# kind of machine (the measurements are in docs/benchmarks.md). When that would take more than this share of the
# time limit, the whole problem is not searched at once but a group of services at a time: a run asked for a minute
# never takes three.
BUILD_SECONDS_PER_UNIT = 0.0007
MOST_BUILD_SHARE = 0.5
# Such a problem is improved a group of services at a time (rota.parts): each part is searched for at most
# PART_SECONDS, its model's set-up kept to PART_BUILD_SHARE of them; a part given less than LEAST_PART_SECONDS is
# not started.
PART_SECONDS = 20.0
PART_BUILD_SHARE = 0.35
LEAST_PART_SECONDS = 4.0
STATUS_NAMES = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible",
                cp_model.MODEL_INVALID: "invalid", cp_model.UNKNOWN: "unknown"}


# The score's figures a manager follows while a rota is made, for the best rota so far.
FIGURES = ("uncovered_minutes", "contract_short_minutes", "preference_penalty", "max_weekend_days")


@dataclass(frozen=True)
class Progress:
    """An improving solution found while solving, with the score's figures (FIGURES) of that rota."""

    phase: str
    objective: float
    bound: float
    seconds: float
    figures: dict[str, int] = field(default_factory=dict)


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
    # Every person's own best (rota.bounds), when worked out in time: how good any rota could be
    person_bounds: Bounds | None = None
    # Set when the whole problem was not searched at once (the seconds setting it up would take, more than the time
    # allows): the rota is the greedy construction's, improved a group of services at a time (rota.parts).
    search_skipped_seconds: float | None = None
    parts_tried: int = 0
    parts_improved: int = 0
    setup_seconds: float = 0.0  # the greedy start and setting up the model, before any search

    @property
    def lower_bounds(self) -> dict[str, int]:
        """What no rota of the model's candidate work can beat, for the score components everyone's own best
        bounds: contract shortfall, preference points, and the worst-off weekend figure at those two."""
        if self.person_bounds is None:
            return {}
        b, s = self.person_bounds, self.score
        return {"contract_short_minutes": b.contract_short_minutes, "preference_penalty": b.preference_penalty,
                "max_weekend_days": b.weekend_bound(s.contract_short_minutes, s.preference_penalty)}

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
    """Passes improving solutions to on_progress, with the figures a manager follows (FIGURES) measured on the rota
    itself at most once a second (the model's own terms are only bounds on them in phases that do not minimise
    them), and notes when full cover was first reached."""

    def __init__(self, phase: str, started: float, on_progress: Callable[[Progress], None] | None,
                 measure: Callable[[list[int]], dict[str, int]], shown: dict[str, int],
                 watched: dict[str, cp_model.LinearExpr] | None = None):
        super().__init__()
        self.phase, self.started, self.on_progress, self.measure = phase, started, on_progress, measure
        self.first_zero: float | None = None
        self.watched = watched or {}
        self.figures: dict[str, int] = {}  # the latest solution's value of each watched term of the model
        self.shown, self.measured_at = shown, 0.0
        self.last_found = time.monotonic()  # when the latest solution came

    def on_solution_callback(self) -> None:
        self.last_found = time.monotonic()
        self.figures = {name: self.value(expression) for name, expression in self.watched.items()}
        if self.phase == "uncovered_minutes" and self.objective_value == 0 and self.first_zero is None:
            self.first_zero = time.monotonic() - self.started
        self.report(self.objective_value, self.best_objective_bound, lambda: cpsat.solution_values(self))

    def report(self, objective: float, bound: float, values: Callable[[], list[int]]) -> None:
        """Pass an improving solution on (also one found by neighbourhood search after the phase's own); `values`
        gives every variable's value in it."""
        if not self.on_progress:
            return
        if time.monotonic() - self.measured_at >= 1.0:
            self.shown, self.measured_at = self.measure(values()), time.monotonic()
        self.on_progress(Progress(self.phase, objective, bound, time.monotonic() - self.started, dict(self.shown)))


def solve(problem: Problem, time_limit_s: float = 60.0, workers: int = 2, previous_rota: Rota | None = None,
          on_progress: Callable[[Progress], None] | None = None, stop: threading.Event | None = None,
          start: Rota | None = None) -> SolveResult:
    """Make the best rota within the time limit; never raises for an under-staffed problem.

    With previous_rota (the published one), the new rota keeps as much of it as the higher priorities allow.
    Setting `stop` ends the search early: the result is the best rota found so far. A `start` rota is the search's
    first answer, kept where the rules allow, instead of the greedy construction's (a part of a larger problem).
    """
    setting_up = model_build_seconds(problem)
    if setting_up > MOST_BUILD_SHARE * time_limit_s:
        return _by_parts(problem, time_limit_s, workers, previous_rota, on_progress, stop or threading.Event(),
                         setting_up)
    search = _start(problem, time_limit_s, workers, previous_rota, on_progress, stop or threading.Event(), start)
    for phase in PHASES:
        if search.stop.is_set():
            break
        _run_phase(search, phase)
    return _finish(search)


def model_build_seconds(problem: Problem) -> float:
    """About how long setting up the whole CP-SAT model of the problem takes here."""
    return BUILD_SECONDS_PER_UNIT * parts.units(problem)


def _by_parts(problem: Problem, time_limit_s: float, workers: int, previous_rota: Rota | None,
              on_progress: Callable[[Progress], None] | None, stop: threading.Event,
              setting_up: float) -> SolveResult:
    """For a problem too large to search whole within the time allowed: the greedy rota (keeping what it can of the
    previous one), then a part at a time (rota.parts), most unmet wishes first, each searched from the rota's own
    work for it within PART_SECONDS, its answer kept when the whole rota is valid and scores better, until the time
    is up or `stop` is set. The result is explained as any other."""
    started = time.monotonic()
    deadline = started + time_limit_s
    rota = add_on_call(problem, greedy_rota(problem, constraints.time_step(problem), seed=previous_rota))
    result = SolveResult(rota=rota, score=score(problem, rota), status="feasible", search_skipped_seconds=setting_up)
    if result.score.uncovered_minutes == 0:
        result.first_full_cover_seconds = time.monotonic() - started

    def report(_part_progress: Progress | None = None, phase: str = "part") -> None:
        """The whole rota's best figures so far and the time: at the start, while a part is searched (time moves
        on) and after each part kept."""
        if on_progress:
            on_progress(Progress(phase, float("nan"), float("nan"), time.monotonic() - started,
                                 _figures(result.score)))

    report(phase="start")
    # What setting up costs a unit on this machine now: the estimate at first, then the slowest a part has taken
    # (a part's people have more candidate shifts a unit than a trust's; a loaded machine is slower).
    per_unit = BUILD_SECONDS_PER_UNIT
    improving = True
    while improving:  # passes over every part, while the last one improved the rota
        improving = False
        for seed in parts.seeds(problem, result.rota):
            seconds = min(PART_SECONDS, deadline - time.monotonic())
            if stop.is_set() or seconds < LEAST_PART_SECONDS:
                improving = False
                break
            services = parts.group(problem, seed, int(PART_BUILD_SHARE * seconds / per_unit))
            if per_unit * parts.units(problem, services) > MOST_BUILD_SHARE * seconds:
                continue  # one service alone too large for the time left
            sub, own = parts.part(problem, result.rota, services)
            published = None if previous_rota is None else parts.only(previous_rota, services)
            solved = solve(sub, seconds, workers, published, stop=stop, start=own, on_progress=report)
            per_unit = max(per_unit, solved.setup_seconds / parts.units(sub))
            merged = parts.merge(result.rota, services, solved.rota)
            result.parts_tried += 1
            reached = score(problem, merged)
            if reached < result.score and not validate(problem, merged):
                result.rota, result.score, improving = merged, reached, True
                result.parts_improved += 1
                if reached.uncovered_minutes == 0 and result.first_full_cover_seconds is None:
                    result.first_full_cover_seconds = time.monotonic() - started
                report()
    result.unmet = explain(problem, result.rota)
    if previous_rota is not None:
        result.changes = result.rota.changes_from(previous_rota)
    result.seconds = time.monotonic() - started
    return result


@dataclass
class _Search:
    """One solve in progress: the model, the best rota so far and what each phase reached."""

    problem: Problem
    previous_rota: Rota | None
    time_limit_s: float
    workers: int
    stop: threading.Event
    on_progress: Callable[[Progress], None] | None
    started: float
    step: int
    result: SolveResult
    shown: dict[str, int]
    bounds: Future
    rm: constraints.RotaModel
    solved: list[int] | None = None  # the latest phase's rota, as every variable's value by index
    remaining_share: float = 1.0

    def measure(self, values: list[int]) -> dict[str, int]:
        """The score's figures of a solution's rota."""
        return _figures(score(self.problem, rota_from_values(self.rm, values)))

    def elapsed(self) -> float:
        """Seconds since the solve started."""
        return time.monotonic() - self.started


def _start(problem: Problem, time_limit_s: float, workers: int, previous_rota: Rota | None,
           on_progress: Callable[[Progress], None] | None, stop: threading.Event, start: Rota | None) -> _Search:
    """Configure a solve: the greedy rota (or the `start` rota, completed) as its first answer, everyone's own best
    worked out beside it, and the model with every phase's objective, hinted with that first rota."""
    started = time.monotonic()
    # A greedy rota first: an answer within a second even if the model later finds nothing better.
    step = constraints.time_step(problem)
    start_rota = add_on_call(problem, greedy_rota(problem, step, seed=start or previous_rota))
    result = SolveResult(rota=start_rota, score=score(problem, start_rota), status="feasible")
    if result.score.uncovered_minutes == 0:
        result.first_full_cover_seconds = time.monotonic() - started
    shown = _figures(result.score)
    if on_progress:
        on_progress(Progress("start", float("nan"), float("nan"), time.monotonic() - started, shown))
    # Everyone's own best, worked out beside the search (CP-SAT's presolve leaves a core idle): the balance phase
    # stops once it reaches them, and the fairness phase knows when the weekend figure cannot come down.
    bounds = _in_background(lambda: person_bounds(problem, started + BOUNDS_SHARE * time_limit_s,
                                                  extra=start_rota.assignments, stop=stop))
    rm = constraints.build(problem, previous_rota, hint=start_rota)
    _hint(rm, start_rota)
    result.setup_seconds = time.monotonic() - started
    return _Search(problem, previous_rota, time_limit_s, workers, stop, on_progress, started, step, result, shown,
                   bounds, rm)


@dataclass(frozen=True)
class Goal:
    """What a phase minimises, set up as it starts from the best rota so far."""

    objective: cp_model.LinearExprT
    # The phase's figure is already the least possible: no neighbourhood rounds, all its time for CP-SAT's own search.
    settled: bool = False


@dataclass(frozen=True)
class Phase:
    """One row of the phase table (PHASES): its share of the time, what it minimises, the neighbourhood rounds after
    CP-SAT's own search, and when it stops early. Each hook takes the solve in progress."""

    name: str  # its objective's name in the model (rm.objectives), as PhaseResult and Progress report it
    share: float  # of the time limit; time a phase does not need passes to the next
    goal: Callable[[_Search], Goal]
    # Whether the best rota so far already has none of the objective: the phase is then not searched, its objective
    # held at 0.
    nothing_to_do: Callable[[_Search], bool] | None = None
    prepare: Callable[[_Search], None] | None = None  # a better start for the phase's search, before its goal is set
    search_share: float = 1.0  # CP-SAT's own search's part of the phase's time, unless settled; rounds have the rest
    watched: tuple[str, ...] = ()  # the model's terms noted with each solution, for `enough` and `rounds`
    # Whether CP-SAT's own search has done what it can (the search keeps its best solution).
    enough: Callable[[_Search, _Reporter], bool] | None = None
    # The rounds after CP-SAT's own search, or None where they have nothing to gain.
    rounds: Callable[[_Search, _Reporter], lns.Pick | None] | None = None
    # The named terms a phase's objective is made of, where it is more than one: a phase that finds no rota in its
    # time keeps each of them no worse than the best rota so far (empty: the objective itself). The fairness
    # objective also counts weekend days beyond a cap, through variables made for that phase, which the best rota
    # so far has no values for: so it keeps its terms, not itself.
    kept: tuple[str, ...] = ()


def _term(name: str) -> Callable[[_Search], Goal]:
    """A goal that is one of the model's named terms."""
    return lambda search: Goal(search.rm.objectives[name])


def _covered_from_the_start(search: _Search) -> bool:
    """Whether the greedy rota already covers everything: nothing can do better, so the cover phase goes straight on."""
    return search.result.score.uncovered_minutes == 0


def _balance_goal(search: _Search) -> Goal:
    """Contract shortfall, then preferences, then weekend and evening duty (_balance)."""
    return Goal(_balance(search.problem, search.rm))


def _balance_done(search: _Search, reporter: _Reporter) -> bool:
    """The balance phase is done once contracts, preferences and weekends are at everyone's own best (CP-SAT cannot
    prove that itself: its own bound stays well short of theirs); evenings are the fairness phase's to spread. Its own
    search also gives way to neighbourhood search once it stalls."""
    return _at_bounds(search.bounds, reporter.figures) or \
        bool(reporter.figures) and time.monotonic() - reporter.last_found > STALLED_SECONDS


def _balance_rounds(search: _Search, reporter: _Reporter) -> lns.Pick | None:
    """Rounds around one person short of their own best, unless everyone is at theirs already."""
    if _at_bounds(search.bounds, reporter.figures):
        return None
    return _balance_neighbourhoods(search.problem, search.rm, search.bounds, random.Random(0))


def _fairness_goal(search: _Search) -> Goal:
    """Weekends, evenings and hours beyond contract (_fairness), guided to bring people below the worst weekend
    figure, unless that figure is already the least possible: then the phase is all evenings and hours."""
    rm = search.rm
    best_so_far = score(search.problem, rota_from_values(rm, search.solved)) if search.solved else search.result.score
    settled = _weekend_settled(search.bounds, best_so_far)
    cap = best_so_far.max_weekend_days - (0 if settled else 1)
    return Goal(_fairness(search.problem, rm, cap, search.solved), settled=settled)


def _weekend_rounds(search: _Search, _reporter: _Reporter) -> lns.Pick:
    """Rounds around one person at the worst weekend figure."""
    return _weekend_neighbourhoods(search.problem, search.rm, random.Random(0))


def _last_goal(search: _Search) -> Goal:
    """The rostered minutes, so nobody is rostered for work the standard does not need; on a re-solve, the minutes
    that differ from the published rota."""
    return Goal(search.rm.objectives["rostered_minutes" if search.previous_rota is None else "changed_minutes"])


def _start_trimmed(search: _Search) -> None:
    """Start the last phase from the best rota so far with the work nobody needs taken off (rota.trim), to shapes
    of work the model has: the earlier phases leave much of it, which trimming takes off within a second where the
    phase's search takes most of its time. The rota is trimmed as the model sees it, without on call, and the model
    itself checks the result. Nothing is trimmed on a re-solve (the phase then moves as little as it can) or before
    any phase has found a rota."""
    if search.previous_rota is not None or search.solved is None:
        return
    rm = search.rm
    rota = rota_from_values(rm, search.solved)
    trimmed = take_off_unneeded(search.problem, rota,
                                allowed=lambda a: (a.staff, a.service, a.day, a.start, a.end) in rm.shifts)
    if trimmed == rota:
        return
    # None where the model's own terms judge the trimmed rota worse than the score does (say, a check the model
    # does not count off its grid): the phase then starts from the rota as it was.
    values = cpsat.complete(rm.model, _decisions(rm, trimmed), seconds=max(0.5, search.time_limit_s - search.elapsed()))
    if values is not None:
        search.solved = values
        cpsat.hint_all(rm.model, values)


# The phases in the score's priority order: cover first; then contracts, preferences and fairness; then fairness
# alone; last the rostered minutes (or, on a re-solve, the changes). Each keeps the earlier phases' results.
PHASES = (
    Phase("uncovered_minutes", share=0.3, goal=_term("uncovered_minutes"), nothing_to_do=_covered_from_the_start),
    Phase("balance", share=0.5, goal=_balance_goal, search_share=0.5,
          watched=("contract_short_minutes", "preference_penalty", "max_weekend_days"), enough=_balance_done,
          rounds=_balance_rounds),
    Phase("fairness", share=0.1, goal=_fairness_goal, search_share=0.3, rounds=_weekend_rounds,
          kept=("max_weekend_days", "max_evenings", "max_minutes_over_contract")),
    Phase("last", share=0.1, goal=_last_goal, prepare=_start_trimmed),
)


def _run_phase(search: _Search, phase: Phase) -> None:
    """Run one phase from the best rota so far, within its share of the time left, then keep its result as a
    constraint while the later phases improve on lower priorities."""
    rm, model, result = search.rm, search.rm.model, search.result
    share = phase.share / search.remaining_share
    search.remaining_share -= phase.share
    if phase.nothing_to_do is not None and phase.nothing_to_do(search):
        model.add(rm.objectives[phase.name] == 0)
        result.phases.append(PhaseResult(phase.name, "optimal", 0, 0, 0.0))
        return
    if phase.prepare is not None:
        phase.prepare(search)
    goal = phase.goal(search)
    rm.objectives[phase.name] = goal.objective
    budget = max(0.5, (search.time_limit_s - search.elapsed()) * share)
    phase_end = time.monotonic() + budget
    if not goal.settled:
        budget *= phase.search_share  # the rest is for neighbourhood search
    solver = _phase_solver(budget, search.workers, presolve=search.solved is None)
    model.minimize(goal.objective)
    watched = {name: rm.objectives[name] for name in phase.watched} or None
    reporter = _Reporter(phase.name, search.started, search.on_progress, search.measure, search.shown, watched)
    enough = None if phase.enough is None else lambda: phase.enough(search, reporter)
    status = _solve_unless_stopped(solver, model, reporter, search.stop, enough)
    search.shown = reporter.shown
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Out of time before a first solution: the later phases still start from the best rota so far, and
        # may not make this phase's objective worse than it is there.
        result.phases.append(PhaseResult(phase.name, STATUS_NAMES.get(status, "unknown"), float("nan"),
                                         float("nan"), solver.wall_time))
        if search.solved is not None:
            for name in phase.kept or (phase.name,):
                model.add(rm.objectives[name] <= cpsat.value_at(rm.objectives[name], search.solved))
        return
    if reporter.first_zero is not None and result.first_full_cover_seconds is None:
        result.first_full_cover_seconds = reporter.first_zero
    value = round(solver.objective_value)
    result.phases.append(PhaseResult(phase.name, STATUS_NAMES[status], value, solver.best_objective_bound,
                                     solver.wall_time))
    search.solved = cpsat.solution_values(solver)
    rounds = None if phase.rounds is None or goal.settled else phase.rounds(search, reporter)
    if rounds is not None:
        # CP-SAT's own neighbourhoods rarely free the right work together: these free one person's, small enough
        # that a round is nearly always proven optimal for its neighbourhood.
        search.solved, value = lns.search(
            model, {**rm.shifts, **rm.checks}, search.solved, value, rounds, phase_end, search.workers,
            search.stop, lambda better, values: reporter.report(better, solver.best_objective_bound, lambda: values),
            objective=goal.objective, round_seconds=NEIGHBOURHOOD_SECONDS)
    # Keep this phase's result while the later ones improve on lower priorities.
    model.add(goal.objective <= value)
    cpsat.hint_all(model, search.solved)


def _phase_solver(seconds: float, workers: int, *, presolve: bool) -> cp_model.CpSolver:
    """A CP-SAT solver for one phase."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    # Probing and symmetry detection cost more time than a phase has on a trust's month and buy little here; the
    # greedy hint gives the search its start instead.
    solver.parameters.cp_model_probing_level = 0
    solver.parameters.symmetry_level = 0
    # A phase that starts from a complete solution (every phase after the first that ran) skips presolve, most of a
    # trust month's set-up, and searches from that solution at once: within the same minute it then trims more and
    # spreads hours better.
    solver.parameters.cp_model_presolve = presolve
    return solver


def _finish(search: _Search) -> SolveResult:
    """The result: the best rota of the phases (repaired where a window can still be covered by the rules), or the
    greedy one if nothing beat it, its uncovered windows explained and its changes from the previous rota."""
    problem, result = search.problem, search.result
    if search.solved is not None:
        # A search cut short can leave a window someone could still cover by the rules: cover it now.
        solved_rota = add_on_call(problem, repair(problem, rota_from_values(search.rm, search.solved), search.step))
        solved_rota = trim(problem, solved_rota, keep=search.previous_rota.assignments if search.previous_rota else ())
        solved_score = score(problem, solved_rota)
        if solved_score <= result.score:
            result.rota, result.score = solved_rota, solved_score
    result.status = "optimal" if result.phases and all(p.status == "optimal" for p in result.phases) \
        and len(result.phases) == len(PHASES) else "feasible"
    result.unmet = explain(problem, result.rota)
    result.person_bounds = search.bounds.result()
    if search.previous_rota is not None:
        result.changes = result.rota.changes_from(search.previous_rota)
    result.seconds = search.elapsed()
    return result


def _balance_neighbourhoods(problem: Problem, rm: constraints.RotaModel, bounds: Future,
                            rng: random.Random) -> Callable[[list[int], int], Callable[[tuple], bool] | None]:
    """Rounds for the balance phase: each picks someone short of their own best (rota.bounds; while those are not
    known, anyone short of contract hours or with an unmet preference): contract hours first, then preferences. It
    frees either their work and a sample of their colleagues', or all work on the days their wishes are unmet for
    the services they are trained for. Since cover seldom costs a wish (on trust-12-services everyone's own best
    adds up to what the whole rota reaches), the missing hours and wishes are nearly always a few hand-overs
    away."""
    def pick(values: list[int], round_: int) -> Callable[[tuple], bool] | None:
        rota = rota_from_values(rm, values)
        unmet = unmet_preferences(problem, rota)
        penalty = defaultdict(int)
        for staff, preference, _day in unmet:
            penalty[staff] += preference.weight
        own_best = bounds.result().people if bounds.done() else {}
        short = [pid for pid, minutes in contract_shortfalls(problem, rota).items()
                 if minutes > (own_best[pid].contract_short_minutes if pid in own_best else 0)]
        behind = sorted(short or [pid for pid, points in penalty.items()
                                  if points > (own_best[pid].preference_penalty if pid in own_best else 0)])
        if not behind:
            return None
        focus = rng.choice(behind)
        if round_ % 2 and not short:
            days = {day for staff, _preference, day in unmet if staff == focus}
            services = problem.staff[focus].services
            return lambda key: key[0] == focus or (key[2] in days and key[1] in services)
        return _with_colleagues(problem, focus, rng, lambda pid: penalty[pid])
    return pick


def _with_colleagues(problem: Problem, focus: str, rng: random.Random,
                     load: Callable[[str], int]) -> Callable[[tuple], bool]:
    """Frees the person's work and that of NEIGHBOURHOOD_SIZE colleagues trained where they work: half those with
    the least `load` (likeliest to take work over), half at random (for longer chains of hand-overs)."""
    colleagues = [pid for pid, person in problem.staff.items()
                  if pid != focus and person.services & problem.staff[focus].services]
    rng.shuffle(colleagues)
    lightest = sorted(colleagues, key=load)[:NEIGHBOURHOOD_SIZE // 2]
    people = {focus, *lightest, *[pid for pid in colleagues if pid not in lightest][:NEIGHBOURHOOD_SIZE // 2]}
    return lambda key: key[0] in people


def _weekend_neighbourhoods(problem: Problem, rm: constraints.RotaModel,
                            rng: random.Random) -> Callable[[list[int], int], Callable[[tuple], bool] | None]:
    """Rounds for the fairness phase: bringing one person's weekend days down takes a chain of hand-overs between
    people trained for the same services. Each round picks someone at the worst weekend figure and frees either
    their work and a sample of their colleagues', or everyone's work on one weekend they work. The weekend-excess
    term counts each person brought below the worst figure, so progress shows before the figure itself moves (the
    number of people at the worst figure comes down even where the figure does not)."""
    weekend_days = [d for d in range(problem.days) if d % 7 in WEEKEND]

    def pick(values: list[int], round_: int) -> Callable[[tuple], bool] | None:
        def works(pid: str, day: int) -> bool:
            return (pid, day) in rm.work_day and bool(values[rm.work_day[(pid, day)].index])

        worked = {pid: sum(works(pid, d) for d in weekend_days) + problem.past(pid).weekend_days
                  for pid, person in problem.staff.items() if person.role != "volunteer"}
        worst = max(worked.values(), default=0)
        at_worst = sorted(pid for pid, days in worked.items()
                          if days == worst and any(works(pid, d) for d in weekend_days))
        if not at_worst:
            return None
        focus = rng.choice(at_worst)
        if round_ % 2:
            monday = rng.choice(sorted({d - d % 7 for d in weekend_days if works(focus, d)}))
            days = {d for d in weekend_days if monday <= d < monday + 7}
            return lambda key: key[2] in days
        return _with_colleagues(problem, focus, rng, lambda pid: worked.get(pid, 0))
    return pick


def _solve_unless_stopped(solver: cp_model.CpSolver, model: cp_model.CpModel, reporter: _Reporter,
                          stop: threading.Event, enough: Callable[[], bool] | None = None) -> int:
    """Solve, ending the search as soon as `stop` is set or `enough()` says the search has done what it can (its
    best solution cannot be beaten, or it has stalled); CP-SAT keeps its best solution."""
    return cpsat.solve_until(solver, model, reporter, lambda: stop.is_set() or (enough is not None and enough()))


def _in_background(work: Callable[[], Bounds]) -> Future:
    """Run work on a thread of its own; its result is waited for only when asked."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rota-bounds")
    future = pool.submit(work)
    pool.shutdown(wait=False)  # the thread ends with the work
    return future


def _figures(reached: Score) -> dict[str, int]:
    return {name: getattr(reached, name) for name in FIGURES}


def _at_bounds(bounds: Future, figures: dict[str, int]) -> bool:
    """Whether the figures (contract shortfall, preference points, weekend days) are at everyone's own best."""
    if not bounds.done() or not figures:
        return False
    best: Bounds = bounds.result()
    return (figures["contract_short_minutes"] <= best.contract_short_minutes
            and figures["preference_penalty"] <= best.preference_penalty
            and figures["max_weekend_days"] <= best.weekend_bound(figures["contract_short_minutes"],
                                                                  figures["preference_penalty"]))


def _weekend_settled(bounds: Future, reached: Score) -> bool:
    """Whether the worst-off weekend figure is already the least possible at the preference level reached."""
    if not bounds.done():
        return False
    return reached.max_weekend_days <= bounds.result().weekend_bound(reached.contract_short_minutes,
                                                                     reached.preference_penalty)


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
    for variable, value in _decisions(rm, rota).items():
        rm.model.add_hint(variable, value)


def _decisions(rm: constraints.RotaModel, rota: Rota) -> dict[cp_model.IntVar, int]:
    """Each shift's and check's variable in the model, 1 where the rota has that work, else 0."""
    shifts = {(a.staff, a.service, a.day, a.start, a.end) for a in rota.assignments if a.kind == Kind.PRESENCE}
    checks = {(a.staff, a.service, a.day, a.start) for a in rota.assignments if a.kind == Kind.CHECK}
    return {**{variable: int(key in shifts) for key, variable in rm.shifts.items()},
            **{variable: int(key in checks) for key, variable in rm.checks.items()}}


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
        for start, end in uncovered_parts(a.start, a.end, on_duty[(a.service, a.day)]):
            for part in _cover_with_supervisors(problem, a.service, a.day, start, end):
                on_call.append(part)
                on_duty[(a.service, a.day)].append((part.start, part.end))
    return Rota(tuple(sorted(rota.assignments + tuple(on_call))))


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
