"""The Curtois & Qu benchmark: the file format, each hard rule broken and kept, the penalty, a solved instance."""

import os
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from rota import cpsat, curtois, lns
from rota.curtois import InstanceError, broken_rules, parse_instance, parse_roster, penalty, solve_instance

BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "curtois"

# Two weeks, two shifts (N may not be followed by D), one employee A and one employee B.
TINY = "\r\n".join([
    "# comment", "SECTION_HORIZON", "14", "",
    "SECTION_SHIFTS", "D,480,", "N,600,D", "",
    "SECTION_STAFF",
    "A,D=10|N=2,6000,960,4,2,2,1",
    "B,D=14|N=0,9000,0,7,1,1,2", "",
    "SECTION_DAYS_OFF", "A,12", "",
    "SECTION_SHIFT_ON_REQUESTS", "A,0,D,3", "",
    "SECTION_SHIFT_OFF_REQUESTS", "B,1,D,2", "",
    "SECTION_COVER", "0,D,2,100,1", "1,D,1,100,1", "",
])


@pytest.fixture
def tiny():
    return parse_instance(TINY, "tiny")


def roster(tiny, a: str, b: str = "-" * 14):
    return parse_roster(tiny, f"A\t{chr(9).join(a)}\nB\t{chr(9).join(b)}\n")


def test_the_file_format_is_read(tiny):
    assert (tiny.days, tiny.minutes, tiny.cannot_follow) == (14, {"D": 480, "N": 600}, {"D": set(), "N": {"D"}})
    a = tiny.employees["A"]
    assert (a.max_shifts, a.max_minutes, a.min_minutes, a.max_consecutive, a.min_consecutive, a.min_days_off,
            a.max_weekends) == ({"D": 10, "N": 2}, 6000, 960, 4, 2, 2, 1)
    assert tiny.days_off == {"A": {12}} and tiny.cover[0].requirement == 2


def test_a_valid_roster_breaks_nothing(tiny):
    assert broken_rules(tiny, roster(tiny, "DD--DD--------")) == []


@pytest.mark.parametrize("row,words", [
    ("ND------------", "D may not follow N"),
    ("NN--NN--------", "4 N shifts, more than 2"),
    ("D-------------", "480 minutes, outside 960-6000"),
    ("DDDDD---------", "5 shifts in a row from day 0, more than 4"),
    ("DD--D--DD-----", "only 1 shifts in a row from day 4"),
    ("DD-DD---------", "only 1 days off in a row from day 2"),
    ("-----DD-----DD", "2 weekends, more than 1"),
    ("-----------DD-", "works on a day off"),
])
def test_each_hard_rule_is_caught(tiny, row, words):
    assert any(words in problem for problem in broken_rules(tiny, roster(tiny, row)))


def test_runs_touching_either_end_of_the_horizon_are_exempt(tiny):
    assert broken_rules(tiny, roster(tiny, "D---DD--------")) == []  # one shift on the first day
    assert broken_rules(tiny, roster(tiny, "---DD--------D")) == []  # one shift on the last day
    assert broken_rules(tiny, roster(tiny, "---D--DD------")) == ["A: only 1 shifts in a row from day 3"]


@settings(max_examples=80, deadline=None)
@given(row=st.lists(st.booleans(), min_size=9, max_size=9), longest=st.integers(1, 4), shortest=st.integers(1, 3),
       rest=st.integers(1, 3))
def test_both_models_of_the_runs_rules_accept_exactly_the_rows_the_checker_accepts(row, longest, shortest, rest):
    """The rule-by-rule model (the plain model's) and the model of stretches (the engine's) against the independent
    checker, on one employee's nine days with any limits on runs of work and rest."""
    instance = parse_instance("\n".join([
        "SECTION_HORIZON", "9", "SECTION_SHIFTS", "D,480,",
        "SECTION_STAFF", f"A,D=9,9999,0,{longest},{shortest},{rest},9",
        "SECTION_COVER", "0,D,1,100,1"]), "runs")
    worked = {"A": ["D" if w else "-" for w in row]}
    valid = broken_rules(instance, worked) == []
    for stretches in (False, True):
        m = curtois.build_model(instance, stretches=stretches)
        fixed = m.model.clone()
        for (eid, day, shift), variable in m.x.items():
            cpsat.fix(fixed, variable, int(worked[eid][day] == shift))
        status = cp_model.CpSolver().solve(fixed)
        assert (status == cp_model.OPTIMAL) == valid, (stretches, broken_rules(instance, worked))


def test_the_penalty_counts_requests_and_cover(tiny):
    # A's request for D on day 0 is met; B works D on day 1 against a request (2); day 0 has 1 of 2 (100);
    # day 1 has 2 of 1 (1 over).
    r = roster(tiny, "DD--DD--------", "-D------------")
    assert penalty(tiny, r) == 2 + 100 + 1


