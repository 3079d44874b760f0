"""Work a person already has for other services (commitments): every rota is planned around it and checked with
it, so two rotas made in separate runs never break a contract between them."""

from rota.constraints import time_step
from rota.construct import greedy_rota
from rota.domain import Contract, Kind
from rota.score import contract_short_minutes
from rota.solver import solve
from rota.validate import validate
from tests.rota.builders import H, elsewhere, high_risk, person, problem, rota, shift

TEN_HOURS_THREE_DAYS = Contract(min_hours_week=0, max_hours_week=10, max_days_week=3, max_consecutive_days=5,
                                min_rest_hours=11, max_weekends=2)


def volunteer(*committed, contract=TEN_HOURS_THREE_DAYS):
    """An evening digital champion (no supervision needed), with work already published elsewhere."""
    return person("vic", "champion", ("h1",), start=17 * H, end=22 * H, contract=contract, committed=committed)


def messages(p, r) -> list[str]:
    return [str(v) for v in validate(p, r)]


def test_hours_already_published_elsewhere_count_towards_the_weekly_limit():
    busy = problem([high_risk()], [volunteer(elsewhere(0, 17, 22), elsewhere(1, 17, 22))])
    free = problem([high_risk()], [volunteer()])
    evening = rota(shift("vic", 2, 17, 22))
    assert messages(free, evening) == []
    assert messages(busy, evening) == [
        "Weekly hours and days: Vic: 15 hours in week 1 (counting shifts already rostered for Psychosis), more than "
        "the 10 allowed"]


def test_days_already_worked_elsewhere_count_towards_the_days_limit():
    busy = problem([high_risk()], [volunteer(elsewhere(0, 17, 18), elsewhere(1, 17, 18), elsewhere(2, 17, 18))])
    assert messages(busy, rota(shift("vic", 4, 17, 20))) == [
        "Weekly hours and days: Vic: 4 working days in week 1 (counting shifts already rostered for Psychosis), more "
        "than the 3 allowed"]


def test_a_shift_on_top_of_work_elsewhere_is_an_overlap_in_words():
    busy = problem([high_risk()], [volunteer(elsewhere(0, 17, 20))])
    assert messages(busy, rota(shift("vic", 0, 18, 22))) == [
        "Overlapping shifts: Vic, Eating disorders, Mon 22 Mar 18:00–22:00 (on duty) overlaps Vic's shift already "
        "rostered for Psychosis, 17:00–20:00"]


def test_rest_after_work_elsewhere_counts():
    early = person("ann", "clinical", ("h1",), contract=TEN_HOURS_THREE_DAYS, committed=[elsewhere(0, 17, 22)])
    busy = problem([high_risk()], [early])
    assert [v.rule for v in validate(busy, rota(shift("ann", 1, 8, 12)))] == [8]
    assert validate(busy, rota(shift("ann", 1, 9, 13))) == []  # 22:00 to 09:00 is 11 hours


def test_a_limit_broken_by_work_elsewhere_alone_is_not_this_rotas():
    overbooked = problem([high_risk()], [volunteer(*(elsewhere(day, 17, 22) for day in range(4)))], days=14)
    assert validate(overbooked, rota()) == []
    assert validate(overbooked, rota(shift("vic", 8, 17, 22))) == []  # another week


def test_the_engine_plans_around_work_elsewhere():
    """Two evenings are published elsewhere: the champion's 10 hours a week are used up, so only the clinician
    is given evening work this week."""
    busy = problem([high_risk(day_roles=("clinical",), evening_roles=("champion",))], [
        volunteer(elsewhere(0, 17, 22), elsewhere(1, 17, 22)),
        person("cal", "clinical", ("h1",), start=8 * H, end=22 * H)])
    greedy = greedy_rota(busy, time_step(busy))
    assert validate(busy, greedy) == []
    assert not [a for a in greedy.assignments if a.staff == "vic" and a.kind == Kind.PRESENCE]
    solved = solve(busy, time_limit_s=3, workers=2).rota
    assert validate(busy, solved) == []
    assert not [a for a in solved.assignments if a.staff == "vic" and a.kind == Kind.PRESENCE]


def test_work_elsewhere_counts_towards_the_contract_minimum():
    needs_ten = Contract(min_hours_week=10, max_hours_week=20, max_days_week=5, max_consecutive_days=5,
                         min_rest_hours=11, max_weekends=2)
    busy = problem([high_risk()], [volunteer(elsewhere(0, 17, 22), elsewhere(1, 17, 22), contract=needs_ten)])
    assert contract_short_minutes(busy, rota()) == 0
