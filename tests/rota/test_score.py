"""The score components and the list of uncovered windows."""

from rota.domain import Contract, Kind, Preference, Window
from rota.score import score, uncovered_gaps
from tests.rota.builders import avoid_evenings, high_risk, low_risk, person, problem, rota, shift


def test_uncovered_presence_is_counted_per_missing_minute():
    p = problem([high_risk()], [person("ann")], days=7)
    r = rota(*(shift("ann", d, 8, 17) for d in range(7)))
    assert score(p, r).uncovered_minutes == 7 * 5 * 60  # every evening, 17:00-22:00
    gap = uncovered_gaps(p, r)[0]
    assert (gap.day, gap.start, gap.end, gap.kind, gap.missing) == (0, 1020, 1320, "presence", 1)


def test_checks_count_missing_ones_and_long_gaps():
    p = problem([low_risk()], [person("ann", services=("l1",))], days=7)
    day0 = [shift("ann", 0, t, t + 0.5, "l1", Kind.CHECK) for t in (11, 14, 17, 20)]
    assert [g for g in uncovered_gaps(p, rota(*day0)) if g.day == 0] == []
    three = day0[:3]  # 17:00 to 22:00 is 5 hours: 1 hour too long, and one check missing
    gaps = [g for g in uncovered_gaps(p, rota(*three)) if g.day == 0]
    assert sorted((g.kind, g.uncovered_minutes) for g in gaps) == [("check gap", 60), ("missing checks", 30)]


def test_contract_minimum_preferences_and_weekends():
    p = problem([high_risk()], [person("ann", contract=Contract(min_hours_week=20, max_days_week=7,
                                                                max_hours_week=80, max_weekends=4),
                                       preferences=[avoid_evenings(3)]),
                                person("vic", "volunteer")])
    r = rota(shift("ann", 5, 13, 22), shift("ann", 6, 8, 12), shift("vic", 5, 17, 22), shift("vic", 6, 17, 22))
    s = score(p, r)
    assert s.contract_short_minutes == 20 * 60 - 13 * 60
    assert s.preference_penalty == 3  # Saturday evening
    assert s.max_weekend_days == 2  # volunteers are left out of the fairness figure


def test_a_service_preference_counts_only_that_service():
    no_carers = Preference("avoid", Window(frozenset(range(7)), 0, 24 * 60), 2, service="l1")
    p = problem([high_risk(), low_risk()], [person("ann", services=("h1", "l1"), preferences=[no_carers])])
    assert score(p, rota(shift("ann", 0, 8, 17))).preference_penalty == 0
    assert score(p, rota(shift("ann", 0, 18, 18.5, "l1", Kind.CHECK))).preference_penalty == 2
