"""The adapter over CP-SAT's internals: a solution read by variable index, an expression measured on it, a full hint
taken as the first solution, a variable fixed in a clone of the model, a solution completed from some values."""

from ortools.sat.python import cp_model

from rota import cpsat


def small_model() -> tuple[cp_model.CpModel, list[cp_model.IntVar]]:
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"x{i}") for i in range(4)]
    model.add(sum(x) == 2)
    return model, x


def solved(model: cp_model.CpModel, **parameters) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    for name, value in parameters.items():
        setattr(solver.parameters, name, value)
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver


def test_a_solution_is_every_variables_value_by_index_and_expressions_are_measured_on_it():
    model, x = small_model()
    model.maximize(3 * x[0] + 2 * x[1] + x[2])
    solver = solved(model)
    values = cpsat.solution_values(solver)
    assert values == [solver.value(v) for v in x] == [1, 1, 0, 0]
    assert cpsat.value_at(3 * x[0] + 2 * x[1] + x[2] + 7, values) == 12
    assert cpsat.value_at(x[3], values) == 0 and cpsat.value_at(5, values) == 5


def test_a_full_hint_is_the_solution_when_the_search_keeps_to_it():
    model, x = small_model()
    cpsat.hint_all(model, [0, 1, 0, 1])
    assert cpsat.solution_values(solved(model, fix_variables_to_their_hinted_value=True)) == [0, 1, 0, 1]
    cpsat.hint_all(model, [1, 0, 1, 0])  # a second hint replaces the first
    assert cpsat.solution_values(solved(model, fix_variables_to_their_hinted_value=True)) == [1, 0, 1, 0]


def test_fixing_a_variable_in_a_clone_leaves_the_model_free():
    model, x = small_model()
    model.maximize(x[0] + x[1])
    clone = model.clone()
    cpsat.fix(clone, x[0], 0)
    assert cpsat.solution_values(solved(clone))[:2] == [0, 1]
    assert cpsat.solution_values(solved(model))[:2] == [1, 1]


def test_a_variable_with_holes_in_its_domain_is_fixed_to_one_value():
    model = cp_model.CpModel()
    y = model.new_int_var_from_domain(cp_model.Domain.from_values([1, 3, 5]), "y")
    model.maximize(y)
    cpsat.fix(model, y, 3)
    assert cpsat.solution_values(solved(model)) == [3]


def test_a_solution_is_completed_from_some_variables_values_or_refused_when_they_break_a_constraint():
    model, x = small_model()
    total = model.new_int_var(0, 10, "total")
    model.add(total == 5 * x[0] + x[1])
    model.maximize(total)
    assert cpsat.complete(model, {x[0]: 0, x[1]: 1, x[2]: 1}) == [0, 1, 1, 0, 1]
    assert cpsat.complete(model, {x[0]: 1, x[1]: 1, x[2]: 1}) is None  # three of four where two must be
    assert cpsat.solution_values(solved(model))[:2] == [1, 1]  # the model itself is left as it was
