"""The CP-SAT model, one builder at a time: each hard rule refuses a rota that breaks it and takes one that keeps
it, and each score term counts what a rota breaks (and nothing for one that keeps it). A rota is put to the model by
fixing every candidate shift and check on or off."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from rota import constraints, cpsat
from rota.domain import Assignment, Contract, History, Kind, Preference, Rota, Window
from rota.validate import check_assignment
from tests.rota.builders import (EVERY_DAY, H, avoid_evenings, elsewhere, high_risk, low_risk, person, problem, rota,
                                 shift)

ROLES = ["clinical", "non_clinical", "champion", "volunteer", "peer"]
ALL_DAY_STAFF = dict(day_roles=("clinical", "non_clinical"), evening_roles=("clinical", "non_clinical"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ROLES), st.integers(0, 95), st.integers(1, 96)), min_size=1, max_size=5))
def test_every_candidate_shift_and_check_is_within_availability_and_service_hours(people):
    # Availability on a quarter-hour grid anywhere in the day, including wholly outside the hours a role counts for
    # (a champion free only in the morning, when the service asks for staff). A clinician free all day is always
    # there, so the model always has candidates to check and supervised work has its supervisor.
    staff = [person(f"p{i}", role, ("h1", "l1"), start=min(a, b) * 15, end=max(a + 1, b) * 15)
             for i, (role, a, b) in enumerate(people)] + [person("anchor", "clinical", ("h1", "l1"))]
    p = problem([high_risk(), low_risk()], staff, days=2)
    rm = constraints.build(p)
    assert any(key[0] == "anchor" for key in rm.shifts) and any(key[0] == "anchor" for key in rm.checks)
    for staff_id, service, day, start, end in rm.shifts:
        assert check_assignment(p, Assignment(day, start, end, staff_id, service, Kind.PRESENCE)) == []
    for staff_id, service, day, start in rm.checks:
        end = start + p.services[service].checks.minutes
        assert check_assignment(p, Assignment(day, start, end, staff_id, service, Kind.CHECK)) == []


def test_a_champion_free_only_in_the_morning_gets_no_shift_where_only_staff_count():
    p = problem([high_risk()], [person("tara", "champion", start=8 * 60 + 15, end=11 * 60 + 45)], days=1)
    assert list(constraints.build(p).shifts) == []


# --- Putting a rota to the model ---------------------------------------------------------------------------------

def candidates(p, *builders) -> constraints.RotaModel:
    """The model's candidate shifts and checks, with the given builders added."""
    rm = constraints.RotaModel(problem=p, step=constraints.time_step(p))
    constraints.add_presence_shifts(rm)
    constraints.add_checks(rm)
    for builder in builders:
        builder(rm)
    return rm


def put(rm: constraints.RotaModel, chosen: Rota, term=None) -> int | None:
    """Fix the model to a rota: None if the model refuses it, else the term's value there (0 without a term)."""
    shifts = {(a.staff, a.service, a.day, a.start, a.end) for a in chosen.assignments if a.kind == Kind.PRESENCE}
    checks = {(a.staff, a.service, a.day, a.start) for a in chosen.assignments if a.kind == Kind.CHECK}
    assert shifts <= rm.shifts.keys() and checks <= rm.checks.keys(), "the rota is made of the model's candidates"
    model = rm.model.clone()
    for key, variable in rm.shifts.items():
        cpsat.fix(model, variable, int(key in shifts))
    for key, variable in rm.checks.items():
        cpsat.fix(model, variable, int(key in checks))
    if term is not None and not isinstance(term, int):
        model.minimize(term)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return None
    assert status == cp_model.OPTIMAL
    return 0 if term is None else cpsat.value_at(term, cpsat.solution_values(solver))


def check(staff: str, day: int, hour: float, service: str = "l1") -> Assignment:
    """A 30-minute check."""
    return shift(staff, day, hour, hour + 0.5, service, Kind.CHECK)


# --- Candidate work ----------------------------------------------------------------------------------------------

