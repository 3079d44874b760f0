"""The validator: each hard rule with a rota that breaks it and one that keeps it."""

from datetime import timedelta

import pytest

from rota.domain import Contract, Kind, Unavailable
from rota.validate import validate
from tests.rota.builders import MONDAY, high_risk, low_risk, person, problem, rota, shift


def rules_broken(p, r) -> set[int]:
    return {v.rule for v in validate(p, r)}


@pytest.fixture
def ward():
    return problem([high_risk(), low_risk()], [
        person("ann", "clinical", ("h1", "l1")),
        person("ben", "non_clinical", ("h1",), start=8 * 60, end=17 * 60),
        person("vic", "volunteer", ("h1",)),
        person("pat", "peer", ("h1",)),
    ])


def test_a_clean_rota_breaks_nothing(ward):
    assert validate(ward, rota(shift("ann", 0, 8, 17), shift("vic", 0, 17, 22),
                               shift("ann", 0, 17, 22, kind=Kind.ON_CALL))) == []


@pytest.mark.parametrize("bad", [
    shift("nobody", 0, 8, 17),
    shift("ann", 9, 8, 17),
    shift("ann", 0, 8.1, 17),
    shift("ann", 0, 17, 8),
])
def test_rule_1_shape(ward, bad):
    assert rules_broken(ward, rota(bad)) == {1}


def test_rule_1_a_shift_on_the_quarter_hour_on_the_rotas_last_day_is_well_shaped(ward):
    assert rules_broken(ward, rota(shift("ann", 6, 8.25, 17))) == set()


def test_rule_2_training(ward):
    assert rules_broken(ward, rota(shift("ben", 0, 10, 10.5, service="l1", kind=Kind.CHECK))) == {2}
    assert rules_broken(ward, rota(shift("ann", 0, 10, 10.5, service="l1", kind=Kind.CHECK))) == set()


def test_rule_3_one_off_unavailability(ward):
    busy_wednesday = Unavailable(MONDAY + timedelta(days=2), 12 * 60, 15 * 60)
    p = problem(ward.services.values(), [person("ann", unavailable=[busy_wednesday])])
    assert rules_broken(p, rota(shift("ann", 2, 8, 13))) == {3}
    assert rules_broken(p, rota(shift("ann", 2, 8, 12), shift("ann", 2, 15, 22))) == set()
    assert rules_broken(p, rota(shift("ann", 1, 8, 17))) == set()  # only that Wednesday


def test_rule_3_availability_and_leave(ward):
    assert 3 in rules_broken(ward, rota(shift("ben", 0, 12, 18)))
    on_leave = problem(ward.services.values(), [person("ann", leave=[MONDAY + timedelta(days=1)])])
    assert rules_broken(on_leave, rota(shift("ann", 1, 8, 17))) == {3}
    assert rules_broken(on_leave, rota(shift("ann", 2, 8, 17))) == set()


@pytest.mark.parametrize("bad", [
    shift("ann", 0, 8, 10),  # presence under 3 hours
    shift("ann", 0, 8, 19),  # presence over 10 hours
    shift("ann", 0, 6, 12),  # before presence hours
    shift("ann", 0, 10, 11, service="l1", kind=Kind.CHECK),  # a check is exactly 30 minutes
    shift("ann", 0, 21.75, 22.25, service="l1", kind=Kind.CHECK),  # outside the checks window
    shift("vic", 0, 17, 22, kind=Kind.ON_CALL),  # only clinicians can be on call
    shift("ann", 0, 8, 11, service="l1"),  # the low-risk service has no presence standard
])
def test_rule_4_kind_specific(ward, bad):
    assert 4 in rules_broken(ward, rota(bad))


@pytest.mark.parametrize("good", [
    shift("ann", 0, 8, 11),  # presence of 3 hours, inside presence hours
    shift("ann", 0, 12, 22),  # presence of 10 hours, ending with them
    shift("ann", 0, 21.5, 22, service="l1", kind=Kind.CHECK),  # a 30-minute check at the end of its window
    shift("ann", 0, 17, 22, kind=Kind.ON_CALL),  # a clinician on call
])
def test_rule_4_kept_by_each_kind_of_work(ward, good):
    assert rules_broken(ward, rota(good)) == set()


