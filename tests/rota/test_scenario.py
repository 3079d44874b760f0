"""The modrota/1 exchange format: the shared scenarios load, solutions round-trip, bad files say why."""

import json
import os
from datetime import date
from pathlib import Path

import pytest

from rota.scenario import (
    ScenarioError,
    load_problem,
    load_rota,
    problem_from_dict,
    problem_to_dict,
    rota_from_dict,
    rota_to_dict,
)
from rota.score import score
from rota.validate import validate

BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "moderation"
SCENARIOS = ["small-4-services", "trust-12-services"]


@pytest.fixture(params=SCENARIOS)
def scenario(request):
    path = BENCHMARKS / f"{request.param}.json"
    if not path.exists():
        if os.environ.get("CI"):  # CI runs with shared/ beside the clone: a missing file is an error there
            pytest.fail(f"shared benchmarks not found at {BENCHMARKS}")
        pytest.skip(f"shared benchmarks not found at {BENCHMARKS}")
    return path, BENCHMARKS / f"{request.param}.planted.json"


def test_planted_solutions_are_valid_and_fully_covered(scenario):
    problem = load_problem(scenario[0])
    planted = load_rota(scenario[1], problem)
    assert validate(problem, planted) == []
    assert score(problem, planted).uncovered_minutes == 0


def test_solutions_round_trip(scenario):
    problem = load_problem(scenario[0])
    planted = load_rota(scenario[1], problem)
    again = rota_from_dict(json.loads(json.dumps(rota_to_dict(planted, problem))), problem)
    assert sorted(again.assignments) == sorted(planted.assignments)


def test_scenarios_round_trip_through_the_writer(scenario):
    problem = load_problem(scenario[0])
    written = json.loads(json.dumps(problem_to_dict(problem)))
    assert problem_from_dict(written) == problem
    first = written["staff"][0]
    assert first["contract"]["max_weekends"] == problem.staff[first["id"]].contract.max_weekends


def test_an_end_at_midnight_is_written_as_the_next_day(scenario):
    problem = load_problem(scenario[0])
    data = {"format": "modrota-solution/1", "assignments": [
        {"staff": "p1", "service": "h1", "kind": "on_call", "start": "2027-03-22T20:00", "end": "2027-03-23T00:00"}]}
    (assignment,) = rota_from_dict(data, problem).assignments
    assert (assignment.day, assignment.start, assignment.end) == (0, 1200, 1440)
    assert rota_to_dict(rota_from_dict(data, problem), problem)["assignments"][0]["end"] == "2027-03-23T00:00"


@pytest.mark.parametrize("entry,message", [
    ("p1", r"assignments\[1\]: must be an object"),
    ([], r"assignments\[1\]: must be an object"),
    ({"staff": "p1", "service": "h1", "start": "2027-03-22T08:00", "end": "2027-03-22T12:00"},
     r"assignments\[1\]: missing \"kind\""),
    ({"staff": "p1", "service": "h1", "kind": ["presence"], "start": "2027-03-22T08:00", "end": "2027-03-22T12:00"},
     r"assignments\[1\]\.kind: \['presence'\] is not presence, check or on_call"),
])
def test_a_malformed_assignment_is_named_by_its_position(scenario, entry, message):
    problem = load_problem(scenario[0])
    good = {"staff": "p1", "service": "h1", "kind": "presence", "start": "2027-03-22T08:00",
            "end": "2027-03-22T12:00"}
    with pytest.raises(ScenarioError, match=message):
        rota_from_dict({"format": "modrota-solution/1", "assignments": [good, entry]}, problem)


MINIMAL = {"format": "modrota/1", "name": "x", "start": "2027-03-22", "days": 7, "services": [
    {"id": "l1", "checks": {"per_day": 4, "max_gap_hours": 4, "window": ["08:00", "22:00"], "minutes": 30,
                            "roles": ["clinical"]}}], "staff": []}


@pytest.mark.parametrize("change,message", [
    ({"format": "other"}, "not a modrota/1 scenario"),
    ({"start": "2027-03-23"}, "is a Tuesday; the horizon starts on a Monday"),
    ({"days": 10}, "scenario.days: 10 is not a positive multiple of 7"),
    ({"services": [{"id": "x"}]}, "services[0]: a service needs"),
    ({"services": [{"id": "h", "presence": [{"days": [0], "start": "08:00", "end": "17:00", "roles": ["clinical"],
                                             "min": "two"}]}]}, "services[0].presence[0].min: 'two' is not a whole"),
    ({"services": [{"id": "l", "checks": {"per_day": 4, "max_gap_hours": "4h", "window": ["08:00", "22:00"],
                                          "minutes": 30, "roles": ["clinical"]}}]},
     "services[0].checks.max_gap_hours: '4h' is not a number"),
    ({"staff": [{"id": "p", "role": "clinical", "services": ["nope"]}]},
     "staff[0]: trained for an unknown service nope"),
    ({"staff": [{"id": "p", "role": "clinical", "services": [], "availability": [
        {"days": [0], "start": "9am", "end": "17:00"}]}]}, "staff[0].availability[0].start: '9am' is not a time"),
    ({"staff": [{"id": "p", "role": "clinical", "services": [], "availability": [
        {"days": [9], "start": "09:00", "end": "17:00"}]}]}, "\"days\" must be a list of weekdays"),
])
def test_bad_scenarios_say_what_is_wrong(change, message):
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
                       .replace("]", r"\]")):
        problem_from_dict({**MINIMAL, **change})


def test_preferences_may_run_past_midnight():
    data = {**MINIMAL, "staff": [{"id": "p", "role": "clinical", "services": ["l1"], "preferences": [
        {"kind": "avoid", "days": [4], "start": "17:00", "end": "26:00", "weight": 2}]}]}
    (preference,) = problem_from_dict(data).staff["p"].preferences
    assert (preference.window.start, preference.window.end) == (1020, 1560)


def test_one_off_unavailability_and_service_preferences_are_read():
    data = {**MINIMAL, "staff": [{"id": "p", "role": "clinical", "services": ["l1"],
                                  "availability": [{"days": [1], "start": "08:00", "end": "22:00"}],
                                  "unavailable": [{"date": "2027-03-23", "start": "12:00", "end": "15:00"},
                                                  {"date": "2027-03-30"}],
                                  "preferences": [{"kind": "avoid", "days": [1], "start": "08:00", "end": "22:00",
                                                   "service": "l1"}]}]}
    person = problem_from_dict(data).staff["p"]
    assert [(w.start, w.end) for w in person.available_on(date(2027, 3, 23))] == [(480, 720), (900, 1320)]
    assert person.available_on(date(2027, 3, 30)) == ()
    assert person.preferences[0].service == "l1"
    with pytest.raises(ScenarioError, match=r"staff\[0\]\.preferences\[0\]\.service: 'h9' is not a service"):
        problem_from_dict({**data, "staff": [{**data["staff"][0], "preferences": [
            {"kind": "avoid", "days": [1], "start": "08:00", "end": "22:00", "service": "h9"}]}]})
    with pytest.raises(ScenarioError, match=r"unavailable\[0\]: ends at 10:00, not after its start 12:00"):
        problem_from_dict({**data, "staff": [{**data["staff"][0], "unavailable": [
            {"date": "2027-03-23", "start": "12:00", "end": "10:00"}]}]})
