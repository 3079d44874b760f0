"""Explanations of uncovered windows: the smallest set of rules per person, counted in plain words."""

from datetime import timedelta

from rota.domain import Contract, Reason
from rota.explain import explain, smallest_blocking_rules
from rota.solver import solve
from tests.rota.builders import MONDAY, high_risk, person, problem, rota, shift

R = Reason


def test_the_smallest_set_of_rules_is_chosen_per_person():
    found = smallest_blocking_rules({
        "ann": {frozenset({R.ON_LEAVE, R.UNAVAILABLE}), frozenset({R.ON_LEAVE})},  # leave alone explains both
        "bob": {frozenset({R.UNAVAILABLE}), frozenset({R.WEEK_HOURS})},  # it takes both rules
        "cat": {frozenset({R.BUSY}), frozenset()},  # one shift breaks nothing
    })
    assert found == {"ann": (R.ON_LEAVE,), "bob": (R.UNAVAILABLE, R.WEEK_HOURS), "cat": None}


def test_an_impossible_evening_says_who_is_on_leave_and_who_is_at_a_limit():
    saturday = MONDAY + timedelta(days=5)
    one_weekend = Contract(max_days_week=7, max_consecutive_days=7, max_hours_week=80, max_weekends=1)
    p = problem([high_risk()], [
        person("ann", "clinical", start=8 * 60, end=17 * 60),
        person("vic", "volunteer", start=17 * 60, leave=[saturday]),
        person("val", "volunteer", start=17 * 60, leave=[saturday]),
        person("cas", "champion", start=17 * 60, contract=one_weekend),
        person("kim", "champion", services=("l9",), start=17 * 60),
    ], days=14)
    # Cas already works the second weekend, so she has no weekend left for the first.
    r = rota(*(shift("ann", d, 8, 17) for d in range(14)), shift("cas", 13, 17, 22))
    (saturday_evening,) = [u for u in explain(p, r) if u.gap.day == 5]
    assert saturday_evening.blocked == {"vic": (R.ON_LEAVE,), "val": (R.ON_LEAVE,), "cas": (R.WEEKENDS,),
                                        "kim": (R.NOT_TRAINED,)}
    assert str(saturday_evening) == (
        "Eating disorders, Sat 27 Mar 17:00–22:00: needs 1 digital champion, peer moderator or volunteer on duty; "
        "none available: 2 on leave, 1 at their weekend limit, 1 not trained for the service")


def test_the_solver_explains_every_window_it_leaves_uncovered():
    p = problem([high_risk()], [person("ann", "clinical", start=8 * 60, end=17 * 60),
                                person("vic", "volunteer", start=18 * 60)])
    result = solve(p, time_limit_s=3, workers=2)
    assert result.score.uncovered_minutes == 7 * 5 * 60  # no clinician to supervise Vic in the evenings
    assert len(result.unmet) == 7
    assert all(u.blocked == {"vic": (R.NO_SUPERVISOR,)} and not u.could for u in result.unmet)
    assert sum(u.gap.uncovered_minutes for u in result.unmet) == result.score.uncovered_minutes