def test_bad_files_name_what_is_wrong():
    with pytest.raises(InstanceError, match="missing SECTION_COVER"):
        parse_instance(TINY.split("SECTION_COVER")[0], "cut")
    with pytest.raises(InstanceError, match="'x' is not a whole number"):
        parse_instance(TINY.replace("D,480,", "D,x,"), "bad")


def test_instance_1_is_solved_to_its_best_known_penalty():
    path = BENCHMARKS / "Instance1.txt"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared benchmarks not found at {BENCHMARKS}")
        pytest.skip(f"shared benchmarks not found at {BENCHMARKS}")
    instance = parse_instance(path.read_text(), path.name)
    result = solve_instance(instance, time_limit_s=20, workers=2)  # proven in under a second on an idle machine
    assert broken_rules(instance, result.roster) == []
    assert (result.status, result.penalty) == ("optimal", 607)  # best known in best_known.csv, proven here


def test_one_command_solves_a_folder_prints_one_table_and_writes_rosters_that_recheck(tmp_path, capsys):
    """Two copies of the tiny instance (numbered 2 and 10, to show the order is by number) and a best-known file
    that names only one of them."""
    from rota.bench.__main__ import main

    folder = tmp_path / "instances"
    folder.mkdir()
    for number in (10, 2):
        (folder / f"Instance{number}.txt").write_text(TINY)
    instance = parse_instance(TINY, "tiny")
    best = solve_instance(instance, time_limit_s=5, workers=1).penalty
    (folder / "best_known.csv").write_text(f"instance,best_known_penalty\nInstance2.txt,{best}\n")
    assert main(["curtois-all", str(folder), "--seconds", "5", "--workers", "1", "--out", str(tmp_path / "out")]) == 0
    table = capsys.readouterr().out.splitlines()
    rows = [line for line in table if line.startswith("| Instance")]
    assert [row.split(" | ")[0] for row in rows[1:]] == ["| Instance2", "| Instance10"]
    assert rows[1].split(" | ")[1:5] == [str(best), str(best), "0.0 %", "yes"]
    assert rows[1].split(" | ")[7:] == [str(best), "0.0 %", "yes |"], "the plain model's search, beside it"
    assert rows[2].split(" | ")[2:4] == ["–", "–"], "no best known for it: no comparison"
    assert table[-1] == "2 of 2 rosters valid (re-checked by the rules' checker); 1 at the best known penalty."
    for name in ("Instance2", "Instance10", "Instance2.plain"):
        written = parse_roster(instance, (tmp_path / "out" / f"{name}.roster.txt").read_text())
        assert broken_rules(instance, written) == [] and penalty(instance, written) == best


def test_a_search_that_finds_no_roster_in_its_first_tenth_starts_again_from_one_that_keeps_the_rules(tiny,
                                                                                                     monkeypatch):
    """As on Instance20, where the search with its objective finds no roster in a minute: it gives up, a roster
    keeping every hard rule is found without the objective, made better one employee's row at a time, and the
    search starts again from it."""
    def finds_nothing(solver, model, *limits):
        nothing = model.clone()
        nothing.add_bool_or([])  # no roster can keep an empty clause
        return solver.solve(nothing)

    monkeypatch.setattr(curtois, "_solve_or_give_up", finds_nothing)
    result = solve_instance(tiny, time_limit_s=3, workers=1)
    assert result.roster and broken_rules(tiny, result.roster) == []
    assert result.penalty == penalty(tiny, result.roster)


def test_neighbourhood_search_brings_a_roster_that_only_keeps_the_rules_to_the_least_penalty(tiny):
    """What the search does after CP-SAT's whole-model search stalls (rota.lns with the instance's rounds)."""
    least = solve_instance(tiny, time_limit_s=5, workers=1)
    assert least.status == "optimal"
    m = curtois.build_model(tiny)
    first = curtois._first_roster(m.model, 5, 1)
    start = penalty(tiny, m.roster(tiny, first))
    assert start > least.penalty, "the first roster ignores the penalty"
    rotation = curtois._neighbourhoods(tiny, m)
    values, value = lns.search(m.model, m.x, first, start, rotation.pick, time.monotonic() + 5, 1,
                               threading.Event(), lambda better, _values: None, accept_equal=True,
                               learn=rotation.learn, quiet_rounds=30)
    found = m.roster(tiny, values)
    assert broken_rules(tiny, found) == [] and penalty(tiny, found) == value == least.penalty


def _no_employee_alone_can_do_better(instance, rows) -> bool:
    """Checked on the whole model: with every other row fixed, no row of one employee's gives a lower penalty."""
    m = curtois.build_model(instance)
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
    m = curtois.build_model(tiny)
    first = m.roster(tiny, curtois._first_roster(m.model, 5, 1))
    rows = curtois._best_rows(tiny, first, time.monotonic() + 10, curtois.random.Random(0), workers)
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
    rows = curtois._best_rows(instance, both, time.monotonic() + 10, curtois.random.Random(0), workers=2)
    assert sorted(row[0] for row in rows.values()) == ["-", "D"]
    assert penalty(instance, rows) == 0
