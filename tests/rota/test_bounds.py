"""Everyone's own best: lower bounds no rota can beat, and the reason for the worst-off weekend figure."""

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota.bounds import person_bounds, summary
from rota.domain import Contract, History, Preference, Window
from rota.score import Score
from rota.solver import solve
from tests.rota.builders import high_risk, low_risk, person, problem

NO_SUNDAYS = Preference("avoid", Window(frozenset({6}), 17 * 60, 22 * 60))
# Ten hours a week that only weekend evenings can give, and two weekends in the three weeks at most.
WEEKEND_CONTRACT = Contract(min_hours_week=10, max_days_week=7, max_consecutive_days=7, max_hours_week=80,
                            max_weekends=2)


def weekend_bound_three_weeks():
    """Three weeks of evenings. Sam can work only weekend evenings, on a 10-hour contract and at most two weekends,
    and would rather not work Sundays: the contract keeps him on weekends and his Sundays are the price."""
    return problem([high_risk(evening_roles=("champion",))], [
        person("ann", "clinical", end=17 * 60), person("bea", "clinical", end=17 * 60),
        person("cas", "champion", start=17 * 60), person("dee", "champion", start=17 * 60),
        person("sam", "champion", start=17 * 60, days={5, 6}, contract=WEEKEND_CONTRACT,
               preferences=[NO_SUNDAYS]),
    ], days=21)


def test_a_contract_only_weekends_can_fill_sets_the_least_worst_off_weekend_figure():
    p = weekend_bound_three_weeks()
    bounds = person_bounds(p, time.monotonic() + 30)
    # Two weekends fill two weeks' hours (each weekend's two evenings, Sunday's against his wish); the third week
    # is 10 hours short whatever the rota, and his four weekend days are the fewest at that.
    assert (bounds.contract_short_minutes, bounds.preference_penalty, bounds.max_weekend_days) == (600, 2, 4)
    assert [s.id for s in bounds.busiest_weekends()] == ["sam"]
    assert bounds.weekend_bound(600, 3) == 0  # at other figures than his own best, the bound says nothing


def test_the_solver_reaches_the_bounds_and_says_so():
    p = weekend_bound_three_weeks()
    result = solve(p, time_limit_s=5, workers=2)
    assert result.score.uncovered_minutes == 0
    assert result.lower_bounds == {"contract_short_minutes": 600, "preference_penalty": 2, "max_weekend_days": 4}
    assert (result.score.contract_short_minutes, result.score.preference_penalty,
            result.score.max_weekend_days) == (600, 2, 4)
    assert summary(result.person_bounds, result.score) == [
        "Contract hours: 600 minutes short, the fewest possible (everyone's own best, added up).",
        "Preferences: 2 points missed, the fewest possible (everyone's own best, added up).",
        "Weekends: nobody works more than 4 weekend days, the fewest possible at those preferences (Sam cannot have "
        "fewer without missing weekends already worked, contract hours or own wishes).",
    ]


def test_weekends_already_worked_count_towards_the_figure():
    p = weekend_bound_three_weeks()
    p.history["cas"] = History(weekend_days=6)
    assert person_bounds(p, time.monotonic() + 30).max_weekend_days == 6


def test_a_contract_the_rules_cannot_fill_is_a_bound_on_the_shortfall():
    # Free one hour each morning, five working days a week at most, on a 10-hour contract: 5 hours a week short
    # whatever the rota.
    contract = Contract(min_hours_week=10, max_days_week=5, max_consecutive_days=7, max_hours_week=40)
    p = problem([low_risk()], [person("ann", "clinical", ("l1",)),
                               person("kit", "clinical", ("l1",), start=8 * 60, end=9 * 60, contract=contract)])
    bounds = person_bounds(p, time.monotonic() + 30)
    assert bounds.contract_short_minutes == 5 * 60
    result = solve(p, time_limit_s=3, workers=2)
    assert result.score.contract_short_minutes == 5 * 60
    assert summary(bounds, result.score)[0] == (
        "Contract hours: 300 minutes short, the fewest possible (everyone's own best, added up).")
    assert summary(bounds, result.score, lambda m: f"{m // 60} h")[0] == (
        "Contract hours: 5 h short, the fewest possible (everyone's own best, added up).")


