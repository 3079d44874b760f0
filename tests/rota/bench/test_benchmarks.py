"""The engine on the shared benchmarks at their real budget (60 s, 2 workers): minutes each, so marked `benchmark`
and left out of `make test`; `make bench` runs them. Figures over time are in docs/benchmarks.md."""

import csv
import os
from pathlib import Path

import pytest

from rota.bench.curtois.check import broken_rules
from rota.bench.curtois.instance import parse_instance
from rota.bench.curtois.solver import solve_instance
from rota.scenario import load_problem, load_rota
from rota.score import score
from rota.solver import solve
from rota.validate import validate

pytestmark = pytest.mark.benchmark
SHARED = Path(__file__).resolve().parents[4] / "shared" / "benchmarks"


def shared(*parts: str) -> Path:
    """A file of the shared benchmarks (beside the clone), or a skip outside CI when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"shared benchmarks not found at {path}")
        pytest.skip(f"shared benchmarks not found at {path}")
    return path


@pytest.mark.parametrize("name", ["small-4-services", "trust-12-services"])
def test_a_scenario_is_covered_in_full_within_every_rule_and_beats_its_planted_rota(name):
    problem = load_problem(shared("moderation", f"{name}.json"))
    planted = load_rota(shared("moderation", f"{name}.planted.json"), problem)
    result = solve(problem, time_limit_s=60, workers=2)
    assert validate(problem, result.rota) == []
    assert result.score.uncovered_minutes == 0
    assert result.score <= score(problem, planted)


@pytest.mark.parametrize("name", ["Instance1.txt", "Instance2.txt", "Instance3.txt"])
def test_a_curtois_instance_gets_a_valid_roster_near_its_best_known_penalty(name):
    path = shared("curtois", name)
    best = {row["instance"]: int(row["best_known_penalty"])
            for row in csv.DictReader(shared("curtois", "best_known.csv").open())}[name]
    instance = parse_instance(path.read_text(), name)
    result = solve_instance(instance, time_limit_s=60, workers=2)
    assert broken_rules(instance, result.roster) == []
    assert result.penalty <= best * 1.25, f"{name}: {result.penalty} against the best known {best}"
