"""Command line for the moderation benchmark scenarios (format modrota/1).

    python -m rota.bench scenario FILE --seconds S --workers W --out SOLUTION.json
    python -m rota.bench check FILE SOLUTION.json

`scenario` solves a scenario and prints the score components, the bounds, the wall time and
peak memory; `check` runs the engine's validator and scorer on any solution file.
"""

import argparse
import json
import resource
import sys
import time

from rota.scenario import ScenarioError, load_problem, load_rota, save_rota
from rota.score import score, uncovered_gaps
from rota.solver import solve
from rota.validate import validate


def _peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_scenario(args: argparse.Namespace) -> int:
    """Solve a scenario, write the solution, print the figures."""
    loading = time.monotonic()
    problem = load_problem(args.file)
    result = solve(problem, time_limit_s=args.seconds, workers=args.workers)
    if args.out:
        save_rota(result.rota, problem, args.out)
    violations = validate(problem, result.rota)
    report = {
        "scenario": problem.name, "status": result.status, "valid": not violations,
        "score": result.score.as_dict(), "bounds": result.bounds,
        "first_full_cover_seconds": result.first_full_cover_seconds,
        "wall_seconds": round(time.monotonic() - loading, 2), "peak_memory_mib": round(_peak_memory_mib(), 1),
        "assignments": len(result.rota.assignments),
    }
    print(json.dumps(report, indent=1))
    for violation in violations[:20]:
        print(f"  invalid: {violation}", file=sys.stderr)
    return 0 if not violations else 1


def run_check(args: argparse.Namespace) -> int:
    """Validate and score a solution file."""
    problem = load_problem(args.file)
    rota = load_rota(args.solution, problem)
    violations = validate(problem, rota)
    for violation in violations:
        print(f"invalid: {violation}")
    print(json.dumps({"valid": not violations, "violations": len(violations),
                      "score": score(problem, rota).as_dict(),
                      "uncovered_windows": len(uncovered_gaps(problem, rota))}, indent=1))
    return 0 if not violations else 1


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m rota.bench", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    scenario = commands.add_parser("scenario", help="solve a scenario and print its score")
    scenario.add_argument("file")
    scenario.add_argument("--seconds", type=float, default=60.0)
    scenario.add_argument("--workers", type=int, default=2)
    scenario.add_argument("--out", help="where to write the solution (modrota-solution/1)")
    check = commands.add_parser("check", help="validate and score a solution")
    check.add_argument("file")
    check.add_argument("solution")
    args = parser.parse_args(argv)
    try:
        return run_scenario(args) if args.command == "scenario" else run_check(args)
    except (ScenarioError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