def test_people_not_reached_in_time_count_at_nothing():
    bounds = person_bounds(weekend_bound_three_weeks(), time.monotonic() - 1)
    assert (bounds.preference_penalty, bounds.max_weekend_days) == (0, 0)
    assert not any(bound.proven for bound in bounds.people.values())


def test_a_bound_not_worked_out_in_time_is_not_called_none():
    """Out of time, the preference bound counts everyone at nothing: the summary must not then claim that
    everyone's own rules would allow no points missed (here they need 2, as the next test shows)."""
    reached = Score(uncovered_minutes=0, contract_short_minutes=0, preference_penalty=5, max_weekend_days=4,
                    max_evenings=0, max_minutes_over_contract=0)
    late = person_bounds(weekend_bound_three_weeks(), time.monotonic() - 1)
    assert summary(late, reached) == [
        "Preferences: 5 points missed; the least possible was not worked out in the time."]
    worked_out = person_bounds(problem([low_risk()], [person("ann", "clinical", ("l1",))]), time.monotonic() + 30)
    assert worked_out.complete and worked_out.preference_penalty == 0
    assert summary(worked_out, reached) == ["Preferences: 5 points missed; everyone's own rules would allow none."]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["clinical", "non_clinical", "champion", "peer"]), st.integers(6, 14),
                          st.integers(15, 24), st.sets(st.integers(0, 6), max_size=3), st.integers(0, 24)),
                min_size=1, max_size=5))
def test_no_rota_the_solver_returns_beats_the_bounds(people):
    staff = [person(f"p{i}", role, ("h1", "l1"), start=start * 60, end=end * 60,
                    contract=Contract(min_hours_week=hours, max_days_week=5, max_weekends=1),
                    preferences=[Preference("prefer", Window(frozenset(days), 17 * 60, 22 * 60))] if days else [])
             for i, (role, start, end, days, hours) in enumerate(people)]
    p = problem([high_risk(), low_risk()], staff)
    result = solve(p, time_limit_s=1, workers=2)
    bounds = result.lower_bounds
    assert result.score.contract_short_minutes >= bounds["contract_short_minutes"]
    if result.score.contract_short_minutes == bounds["contract_short_minutes"]:
        assert result.score.preference_penalty >= bounds["preference_penalty"]
        assert result.score.max_weekend_days >= bounds["max_weekend_days"]


def test_a_figure_above_its_bound_says_how_far_and_the_later_ones_go_unsaid():
    bounds = person_bounds(weekend_bound_three_weeks(), time.monotonic() + 30)
    reached = Score(uncovered_minutes=0, contract_short_minutes=600, preference_penalty=5, max_weekend_days=4,
                    max_evenings=0, max_minutes_over_contract=0)
    assert summary(bounds, reached) == [
        "Contract hours: 600 minutes short, the fewest possible (everyone's own best, added up).",
        "Preferences: 5 points missed; no rota can have fewer than 2."]


def test_everyone_whose_own_best_needs_the_most_weekends_is_named():
    p = weekend_bound_three_weeks()
    p.staff["tia"] = person("tia", "champion", start=17 * 60, days={5, 6}, contract=WEEKEND_CONTRACT,
                            preferences=[NO_SUNDAYS])
    bounds = person_bounds(p, time.monotonic() + 30)
    reached = Score(uncovered_minutes=0, contract_short_minutes=1200, preference_penalty=4, max_weekend_days=4,
                    max_evenings=0, max_minutes_over_contract=0)
    assert summary(bounds, reached)[2] == (
        "Weekends: nobody works more than 4 weekend days, the fewest possible at those preferences (Sam and Tia "
        "cannot have fewer without missing weekends already worked, contract hours or own wishes).")
