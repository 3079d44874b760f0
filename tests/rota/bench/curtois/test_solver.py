"""The search for a Curtois & Qu roster: a solved instance, the start from a roster that only keeps the rules, the
neighbourhood rounds and the best rows."""

import random
import threading
import time

import pytest
from ortools.sat.python import cp_model

from rota import cpsat, lns
from rota.bench.curtois import solver as curtois_solver
from rota.bench.curtois.check import broken_rules, penalty
from rota.bench.curtois.instance import parse_instance
from rota.bench.curtois.model import build_model
from rota.bench.curtois.solver import best_rows, first_roster, neighbourhoods, solve_instance
from tests.rota.bench.curtois.builders import instance_file


def test_instance_1_is_solved_to_its_best_known_penalty():
    path = instance_file("Instance1.txt")
    instance = parse_instance(path.read_text(), path.name)
    result = solve_instance(instance, time_limit_s=20, workers=2)  # proven in under a second on an idle machine
    assert broken_rules(instance, result.roster) == []
    assert (result.status, result.penalty) == ("optimal", 607)  # best known in best_known.csv, proven here


def test_a_search_that_finds_no_roster_in_its_first_tenth_starts_again_from_one_that_keeps_the_rules(tiny,
                                                                                                     monkeypatch):
    """As on Instance20, where the search with its objective finds no roster in a minute: it gives up, a roster
    keeping every hard rule is found without the objective, made better one employee's row at a time, and the
    search starts again from it."""
    def finds_nothing(solver, model, *limits):
        nothing = model.clone()
        nothing.add_bool_or([])  # no roster can keep an empty clause
        return solver.solve(nothing)

    monkeypatch.setattr(curtois_solver, "_solve_or_give_up", finds_nothing)
    result = solve_instance(tiny, time_limit_s=3, workers=1)
    assert result.roster and broken_rules(tiny, result.roster) == []
    assert result.penalty == penalty(tiny, result.roster)


def test_neighbourhood_search_brings_a_roster_that_only_keeps_the_rules_to_the_least_penalty(tiny):
    """What the search does after CP-SAT's whole-model search stalls (rota.lns with the instance's rounds)."""
    least = solve_instance(tiny, time_limit_s=5, workers=1)
    assert least.status == "optimal"
    m = build_model(tiny)
    first = first_roster(m.model, 5, 1)
    start = penalty(tiny, m.roster(tiny, first))
    assert start > least.penalty, "the first roster ignores the penalty"
    rotation = neighbourhoods(tiny, m)
    values, value = lns.search(m.model, m.x, first, start, rotation.pick, time.monotonic() + 5, 1,
                               threading.Event(), lambda better, _values: None, accept_equal=True,
                               learn=rotation.learn, quiet_rounds=30)
    found = m.roster(tiny, values)
    assert broken_rules(tiny, found) == [] and penalty(tiny, found) == value == least.penalty


def _no_employee_alone_can_do_better(instance, rows) -> bool:
    """Checked on the whole model: with every other row fixed, no row of one employee's gives a lower penalty."""
    m = build_model(instance)
    for alone in instance.employees:
        fixed = m.model.clone()
        for (eid, day, shift), variable in m.x.items():
            if eid != alone:
                cpsat.fix(fixed, variable, int(rows[eid][day] == shift))
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(fixed) == cp_model.OPTIMAL
        if round(solver.objective_value) < penalty(instance, rows):
            return False
    return True


@pytest.mark.parametrize("workers", [1, 2])
def test_best_rows_keep_every_rule_and_leave_no_employee_a_better_row_alone(tiny, workers):
    """The start of a search whose whole-model search finds nothing (Instance20): rows made one employee at a time,
    each the best with the others as they are, from a roster that only keeps the rules."""
    m = build_model(tiny)
    first = m.roster(tiny, first_roster(m.model, 5, 1))
    rows = best_rows(tiny, first, time.monotonic() + 10, random.Random(0), workers)
    assert broken_rules(tiny, rows) == []
    assert penalty(tiny, rows) < penalty(tiny, first)
    assert _no_employee_alone_can_do_better(tiny, rows)


def test_rows_worked_out_at_once_are_each_taken_only_if_still_better_with_the_others_taken():
    """Two employees on a day that needs one: each row, worked out at once against the other as it was, takes its
    employee off that day; the first is taken, and the second would then leave the day short, so it is not."""
    instance = parse_instance("\n".join([
        "SECTION_HORIZON", "7", "SECTION_SHIFTS", "D,480,",
        "SECTION_STAFF", "A,D=7,9999,0,7,1,1,1", "B,D=7,9999,0,7,1,1,1",
        "SECTION_COVER", "0,D,1,100,50"]), "two")
    both = {"A": ["D"] + ["-"] * 6, "B": ["D"] + ["-"] * 6}
    assert penalty(instance, both) == 50
    rows = best_rows(instance, both, time.monotonic() + 10, random.Random(0), workers=2)
    assert sorted(row[0] for row in rows.values()) == ["-", "D"]
    assert penalty(instance, rows) == 0