def test_presence_shifts_are_three_to_ten_hours_within_availability_and_off_leave():
    p = problem([high_risk()], [person("ann", start=9 * H, end=15 * H, leave=[problem([], []).date_of(1)])], days=2)
    rm = candidates(p)
    assert ("ann", "h1", 0, 9 * H, 15 * H) in rm.shifts and ("ann", "h1", 0, 9 * H, 12 * H) in rm.shifts
    assert ("ann", "h1", 0, 9 * H, 11 * H) not in rm.shifts  # two hours: shorter than a shift may be
    assert ("ann", "h1", 0, 8 * H, 12 * H) not in rm.shifts  # starts before she is free
    assert not [key for key in rm.shifts if key[2] == 1]  # on leave


def test_a_person_works_one_shift_a_service_a_day():
    rm = candidates(problem([high_risk()], [person("ann")], days=1))
    assert put(rm, rota(shift("ann", 0, 8, 12))) == 0
    assert put(rm, rota(shift("ann", 0, 8, 12), shift("ann", 0, 13, 17))) is None


def test_checks_start_inside_the_window_and_the_persons_availability():
    rm = candidates(problem([low_risk()], [person("cal", services=("l1",), start=10 * H, end=12 * H)], days=1))
    starts = sorted(t for (_staff, _service, _day, t) in rm.checks)
    assert starts[0] == 10 * H and starts[-1] == 11 * H + 30  # the last that ends by 12:00
    assert put(rm, rota(check("cal", 0, 10), check("cal", 0, 11.5))) == 0


def test_volunteers_work_only_while_a_clinician_could_be_on_call():
    supervised = problem([high_risk()], [person("vic", "volunteer", start=17 * H, end=22 * H),
                                         person("cara", "clinical", start=8 * H, end=20 * H)], days=1)
    shifts = [key for key in candidates(supervised).shifts if key[0] == "vic"]
    assert shifts and all(end <= 20 * H for (_s, _v, _d, _start, end) in shifts)
    alone = problem([high_risk()], [person("vic", "volunteer", start=17 * H, end=22 * H)], days=1)
    assert not candidates(alone).shifts


# --- Hard rules --------------------------------------------------------------------------------------------------

def test_one_thing_at_a_time():
    p = problem([high_risk(), low_risk()], [person("ann", services=("h1", "l1"))], days=1)
    rm = candidates(p, constraints.add_one_thing_at_a_time)
    assert put(rm, rota(shift("ann", 0, 8, 12), check("ann", 0, 12))) == 0
    assert put(rm, rota(shift("ann", 0, 8, 12), check("ann", 0, 11))) is None


def test_contract_days_a_week():
    p = problem([high_risk()], [person("ann", contract=Contract(max_days_week=2, max_consecutive_days=7,
                                                                 max_hours_week=80, max_weekends=4))])
    rm = candidates(p, constraints.add_work_days, constraints.add_contract_limits)
    assert put(rm, rota(shift("ann", 0, 8, 12), shift("ann", 2, 8, 12))) == 0
    assert put(rm, rota(shift("ann", 0, 8, 12), shift("ann", 2, 8, 12), shift("ann", 4, 8, 12))) is None


def test_contract_hours_a_week_count_work_for_other_services():
    p = problem([high_risk()], [person("ann", contract=Contract(max_days_week=7, max_consecutive_days=7,
                                                                 max_hours_week=20, max_weekends=4))])
    rm = candidates(p, constraints.add_work_days, constraints.add_contract_limits)
    assert put(rm, rota(shift("ann", 0, 8, 17), shift("ann", 1, 8, 17))) == 0  # 18 hours
    assert put(rm, rota(shift("ann", 0, 8, 17), shift("ann", 1, 8, 17), shift("ann", 2, 8, 11))) is None
    busy = problem([high_risk()], [person("ann", contract=Contract(max_days_week=7, max_consecutive_days=7,
                                                                    max_hours_week=20, max_weekends=4),
                                          committed=[elsewhere(3, 8, 12)])])
    rm = candidates(busy, constraints.add_work_days, constraints.add_contract_limits)
    assert put(rm, rota(shift("ann", 0, 8, 17), shift("ann", 1, 8, 17))) is None  # 18 + 4 hours


