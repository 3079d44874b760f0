"""The CP-SAT model's candidate work: nothing it may choose breaks a rule on its own."""

from hypothesis import given, settings
from hypothesis import strategies as st

from rota import constraints
from rota.domain import Assignment, Kind
from rota.validate import check_assignment
from tests.rota.builders import high_risk, low_risk, person, problem

ROLES = ["clinical", "non_clinical", "champion", "volunteer", "peer"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ROLES), st.integers(0, 95), st.integers(1, 96)), min_size=1, max_size=5))
def test_every_candidate_shift_and_check_is_within_availability_and_service_hours(people):
    # Availability on a quarter-hour grid anywhere in the day, including wholly outside the hours a role counts for
    # (a champion free only in the morning, when the service asks for staff).
    staff = [person(f"p{i}", role, ("h1", "l1"), start=min(a, b) * 15, end=max(a + 1, b) * 15)
             for i, (role, a, b) in enumerate(people)]
    p = problem([high_risk(), low_risk()], staff, days=2)
    rm = constraints.build(p)
    for staff_id, service, day, start, end in rm.shifts:
        assert check_assignment(p, Assignment(day, start, end, staff_id, service, Kind.PRESENCE)) == []
    for staff_id, service, day, start in rm.checks:
        end = start + p.services[service].checks.minutes
        assert check_assignment(p, Assignment(day, start, end, staff_id, service, Kind.CHECK)) == []


def test_a_champion_free_only_in_the_morning_gets_no_shift_where_only_staff_count():
    p = problem([high_risk()], [person("tara", "champion", start=8 * 60 + 15, end=11 * 60 + 45)], days=1)
    assert list(constraints.build(p).shifts) == []

