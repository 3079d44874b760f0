"""A plain CP-SAT rota model, the yardstick the engine is measured against (issue 4's benchmark).

What makes it plain: one Boolean per candidate shift (presence shifts starting and ending on the
hour, 3-10 hours, inside the person's availability), checks only at fixed, evenly spread times,
one weighted-sum objective, default search, no greedy start, no phases. The hard rules are the
engine's own builders (rota.constraints), so both models answer the same question.
"""

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota import constraints
from rota.domain import Problem, Rota
from rota.score import Score, score
from rota.solver import STATUS_NAMES, add_on_call, rota_from_values

SHIFT_GRID = 60  # candidate presence shifts start and end on the hour
# The weighted sum: each component's weight well above what the next one can usually add up to.
WEIGHTS = {"uncovered_minutes": 1_000_000, "contract_short_minutes": 1_000, "preference_penalty": 10,
           "max_weekend_days": 1}


@dataclass
class BaselineResult:
    """The plain model's rota and how far it got."""

    rota: Rota
    score: Score
    status: str
    seconds: float
    variables: int


def fixed_check_times(problem: Problem, service_id: str) -> list[int]:
    """The per_day check start times, evenly spread over the window, on the scenario's grid."""
    checks, grid = problem.services[service_id].checks, problem.rules.granularity
    span = checks.window_end - checks.window_start
    ideals = (checks.window_start + span * (i + 1) / (checks.per_day + 1) for i in range(checks.per_day))
    return [min(round(ideal / grid) * grid, checks.window_end - checks.minutes) for ideal in ideals]


def add_candidate_shifts(rm: constraints.RotaModel) -> None:
    """One Boolean per presence shift a person could work, registered slot by slot for the shared rule builders."""
    problem, step = rm.problem, rm.step
    rules = problem.rules
    for person in problem.staff.values():
        for service_id in sorted(person.services):
            service = problem.services[service_id]
            for day in range(problem.days):
                segments = service.segments_on(day % 7)
                if not segments or problem.date_of(day) in person.leave \
                        or not any(person.role in segment.roles for segment in segments):
                    continue
                opens, closes = min(s.window.start for s in segments), max(s.window.end for s in segments)
                supervision = constraints.supervisable_minutes(rm, service_id, day) \
                    if person.role in rules.supervised_roles else None
                for window in problem.windows(person, day):
                    first, last = max(window.start, opens), min(window.end, closes)
                    for start in range(-(-first // SHIFT_GRID) * SHIFT_GRID, last, SHIFT_GRID):
                        longest = min(last, start + rules.presence_max_minutes)
                        for end in range(start + rules.presence_min_minutes, longest + 1, SHIFT_GRID):
                            if supervision is not None and not constraints.within(start, end, supervision):
                                continue
                            shift = rm.model.new_bool_var(f"shift[{person.id},{service_id},d{day},{start}-{end}]")
                            for t in range(start, end, step):
                                # The key's fourth part tells candidate shifts apart when reading the rota back.
                                rm.presence[(person.id, service_id, day, (start, end), t)] = shift
                                rm.occupy(person.id, service_id, day, t, shift)
                            rm.worked[(person.id, day // 7)].append((end - start) * shift)


def solve_baseline(problem: Problem, time_limit_s: float = 60.0, workers: int = 2) -> BaselineResult:
    """Build and solve the plain model within the time limit (an empty rota if it finds nothing)."""
    started = time.monotonic()
    rm = constraints.RotaModel(problem=problem, step=constraints.time_step(problem))
    add_candidate_shifts(rm)
    constraints.add_checks(rm, fixed_times=lambda service_id: fixed_check_times(problem, service_id))
    constraints.add_one_thing_at_a_time(rm)
    constraints.add_work_days(rm)
    constraints.add_contract_limits(rm)
    constraints.add_rest(rm)
    uncovered = constraints.presence_shortfall(rm) + constraints.check_shortfall(rm)
    rm.model.minimize(WEIGHTS["uncovered_minutes"] * uncovered
                      + WEIGHTS["contract_short_minutes"] * constraints.contract_shortfall(rm)
                      + WEIGHTS["preference_penalty"] * constraints.preference_penalties(rm)
                      + WEIGHTS["max_weekend_days"] * constraints.weekend_fairness(rm))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit_s - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    status = solver.solve(rm.model)
    rota = Rota(())
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        variables = [*rm.presence.values(), *rm.checks.values()]
        rota = add_on_call(problem, rota_from_values(rm, {v: solver.boolean_value(v) for v in variables}))
    return BaselineResult(rota=rota, score=score(problem, rota), status=STATUS_NAMES.get(status, "unknown"),
                          seconds=time.monotonic() - started, variables=len(rm.model.proto.variables))
