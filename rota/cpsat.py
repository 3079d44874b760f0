"""The few places the engine reaches past CP-SAT's documented Python API, in one small tested adapter.

The engine keeps a solution as every variable's value by its index in the model (what `CpSolverResponse.solution`
holds), so a phase can start the next from it, a neighbourhood can fix what it does not free, and an objective can
be measured on it without solving again. An OR-Tools upgrade that changes any of this breaks tests/rota/test_cpsat.py,
not the solver.
"""

import threading
from collections.abc import Callable, Iterable, Mapping

from ortools.sat.python import cp_model, cp_model_helper


def solution_values(response: cp_model.CpSolver | cp_model.CpSolverSolutionCallback) -> list[int]:
    """Every variable's value in the solver's (or a solution callback's) current solution, by variable index."""
    return list(response.response_proto.solution)


def value_at(expression: cp_model.LinearExprT, values: list[int]) -> int:
    """A linear expression's value in a solution given as every variable's value by index."""
    if isinstance(expression, int):
        return expression
    flat = cp_model_helper.FlatIntExpr(expression)
    return flat.offset + sum(coeff * values[variable.index]
                             for variable, coeff in zip(flat.vars, flat.coeffs, strict=True))


def hint_all(model: cp_model.CpModel, values: list[int]) -> None:
    """Hint every variable with a solution's value: a complete hint is taken as a first solution at once, where an
    incomplete one can cost the search the whole of a short phase to complete."""
    model.clear_hints()
    model.proto.solution_hint.vars.extend(range(len(values)))
    model.proto.solution_hint.values.extend(values)


def configure(solver: cp_model.CpSolver, parameters: Mapping[str, object]) -> None:
    """Set CP-SAT parameters by name; a list extends a repeated field (such as the subsolvers to run)."""
    for name, setting in parameters.items():
        if isinstance(setting, list):
            getattr(solver.parameters, name).extend(setting)
        else:
            setattr(solver.parameters, name, setting)


def fix(model: cp_model.CpModel, variable: cp_model.IntVar, value: int) -> None:
    """Fix a variable of the model (often a clone, where the variable objects are the original's) to one value."""
    fix_all(model, ((variable, value),))


def fix_all(model: cp_model.CpModel, fixed: Iterable[tuple[cp_model.IntVar, int]]) -> None:
    """Fix each variable to its value, as `fix` does one (a neighbourhood round fixes tens of thousands: the
    model's variables are looked up once, not once for each)."""
    variables = model.proto.variables
    for variable, value in fixed:
        domain = variables[variable.index].domain
        domain.clear()
        domain.extend((value, value))


def complete(model: cp_model.CpModel, decided: Mapping[cp_model.IntVar, int],
             seconds: float = 30.0) -> list[int] | None:
    """Every variable's value in a solution with the `decided` variables at the values given (the model's other
    variables follow from them), or None when the model allows none within `seconds`: a rota worked out outside the
    model, made into a complete hint."""
    fixed = model.clone()
    fixed.clear_objective()
    fixed.clear_hints()
    fix_all(fixed, decided.items())
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = seconds
    return solution_values(solver) if solver.solve(fixed) in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def solve_until(solver: cp_model.CpSolver, model: cp_model.CpModel,
                callback: cp_model.CpSolverSolutionCallback | None, enough: Callable[[], bool]) -> int:
    """Solve, ending the search as soon as `enough()` says so (asked ten times a second, from a thread of its own);
    CP-SAT keeps its best solution."""
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.1):
            if enough():
                solver.stop_search()
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        return solver.solve(model, callback)
    finally:
        done.set()
        watcher.join()
