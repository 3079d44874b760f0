"""The optimiser on small problems: valid rotas, full cover when possible, explained gaps when not."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rota.domain import Contract, Kind
from rota.solver import solve
from rota.validate import validate
from tests.rota.builders import avoid_evenings, high_risk, low_risk, person, problem


def ward():
    return problem([high_risk(), low_risk()], [
        person("ann", "clinical", ("h1", "l1")), person("bea", "clinical", ("h1", "l1")),
        person("ben", "non_clinical", ("h1", "l1")), person("cas", "champion", ("h1",), start=16 * 60),
        person("vic", "volunteer", ("h1",), start=17 * 60), person("pat", "peer", ("h1", "l1")),
    ])


def test_a_well_staffed_week_is_fully_covered_and_valid():
    p = ward()
    result = solve(p, time_limit_s=10, workers=2)
    assert validate(p, result.rota) == []
    assert result.score.uncovered_minutes == 0
    assert {a.kind for a in result.rota.assignments} >= {Kind.PRESENCE, Kind.CHECK}


def test_supervised_work_gets_a_clinician_on_call_or_on_duty():
    p = ward()
    result = solve(p, time_limit_s=10, workers=2)
    supervised = [a for a in result.rota.assignments if a.staff in ("vic", "pat") and a.kind != Kind.ON_CALL]
    assert supervised and validate(p, result.rota) == []


def test_an_impossible_week_returns_the_best_rota_and_its_gaps():
    p = problem([high_risk()], [person("ann", "clinical", ("h1",), start=8 * 60, end=17 * 60)])
    result = solve(p, time_limit_s=5, workers=2)
    assert validate(p, result.rota) == []
    assert result.score.uncovered_minutes == 7 * 5 * 60  # nobody can do the evenings
    assert all(a.start == 8 * 60 and a.end == 17 * 60 for a in result.rota.assignments)


def test_preferences_are_respected_when_cover_allows():
    p = problem([high_risk(evening_roles=("clinical",))], [
        person("ann", preferences=[avoid_evenings(5)]), person("bea"), person("cat")])
    result = solve(p, time_limit_s=10, workers=2)
    assert result.score.uncovered_minutes == 0 and result.score.preference_penalty == 0
    assert not any(a.staff == "ann" and a.end > 17 * 60 for a in result.rota.assignments)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["clinical", "non_clinical", "champion", "volunteer", "peer"]),
                          st.integers(6, 14), st.integers(15, 24), st.booleans(), st.integers(2, 7)),
                min_size=1, max_size=6))
def test_every_returned_rota_passes_the_validator(people):
    staff = [person(f"p{i}", role, ("h1", "l1") if both else ("h1",), start=start * 60, end=end * 60,
                    contract=Contract(max_days_week=days, max_consecutive_days=min(days, 5), max_hours_week=30,
                                      max_weekends=1))
             for i, (role, start, end, both, days) in enumerate(people)]
    p = problem([high_risk(), low_risk()], staff)
    result = solve(p, time_limit_s=2, workers=2)
    assert validate(p, result.rota) == []