def test_rule_5_no_overlap_even_when_nested(ward):
    nested = rota(shift("ann", 0, 8, 17), shift("ann", 0, 9, 9.5, service="l1", kind=Kind.CHECK),
                  shift("ann", 0, 12, 12.5, service="l1", kind=Kind.CHECK))
    assert [v.rule for v in validate(ward, nested)] == [5, 5]
    assert rules_broken(ward, rota(shift("ann", 0, 8, 12), shift("ann", 0, 12, 12.5, service="l1",
                                                                  kind=Kind.CHECK))) == set()


def test_rule_6_weekly_hours_and_days():
    tight = problem([high_risk()], [person("ann", contract=Contract(max_hours_week=20, max_days_week=2,
                                                                    max_consecutive_days=7, max_weekends=4))])
    assert rules_broken(tight, rota(shift("ann", 0, 8, 17), shift("ann", 2, 8, 17))) == set()
    assert rules_broken(tight, rota(shift("ann", 0, 8, 17), shift("ann", 2, 8, 17), shift("ann", 4, 8, 11))) == {6}


def test_rule_6_weekly_hours_alone():
    hours = problem([high_risk()], [person("ann", contract=Contract(max_hours_week=20, max_days_week=5,
                                                                    max_consecutive_days=7, max_weekends=4))])
    assert rules_broken(hours, rota(shift("ann", 0, 8, 17), shift("ann", 1, 8, 16), shift("ann", 2, 8, 11))) == set()
    (violation,) = validate(hours, rota(shift("ann", 0, 8, 17), shift("ann", 1, 8, 17), shift("ann", 2, 8, 11)))
    assert str(violation) == "Weekly hours and days: Ann: 21 hours in week 1, more than the 20 allowed"


def test_rule_6_working_days_alone():
    days = problem([high_risk()], [person("ann", contract=Contract(max_hours_week=80, max_days_week=2,
                                                                   max_consecutive_days=7, max_weekends=4))])
    assert rules_broken(days, rota(shift("ann", 0, 8, 11), shift("ann", 3, 8, 11))) == set()
    (violation,) = validate(days, rota(shift("ann", 0, 8, 11), shift("ann", 3, 8, 11), shift("ann", 5, 8, 11)))
    assert str(violation) == "Weekly hours and days: Ann: 3 working days in week 1, more than the 2 allowed"


def test_rule_7_consecutive_days():
    limited = problem([high_risk()], [person("ann", contract=Contract(max_days_week=7, max_consecutive_days=3,
                                                                      max_hours_week=80, max_weekends=4))])
    assert rules_broken(limited, rota(*(shift("ann", d, 8, 12) for d in (0, 1, 2, 4)))) == set()
    assert rules_broken(limited, rota(*(shift("ann", d, 8, 12) for d in (0, 1, 2, 3)))) == {7}


def test_rule_8_rest_counts_the_clock_change(ward):
    # 21:00 Saturday to 08:00 Sunday is 11 hours on the clock but 10 real hours: the clocks go forward.
    assert rules_broken(ward, rota(shift("ann", 5, 12, 21), shift("ann", 6, 8, 17))) == {8}
    assert rules_broken(ward, rota(shift("ann", 3, 12, 21), shift("ann", 4, 8, 17))) == set()
    assert rules_broken(ward, rota(shift("ann", 0, 13, 22), shift("ann", 1, 8, 17))) == {8}


def test_rule_9_weekends():
    one = problem([high_risk()], [person("ann", contract=Contract(max_days_week=7, max_consecutive_days=7,
                                                                  max_hours_week=80, max_weekends=1))], days=14)
    assert rules_broken(one, rota(shift("ann", 5, 8, 12), shift("ann", 6, 8, 12))) == set()
    assert rules_broken(one, rota(shift("ann", 5, 8, 12), shift("ann", 13, 8, 12))) == {9}


def test_rule_10_supervision(ward):
    assert rules_broken(ward, rota(shift("vic", 0, 17, 22))) == {10}
    assert rules_broken(ward, rota(shift("vic", 0, 17, 22), shift("ann", 0, 17, 20, kind=Kind.ON_CALL))) == {10}
    assert rules_broken(ward, rota(shift("vic", 0, 17, 22), shift("ann", 0, 13, 22))) == set()
    assert rules_broken(ward, rota(shift("pat", 0, 17, 22), shift("ann", 0, 17, 22, kind=Kind.ON_CALL))) == set()


def test_violations_are_in_words(ward):
    (violation,) = validate(ward, rota(shift("ben", 0, 12, 18)))
    assert str(violation) == ("Availability and leave: Ben, Eating disorders, Mon 22 Mar 12:00–18:00 (on duty): "
                              "outside Ben's availability")
