"""The independent check and score of a Curtois & Qu roster: each hard rule broken and kept, the penalty."""

import pytest

from rota.bench.curtois.check import broken_rules, penalty
from tests.rota.bench.curtois.builders import roster


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


def test_the_penalty_counts_requests_and_cover(tiny):
    # A's request for D on day 0 is met; B works D on day 1 against a request (2); day 0 has 1 of 2 (100);
    # day 1 has 2 of 1 (1 over).
    r = roster(tiny, "DD--DD--------", "-D------------")
    assert penalty(tiny, r) == 2 + 100 + 1
