"""Large neighbourhood search (rota.lns), shared by the moderation engine and the Curtois & Qu model: rounds that
free a few decisions bring a poor solution to the best one, and each kind of round sizes itself by how it went."""

import random
import threading
import time

from ortools.sat.python import cp_model

from rota import cpsat, lns

# Six jobs, each to one of three machines, at most two jobs a machine; job j costs (j + m) % 3 on machine m.
JOBS, MACHINES = range(6), range(3)


def _jobs_model():
    model = cp_model.CpModel()
    x = {(j, m): model.new_bool_var(f"x{j}{m}") for j in JOBS for m in MACHINES}
    for j in JOBS:
        model.add_exactly_one(x[(j, m)] for m in MACHINES)
    for m in MACHINES:
        model.add(sum(x[(j, m)] for j in JOBS) <= 2)
    objective = sum((j + m) % 3 * x[(j, m)] for j in JOBS for m in MACHINES)
    model.minimize(objective)
    return model, x, objective


def _costliest_start(model, x):
    """Every job on the machine that costs it most (two a machine fits): a valid, poor solution."""
    start = model.clone()
    for j in JOBS:
        cpsat.fix(start, x[(j, (2 - j) % 3)], 1)
    solver = cp_model.CpSolver()
    assert solver.solve(start) == cp_model.OPTIMAL
    return cpsat.solution_values(solver)


def test_rounds_that_free_two_jobs_at_a_time_bring_the_costliest_solution_to_the_cheapest():
    model, x, objective = _jobs_model()
    start = _costliest_start(model, x)
    assert cpsat.value_at(objective, start) == 12
    pairs = [(a, b) for a in JOBS for b in JOBS if a < b]
    found = []
    values, value = lns.search(
        model, x, start, 12, lambda best, round_: (lambda key: key[0] in pairs[round_ % len(pairs)])
        if round_ < 3 * len(pairs) else None,
        time.monotonic() + 30, 1, threading.Event(), lambda better, _values: found.append(better))
    assert value == 0 == cpsat.value_at(objective, values), "each job on the machine that costs it nothing"
    assert found == sorted(found, reverse=True) and len(set(found)) == len(found), "each one better than the last"
    assert found[-1] == 0


def test_a_stop_request_ends_the_search_before_its_first_round():
    model, x, _objective = _jobs_model()
    start = _costliest_start(model, x)
    stop = threading.Event()
    stop.set()
    values, value = lns.search(model, x, start, 12, lambda best, round_: lambda key: True, time.monotonic() + 30, 1,
                               stop, lambda better, _values: None)
    assert (values, value) == (start, 12)


def test_a_kind_of_round_frees_more_after_rounds_solved_to_the_end_and_less_after_rounds_that_ran_out():
    size = lns.Adaptive(0.1, least=0.05, most=0.2)
    for _ in range(3):
        size.learn(lns.Outcome(proven=True, improved=False))
    grown = size.share
    assert 0.1 < grown <= 0.2 and size.count(100) == round(grown * 100)
    for _ in range(20):
        size.learn(lns.Outcome(proven=False, improved=False))
    assert size.share == 0.05 and size.count(10) == 1, "never below the least, and always one thing at least"


def test_kinds_take_turns_and_one_with_nothing_to_free_gives_way_to_the_next():
    calls = []

    def kind(name, frees):
        def pick(values, size, rng):
            calls.append(name)
            return (lambda key: True) if frees else None
        return pick

    rotation = lns.Rotation(kinds={"a": kind("a", True), "b": kind("b", False), "c": kind("c", True)},
                            sizes={name: lns.Adaptive(0.5) for name in "abc"}, rng=random.Random(1))
    assert [rotation.pick([], n) is not None for n in range(3)] == [True, True, True]
    assert calls == ["a", "b", "c", "c"], "round 1 asks b, which has nothing, and c answers"
    rotation.learn(lns.Outcome(proven=False, improved=False))
    assert rotation.sizes["c"].share < 0.5 == rotation.sizes["a"].share