def test_contract_consecutive_days():
    p = problem([high_risk()], [person("ann", contract=Contract(max_days_week=7, max_consecutive_days=2,
                                                                 max_hours_week=80, max_weekends=4))])
    rm = candidates(p, constraints.add_work_days, constraints.add_contract_limits)
    assert put(rm, rota(*(shift("ann", day, 8, 12) for day in (0, 1, 3, 4)))) == 0
    assert put(rm, rota(*(shift("ann", day, 8, 12) for day in (0, 1, 2)))) is None


def test_contract_weekends():
    p = problem([high_risk()], [person("ann", contract=Contract(max_days_week=7, max_consecutive_days=7,
                                                                 max_hours_week=80, max_weekends=1))], days=14)
    rm = candidates(p, constraints.add_work_days, constraints.add_contract_limits)
    assert put(rm, rota(shift("ann", 5, 8, 12), shift("ann", 6, 8, 12))) == 0  # both days of one weekend
    assert put(rm, rota(shift("ann", 5, 8, 12), shift("ann", 13, 8, 12))) is None  # two weekends


def test_rest_between_days():
    p = problem([high_risk(**ALL_DAY_STAFF)], [person("ann", contract=Contract(
        max_days_week=7, max_consecutive_days=7, max_hours_week=80, max_weekends=4, min_rest_hours=11))], days=2)
    rm = candidates(p, constraints.add_rest)
    assert put(rm, rota(shift("ann", 0, 17, 22), shift("ann", 1, 9, 13))) == 0  # 11 hours
    assert put(rm, rota(shift("ann", 0, 17, 22), shift("ann", 1, 8, 12))) is None  # 10 hours


# --- Score terms -------------------------------------------------------------------------------------------------

def test_uncovered_presence_minutes():
    p = problem([high_risk()], [person("ann"), person("cham", "champion", start=17 * H, end=22 * H)], days=1)
    rm = candidates(p)
    term = constraints.presence_shortfall(rm)
    assert put(rm, rota(), term) == 14 * H
    assert put(rm, rota(shift("ann", 0, 8, 17)), term) == 5 * H  # the evening is uncovered
    assert put(rm, rota(shift("ann", 0, 8, 17), shift("cham", 0, 17, 22)), term) == 0


def test_missed_checks_and_long_gaps():
    p = problem([low_risk()], [person("cal", services=("l1",))], days=1)
    rm = candidates(p)
    term = constraints.check_shortfall(rm)
    spread = [check("cal", 0, hour) for hour in (9, 12.5, 16, 19.5)]
    assert put(rm, rota(*spread), term) == 0
    assert put(rm, rota(*spread[:3]), term) > 30  # a check missing (30 minutes) and the evening's gap too long
    bunched = [check("cal", 0, hour) for hour in (8, 9, 10, 11)]
    assert put(rm, rota(*bunched), term) > 0  # four checks, but more than four hours without one


def test_contract_minimum_shortfall():
    p = problem([high_risk()], [person("ann", contract=Contract(min_hours_week=10, max_days_week=7,
                                                                 max_consecutive_days=7, max_hours_week=80,
                                                                 max_weekends=4))])
    rm = candidates(p)
    term = constraints.contract_shortfall(rm)
    assert put(rm, rota(shift("ann", 0, 8, 17)), term) == 60
    assert put(rm, rota(shift("ann", 0, 8, 17), shift("ann", 1, 8, 11)), term) == 0


def test_preferences_avoided_and_wished_for_on_working_days():
    evening_work = high_risk(**ALL_DAY_STAFF)
    p = problem([evening_work], [person("ann", preferences=[avoid_evenings(3)])], days=1)
    rm = candidates(p, constraints.add_work_days)
    term = constraints.preference_penalties(rm)
    assert put(rm, rota(shift("ann", 0, 8, 17)), term) == 0
    assert put(rm, rota(shift("ann", 0, 13, 22)), term) == 3
    mornings = Preference("prefer", Window(EVERY_DAY, 8 * H, 12 * H), 2)
    p = problem([evening_work], [person("ann", preferences=[mornings])], days=1)
    rm = candidates(p, constraints.add_work_days)
    term = constraints.preference_penalties(rm)
    assert put(rm, rota(shift("ann", 0, 8, 12)), term) == 0
    assert put(rm, rota(shift("ann", 0, 13, 17)), term) == 2  # a working day with none of it in the morning
    assert put(rm, rota(), term) == 0, "score version 2: a day off meets a preference (it places work, asks none)"


