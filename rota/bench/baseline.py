"""A plain CP-SAT rota model, the yardstick the engine is measured against (issue 4's benchmark).

What makes it plain: one Boolean per candidate shift (presence shifts starting and ending on the
hour, 3-10 hours, inside the person's availability), checks only at fixed, evenly spread times,
one weighted-sum objective, default search, no greedy start, no phases. The hard rules are the
engine's own builders (rota.constraints), so both models answer the same question.
"""

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota import constraints, cpsat
from rota.domain import Problem, Rota
from rota.score import Score, score
from rota.solver import STATUS_NAMES, add_on_call, rota_from_values

# The weighted sum of score version 2: each component's weight well above what the next one can usually add up to
# (a weekend day is worth about 166 rostered hours).
WEIGHTS = {"uncovered_minutes": 1_000_000_000, "contract_short_minutes": 1_000_000, "preference_penalty": 100_000,
           "max_weekend_days": 10_000, "rostered_minutes": 1}


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


def solve_baseline(problem: Problem, time_limit_s: float = 60.0, workers: int = 2) -> BaselineResult:
    """Build and solve the plain model within the time limit (an empty rota if it finds nothing)."""
    started = time.monotonic()
    rm = constraints.RotaModel(problem=problem, step=constraints.time_step(problem))
    constraints.add_presence_shifts(rm, edges=False)
    constraints.add_checks(rm, fixed_times=lambda service_id: fixed_check_times(problem, service_id))
    constraints.add_one_thing_at_a_time(rm)
    constraints.add_work_days(rm)
    constraints.add_contract_limits(rm)
    constraints.add_rest(rm)
    uncovered = constraints.presence_shortfall(rm) + constraints.check_shortfall(rm)
    rm.model.minimize(WEIGHTS["uncovered_minutes"] * uncovered
                      + WEIGHTS["contract_short_minutes"] * constraints.contract_shortfall(rm)
                      + WEIGHTS["preference_penalty"] * constraints.preference_penalties(rm)
                      + WEIGHTS["max_weekend_days"] * constraints.weekend_fairness(rm)
                      + WEIGHTS["rostered_minutes"] * constraints.rostered_minutes(rm))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.5, time_limit_s - (time.monotonic() - started))
    solver.parameters.num_workers = workers
    status = solver.solve(rm.model)
    rota = Rota(())
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        rota = add_on_call(problem, rota_from_values(rm, cpsat.solution_values(solver)))
    return BaselineResult(rota=rota, score=score(problem, rota), status=STATUS_NAMES.get(status, "unknown"),
                          seconds=time.monotonic() - started, variables=len(rm.model.proto.variables))
