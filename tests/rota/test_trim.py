"""Taking work nobody needs off a rota: what comes off, and what must stay."""

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from rota.constraints import time_step
from rota.construct import greedy_rota
from rota.domain import Contract, Kind, Preference, Window
from rota.score import score
from rota.solver import add_on_call, solve
from rota.trim import take_off_unneeded, trim
from rota.validate import validate
from tests.rota.builders import EVERY_DAY, H, high_risk, person, problem, rota, shift
from tests.rota.test_construct import PEOPLE, build

DAY_AND_EVENING = [high_risk()]


def work(r, staff=None):
    """(staff, start, end) in hours of the rota's presence and checks, for one person or everyone."""
    return sorted((a.staff, a.start / H, a.end / H) for a in r.assignments
                  if a.kind != Kind.ON_CALL and staff in (None, a.staff))


def test_a_second_person_on_duty_that_no_standard_needs_comes_off():
    p = problem(DAY_AND_EVENING, [person("ann"), person("bob"), person("cat", "champion")], days=1)
    before = rota(shift("ann", 0, 8, 17), shift("bob", 0, 9, 14), shift("cat", 0, 17, 22))
    after = trim(p, before)
    assert work(after) == [("ann", 8, 17), ("cat", 17, 22)]
    assert validate(p, after) == []
    assert score(p, after).rostered_minutes == score(p, before).rostered_minutes - 5 * H
    assert score(p, after).uncovered_minutes == 0


def test_a_shift_overlapping_a_colleagues_is_cut_to_what_the_standard_needs():
    p = problem(DAY_AND_EVENING, [person("ann"), person("bob"), person("cat", "champion")], days=1)
    after = trim(p, rota(shift("ann", 0, 8, 13), shift("bob", 0, 11, 17), shift("cat", 0, 17, 22)))
    assert score(p, after).uncovered_minutes == 0
    assert score(p, after).rostered_minutes == 14 * H  # 08:00-22:00, one person at a time
    assert validate(p, after) == []


def test_work_a_contract_minimum_needs_stays():
    owed = Contract(min_hours_week=14, max_days_week=7, max_consecutive_days=7, max_hours_week=80, max_weekends=4)
    p = problem(DAY_AND_EVENING, [person("ann"), person("bob", contract=owed), person("cat", "champion")], days=7)
    before = rota(shift("ann", 0, 8, 17), shift("bob", 0, 8, 17), shift("ann", 1, 8, 17), shift("bob", 1, 8, 13),
                  shift("cat", 0, 17, 22))
    # Bob owes 14 hours: his work stays whole though Ann covers both days; her work goes where his covers it.
    after = take_off_unneeded(p, before)
    assert work(after, "bob") == [("bob", 8, 13), ("bob", 8, 17)]
    assert work(after, "ann") == [("ann", 13, 17)]
    assert score(p, after).contract_short_minutes == 0


def test_a_supervisor_on_duty_beside_a_peer_stays_unless_someone_else_is_on_call():
    staff = [person("dan"), person("ann"), person("pat", "peer")]
    p = problem(DAY_AND_EVENING, staff, days=1)
    evening = [shift("dan", 0, 8, 17), shift("ann", 0, 17, 22), shift("pat", 0, 17, 22)]
    assert work(take_off_unneeded(p, rota(*evening)), "ann") == [("ann", 17, 22)]
    on_call = shift("dan", 0, 17, 22, kind=Kind.ON_CALL)
    after = trim(p, rota(*evening, on_call))
    assert work(after, "ann") == []
    assert validate(p, after) == []


def test_work_that_meets_a_preference_is_the_work_that_stays():
    mornings = Preference("prefer", Window(EVERY_DAY, 8 * H, 12 * H), 2)
    owed = Contract(min_hours_week=3, max_days_week=7, max_consecutive_days=7, max_hours_week=80, max_weekends=4)
    p = problem(DAY_AND_EVENING, [person("ann", contract=owed, preferences=[mornings]), person("bob"),
                                  person("cat", "champion")], days=1)
    before = rota(shift("ann", 0, 8, 11), shift("ann", 0, 14, 17), shift("bob", 0, 8, 17), shift("cat", 0, 17, 22))
    after = take_off_unneeded(p, before)
    assert work(after, "ann") == [("ann", 8, 11)]
    assert score(p, after).preference_penalty == 0


def test_published_work_is_kept_on_a_re_solve():
    p = problem(DAY_AND_EVENING, [person("ann"), person("bob"), person("cat", "champion")], days=1)
    published = shift("bob", 0, 9, 14)
    before = rota(shift("ann", 0, 8, 17), published, shift("cat", 0, 17, 22))
    assert work(trim(p, before, keep=[published]), "bob") == [("bob", 9, 14)]
    assert work(trim(p, before), "bob") == []


def test_only_allowed_shapes_are_used_when_cutting():
    p = problem(DAY_AND_EVENING, [person("ann"), person("bob"), person("cat", "champion")], days=1)
    before = rota(shift("ann", 0, 8, 13), shift("bob", 0, 12.25, 17), shift("cat", 0, 17, 22))
    assert work(take_off_unneeded(p, before)) == [("ann", 8, 12.25), ("bob", 12.25, 17), ("cat", 17, 22)]
    on_the_hour = take_off_unneeded(p, before, allowed=lambda a: a.start % H == 0 and a.end % H == 0)
    assert work(on_the_hour) == [("ann", 8, 13), ("bob", 13, 17), ("cat", 17, 22)]


EXTRA = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 6), st.integers(8, 19), st.integers(3, 5)), max_size=4)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(PEOPLE, EXTRA)
def test_trimming_never_breaks_a_rule_or_makes_any_figure_worse(people, extra):
    p = build(people, days=7)
    ids = list(p.staff)
    base = add_on_call(p, greedy_rota(p, time_step(p)))
    more = [shift(ids[i % len(ids)], day, start, min(22, start + length)) for i, day, start, length in extra]
    before = add_on_call(p, rota(*base.assignments, *more))
    assume(validate(p, before) == [])
    after = trim(p, before)
    assert validate(p, after) == []
    assert score(p, after) <= score(p, before)
    reached, was = score(p, after).as_dict(), score(p, before).as_dict()
    assert all(reached[name] <= was[name] for name in was)


def test_the_solver_leaves_no_work_that_could_simply_come_off():
    p = build([("clinical", 8, 22, True, 7, 4, 11)] * 3 + [("champion", 14, 22, True, 7, 4, 11)] * 2, days=7)
    result = solve(p, time_limit_s=3, workers=2)
    assert result.score.uncovered_minutes == 0
    assert trim(p, result.rota) == result.rota


def test_a_shift_longer_than_needed_at_both_ends_is_cut_at_both():
    p = problem(DAY_AND_EVENING, [person("ann"), person("bob"), person("cat", "champion")], days=1)
    before = rota(shift("ann", 0, 8, 12), shift("bob", 0, 9, 20), shift("cat", 0, 16, 22))
    # Ann's shift comes first and is cut to its shortest (3 hours), Bob's at both ends to what is left between her
    # and Cat (a clinician counts for nothing in the evening), Cat's to the evening.
    assert work(trim(p, before)) == [("ann", 8, 11), ("bob", 11, 17), ("cat", 17, 22)]
