"""The score components and the list of uncovered windows."""

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from rota.domain import Assignment, Contract, Kind, Preference, PresenceSegment, Window
from rota.score import preferences_met, score, uncovered_gaps
from tests.rota.builders import EVERY_DAY, avoid_evenings, high_risk, low_risk, person, problem, rota, shift


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


def test_score_version_2_a_wish_places_work_and_does_not_ask_for_more():
    """Ann would rather work mornings (weight 2): a day off costs nothing, an afternoon-only day costs 2, a day with
    any morning work costs nothing; the rostered minutes of presence and checks come last, on call not counted."""
    mornings = Preference("prefer", Window(EVERY_DAY, 8 * 60, 12 * 60), 2)
    p = problem([high_risk(), low_risk()], [person("ann", services=("h1", "l1"), preferences=[mornings])], days=7)
    assert score(p, rota()).preference_penalty == 0
    assert score(p, rota(shift("ann", 0, 13, 17))).preference_penalty == 2
    assert score(p, rota(shift("ann", 0, 11, 17))).preference_penalty == 0
    worked = rota(shift("ann", 0, 13, 17), shift("ann", 1, 8, 12), shift("ann", 2, 9, 9.5, "l1", Kind.CHECK),
                  shift("ann", 3, 8, 22, kind=Kind.ON_CALL))
    s = score(p, worked)
    assert (s.preference_penalty, s.rostered_minutes) == (2, 4 * 60 + 4 * 60 + 30)
    assert list(s.format_score()) == ["uncovered_minutes", "contract_short_minutes", "preference_penalty",
                                      "max_weekend_days", "rostered_minutes", "version"]
    assert s.format_score()["version"] == 2 and s.format_score()["rostered_minutes"] == s.rostered_minutes


def shortfalls_by_definition(p, r) -> list[tuple]:
    """Uncovered presence by its definition, slot by slot: for every quarter hour of each segment, the people
    short of its minimum among those whose presence shares any time with that quarter hour."""
    found = []
    for service in p.services.values():
        for day in range(p.days):
            for segment in service.segments_on(day % 7):
                for minute in range(segment.window.start, segment.window.end, 15):
                    there = sum(1 for a in r.assignments if a.kind == Kind.PRESENCE and a.service == service.id
                                and a.day == day and a.overlaps(minute, minute + 15)
                                and p.staff[a.staff].role in segment.roles)
                    if there < segment.min:
                        found.append((service.id, day, minute, segment.min - there))
    return found


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ann", "bea", "vic"]), st.integers(0, 1), st.integers(20, 92),
                          st.integers(1, 40)), max_size=6))
def test_uncovered_presence_matches_its_definition_slot_by_slot(shifts):
    odd_hours = PresenceSegment(Window(EVERY_DAY, 9 * 60 + 5, 20 * 60 + 35), frozenset({"clinical"}), 2)
    p = problem([high_risk(), replace(high_risk("h2"), presence=(odd_hours,))],
                [person("ann", services=("h1", "h2")), person("bea", services=("h1", "h2")),
                 person("vic", "volunteer", services=("h1", "h2"))], days=2)
    # Shifts on a 5-minute grid, so some start or end inside a quarter hour (as hand edits and imports can).
    r = rota(*(Assignment(day, start * 15 - 5, min(24 * 60, start * 15 - 5 + length * 15), staff, service,
                          Kind.PRESENCE)
               for (staff, day, start, length), service in zip(shifts, ["h1", "h2"] * 3, strict=False)))
    by_slots = [(g.service, g.day, minute, g.missing) for g in uncovered_gaps(p, r) if g.kind == "presence"
                for minute in range(g.start, g.end, 15)]
    assert sorted(by_slots) == sorted(shortfalls_by_definition(p, r))


def test_preferences_met_counts_each_avoided_day_and_each_working_day_of_a_wished_time():
    weekday_mornings = Preference("prefer", Window(frozenset(range(5)), 8 * 60, 12 * 60))
    p = problem([high_risk()], [person("ann", preferences=[avoid_evenings(3)]),
                                person("bob", preferences=[weekday_mornings]), person("cat")])
    r = rota(shift("ann", 0, 8, 17), shift("ann", 5, 13, 22),  # Saturday evening worked: one avoided day not met
             shift("bob", 0, 8, 12), shift("bob", 1, 13, 17))  # Tuesday's work misses the morning wished for
    assert preferences_met(p, r) == {"ann": (6, 7), "bob": (1, 2)}  # Cat said nothing: not counted
    assert preferences_met(p, rota()) == {"ann": (7, 7), "bob": (0, 0)}  # no work: nothing to wish for
