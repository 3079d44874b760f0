"""Why a rota rosters more than its standards need: each reason on a day that has only it, and a rota that needs
nothing beyond its standards."""

from rota.domain import ChecksStandard, Contract, Kind, Preference, PresenceSegment, Service, Window
from rota.solver import solve
from rota.surplus import Surplus, surplus
from tests.rota.builders import EVERY_DAY, H, high_risk, low_risk, person, problem, rota, shift

DAY_AND_EVENING = [high_risk()]


def owing(hours: float) -> Contract:
    """A contract with a weekly minimum and room for any week's work."""
    return Contract(min_hours_week=hours, max_days_week=7, max_consecutive_days=7, max_hours_week=80, max_weekends=4)


def one_day(*staff):
    return problem(DAY_AND_EVENING, list(staff), days=1)


def covered(*extra):
    """Ann on duty 08:00-17:00 and Cat 17:00-22:00: exactly what the standard needs, with extra work beside it."""
    return rota(shift("ann", 0, 8, 17), shift("cat", 0, 17, 22), *extra)


def test_a_rota_with_only_what_the_standard_needs_has_no_surplus():
    p = one_day(person("ann"), person("cat", "champion"))
    assert surplus(p, covered()) == Surplus(0)


def test_a_second_person_on_duty_is_work_nothing_needs():
    p = one_day(person("ann"), person("bob"), person("cat", "champion"))
    assert surplus(p, covered(shift("bob", 0, 9, 14))) == Surplus(5 * H, unneeded=5 * H)


def test_the_work_a_contract_minimum_asks_for_is_put_down_to_that_person():
    p = one_day(person("ann"), person("bob", contract=owing(5)), person("cat", "champion"))
    assert surplus(p, covered(shift("bob", 0, 9, 14))) == Surplus(5 * H, minimums=5 * H, bound=("bob",))


def test_work_the_published_rota_has_is_kept_not_unneeded():
    p = one_day(person("ann"), person("bob"), person("cat", "champion"))
    published = shift("bob", 0, 9, 14)
    assert surplus(p, covered(published), keep=[published]) == Surplus(5 * H, kept=5 * H)


def test_work_at_a_preferred_time_on_a_working_day_is_put_down_to_the_preference():
    # Bob prefers mornings; taking his morning off would leave his working day (his evening) without it.
    mornings = Preference("prefer", Window(EVERY_DAY, 8 * H, 12 * H))
    p = one_day(person("ann"), person("bob", "champion", preferences=[mornings]))
    found = surplus(p, rota(shift("ann", 0, 8, 17), shift("bob", 0, 8, 11), shift("bob", 0, 17, 22)))
    assert found == Surplus(3 * H, preferences=3 * H)


def test_a_clinician_on_duty_beside_a_peer_they_supervise_is_put_down_to_supervision():
    p = one_day(person("ann"), person("dan"), person("pat", "peer"))
    found = surplus(p, rota(shift("ann", 0, 8, 17), shift("pat", 0, 17, 22), shift("dan", 0, 17, 22)))
    assert found == Surplus(5 * H, supervision=5 * H)


def test_a_window_shorter_than_the_shortest_shift_is_put_down_to_shift_lengths():
    # Someone on duty 08:00-10:00 only; a shift is at least 3 h, so it runs an hour past the window.
    service = Service("h1", "Eating disorders", "high",
                      presence=(PresenceSegment(Window(EVERY_DAY, 8 * H, 10 * H), frozenset({"clinical"})),))
    p = problem([service], [person("ann")], days=1)
    assert surplus(p, rota(shift("ann", 0, 8, 11))) == Surplus(1 * H, shift_lengths=1 * H)


def test_checks_a_short_longest_gap_asks_for_beyond_the_checks_a_day_are_counted_as_such():
    # 2 checks a day at most 3 h apart over 08:00-17:00 take 3 checks: the third is no surplus of anyone's doing.
    service = Service("l1", "Carers", "low", checks=ChecksStandard(
        per_day=2, max_gap=3 * H, window_start=8 * H, window_end=17 * H, minutes=30,
        roles=frozenset({"clinical"})))
    p = problem([service], [person("ann", services=("l1",))], days=1)
    checks = rota(*(shift("ann", 0, hour, hour + 0.5, "l1", Kind.CHECK) for hour in (10, 13, 16)))
    assert surplus(p, checks) == Surplus(30, extra_checks=30)


def test_the_engine_rosters_no_more_than_the_standards_need_when_nobody_has_a_minimum():
    p = problem([high_risk(), low_risk()], [person("ann", services=("h1", "l1")), person("bob", services=("h1", "l1")),
                                            person("cat", "champion", services=("h1", "l1"))], days=3)
    assert surplus(p, solve(p, time_limit_s=5, workers=1).rota) == Surplus(0)
