"""The greedy starting rota: always valid, and it spends scarce weekends carefully."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rota.constraints import time_step
from rota.construct import greedy_rota
from rota.domain import Contract
from rota.score import score
from rota.solver import add_on_call, solve
from rota.validate import validate
from tests.rota.builders import high_risk, low_risk, person, problem

ROLES = ["clinical", "non_clinical", "champion", "volunteer", "peer"]
PEOPLE = st.lists(st.tuples(st.sampled_from(ROLES), st.integers(6, 14), st.integers(15, 24), st.booleans(),
                            st.integers(1, 7), st.integers(0, 4), st.integers(8, 14)),
                  min_size=1, max_size=10)


def build(people, days=14):
    staff = [person(f"p{i}", role, ("h1", "l1") if both else ("h1",), start=start * 60, end=end * 60,
                    contract=Contract(max_days_week=max_days, max_consecutive_days=min(max_days, 5),
                                      max_hours_week=37.5, max_weekends=weekends, min_rest_hours=rest))
             for i, (role, start, end, both, max_days, weekends, rest) in enumerate(people)]
    return problem([high_risk(), low_risk()], staff, days=days)


@settings(max_examples=40, deadline=None)
@given(PEOPLE)
def test_the_greedy_rota_keeps_every_hard_rule(people):
    p = build(people)
    assert validate(p, add_on_call(p, greedy_rota(p, time_step(p)))) == []


def test_weekend_cover_goes_to_people_already_working_that_weekend():
    # Two champions may each work one weekend; the first must not spend theirs on week one's checks.
    p = problem([low_risk()], [person("ann", "champion", ("l1",), contract=Contract(max_weekends=1, max_days_week=7,
                                                                                 max_consecutive_days=7)),
                               person("bob", "champion", ("l1",), contract=Contract(max_weekends=1, max_days_week=7,
                                                                                 max_consecutive_days=7))],
                days=14)
    rota = greedy_rota(p, time_step(p))
    assert score(p, rota).uncovered_minutes == 0
    assert validate(p, rota) == []


@settings(max_examples=4, deadline=None)
@given(PEOPLE)
def test_the_solver_never_returns_worse_than_its_greedy_start(people):
    p = build(people, days=7)
    greedy = add_on_call(p, greedy_rota(p, time_step(p)))
    assert solve(p, time_limit_s=1, workers=2).score <= score(p, greedy)