def test_the_worst_off_weekend_figure_counts_history_and_leaves_volunteers_out():
    p = problem([high_risk(**ALL_DAY_STAFF)], [person("ann"), person("bob", "non_clinical")])
    p = type(p)(**{**p.__dict__, "history": {"bob": History(weekend_days=1)}})
    rm = candidates(p, constraints.add_work_days)
    term = constraints.weekend_fairness(rm)
    assert put(rm, rota(shift("ann", 5, 8, 12), shift("bob", 6, 8, 12)), term) == 2  # bob: 1 before, 1 now
    assert put(rm, rota(shift("ann", 0, 8, 12)), term) == 1
    cap = constraints.weekend_excess(rm, 1)
    assert put(rm, rota(shift("ann", 5, 8, 12), shift("ann", 6, 8, 12), shift("bob", 6, 8, 12)), cap) == 2
    assert put(rm, rota(shift("ann", 5, 8, 12)), cap) == 0


def test_the_worst_off_evening_figure():
    p = problem([high_risk(**ALL_DAY_STAFF)], [person("ann"), person("bob")])
    rm = candidates(p)
    term = constraints.evening_fairness(rm)
    assert put(rm, rota(shift("ann", 0, 17, 22), shift("ann", 1, 17, 22), shift("bob", 2, 17, 22)), term) == 2
    assert put(rm, rota(shift("ann", 0, 8, 17), shift("bob", 2, 8, 17)), term) == 0


def test_the_most_minutes_over_a_contract_minimum():
    contract = Contract(min_hours_week=4, max_days_week=7, max_consecutive_days=7, max_hours_week=80, max_weekends=4)
    p = problem([high_risk()], [person("ann", contract=contract), person("bob", contract=contract)])
    rm = candidates(p)
    term = constraints.contract_fairness(rm)
    assert put(rm, rota(shift("ann", 0, 8, 12), shift("bob", 0, 8, 14)), term) == 2 * H
    assert put(rm, rota(shift("ann", 0, 8, 12), shift("bob", 0, 8, 12)), term) == 0


def test_minutes_changed_from_the_published_rota():
    published = rota(shift("ann", 0, 8, 17), check("cal", 0, 9))
    p = problem([high_risk(), low_risk()], [person("ann"), person("bob"), person("cal", services=("l1",))], days=1)
    rm = constraints.RotaModel(problem=p, step=constraints.time_step(p))
    constraints.add_presence_shifts(rm, extra=published.assignments)
    constraints.add_checks(rm)
    term = constraints.changed_minutes(rm, published)
    assert put(rm, published, term) == 0
    assert put(rm, rota(shift("bob", 0, 8, 17), check("cal", 0, 9)), term) == 2 * 9 * H  # ann off, bob on
    assert put(rm, rota(shift("ann", 0, 8, 17), check("cal", 0, 10)), term) == 60  # a check moved


@pytest.mark.parametrize("builder", [constraints.add_one_thing_at_a_time, constraints.add_work_days,
                                     constraints.add_contract_limits, constraints.add_rest])
def test_an_empty_rota_breaks_no_hard_rule(builder):
    p = problem([high_risk(), low_risk()], [person("ann", services=("h1", "l1"))])
    rm = candidates(p, constraints.add_work_days, builder)
    assert put(rm, rota()) == 0


def test_rostered_minutes_count_presence_and_checks():
    p = problem([high_risk(**ALL_DAY_STAFF), low_risk()], [person("ann", services=("h1", "l1"))], days=2)
    rm = candidates(p, constraints.add_work_days, constraints.add_contract_limits)
    term = constraints.rostered_minutes(rm)
    assert put(rm, rota(), term) == 0
    assert put(rm, rota(shift("ann", 0, 8, 12), shift("ann", 1, 13, 13.5, "l1", Kind.CHECK)), term) == 4 * 60 + 30
