"""Command line for the moderation benchmark scenarios (format modrota/1).

    python -m rota.bench scenario FILE --seconds S --workers W --out SOLUTION.json
    python -m rota.bench baseline FILE --seconds S --workers W --out SOLUTION.json
    python -m rota.bench check FILE SOLUTION.json
    python -m rota.bench thin FILE --keep 0.7 --seed 1 --out SHORT.json
    python -m rota.bench curtois INSTANCE.txt ... --seconds S --workers W --out DIR
    python -m rota.bench curtois-all FOLDER --seconds S --workers W --out DIR

`scenario` solves a scenario with the engine and prints the score (FORMAT.md's version 2), the bounds (each
phase's, and the lower bounds from everyone's own best, with what they say in words), the wall
time, peak memory and every uncovered window explained; `baseline` does the same with the
plain CP-SAT model (rota.bench.baseline) for a side-by-side run; `check` runs the engine's validator
and scorer on any solution file; `thin` writes a short-staffed variant of a scenario (a random
share of its staff kept) to check that results generalise; `curtois` solves Curtois & Qu
instances and prints each penalty beside the best known one (best_known.csv next to the files), and
`curtois-all` every instance of a folder as one table, each roster written and re-checked.
"""

import argparse
import csv
import json
import random
import resource
import sys
import time
from pathlib import Path

from rota.bench.baseline import solve_baseline
from rota.bench.curtois.check import broken_rules
from rota.bench.curtois.instance import InstanceError, format_roster, load_instance
from rota.bench.curtois.solver import solve_instance, solve_plain
from rota.bounds import summary
from rota.explain import explain
from rota.scenario import ScenarioError, load_problem, load_rota, save_rota
from rota.score import score
from rota.solver import solve
from rota.validate import validate


def _peak_memory_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_scenario(args: argparse.Namespace) -> int:
    """Solve a scenario with the engine, write the solution, print the figures."""
    loading = time.monotonic()
    problem = load_problem(args.file)
    result = solve(problem, time_limit_s=args.seconds, workers=args.workers)
    return _report(args, problem, result.rota, loading, status=result.status, bounds=result.bounds,
                   lower_bounds=result.lower_bounds,
                   against_bounds=summary(result.person_bounds, result.score) if result.person_bounds else [],
                   first_full_cover_seconds=result.first_full_cover_seconds,
                   search_skipped=None if result.search_skipped_seconds is None else
                   f"setting up the whole search would take about {result.search_skipped_seconds:.0f} s, more than "
                   f"half of --seconds: the first rota, then {result.parts_tried} groups of services searched in "
                   f"turn, {result.parts_improved} of them better")


def run_baseline(args: argparse.Namespace) -> int:
    """Solve a scenario with the plain CP-SAT model, write the solution, print the figures."""
    loading = time.monotonic()
    problem = load_problem(args.file)
    result = solve_baseline(problem, time_limit_s=args.seconds, workers=args.workers)
    return _report(args, problem, result.rota, loading, status=result.status, variables=result.variables)


def _report(args: argparse.Namespace, problem, rota, loading: float, **figures) -> int:
    if args.out:
        save_rota(rota, problem, args.out)
    violations = validate(problem, rota)
    unmet = explain(problem, rota)
    reached = score(problem, rota)
    report = {
        "scenario": problem.name, "valid": not violations, "score": reached.format_score(),
        "engine_fairness": {"max_evenings": reached.max_evenings,
                            "max_minutes_over_contract": reached.max_minutes_over_contract}, **figures,
        "wall_seconds": round(time.monotonic() - loading, 2), "peak_memory_mib": round(_peak_memory_mib(), 1),
        "assignments": len(rota.assignments), "uncovered_windows": len(unmet),
        "explanations": [str(u) for u in unmet[:args.explain]],
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
                      "score": score(problem, rota).format_score(),
                      "uncovered_windows": [str(u) for u in explain(problem, rota)]}, indent=1))
    return 0 if not violations else 1


def run_thin(args: argparse.Namespace) -> int:
    """Write a short-staffed variant: each person kept with probability --keep."""
    data = json.loads(Path(args.file).read_text())
    rng = random.Random(args.seed)
    data["staff"] = [person for person in data["staff"] if rng.random() < args.keep]
    data["name"] = f"{data.get('name', 'scenario')}-keep{args.keep:g}-seed{args.seed}"
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n")
    print(f"{args.out}: {len(data['staff'])} staff kept")
    return 0


def _solve_curtois(path: Path, args: argparse.Namespace, solve=solve_instance, out: str = "") -> dict:
    """Solve one instance, write its roster (with --out), and re-check the roster with the rules' checker."""
    started = time.monotonic()
    instance = load_instance(path)
    result = solve(instance, time_limit_s=args.seconds, workers=args.workers)
    broken = broken_rules(instance, result.roster) if result.roster else ["no roster found"]
    if args.out and result.roster:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / f"{path.stem}{out}.roster.txt").write_text(format_roster(instance, result.roster))
    return {"instance": path.name, "penalty": result.penalty if result.roster else None,
            "best_known": _best_known(path), "bound": result.bound, "status": result.status, "valid": not broken,
            "seconds": round(time.monotonic() - started, 1), "peak_memory_mib": round(_peak_memory_mib(), 1)}


def run_curtois(args: argparse.Namespace) -> int:
    """Solve benchmark instances one by one; print penalty, best known, bound, validity and time."""
    rows = []
    for path in map(Path, args.files):
        rows.append(_solve_curtois(path, args))
        print(json.dumps(rows[-1]))
    return 1 if not all(row["valid"] for row in rows) else 0


def _instance_number(path: Path) -> int:
    digits = "".join(ch for ch in path.stem if ch.isdigit())
    return int(digits) if digits else 0


def _above(penalty: int | None, best: int | None) -> str:
    """How far a penalty is above the best known, in per cent."""
    if penalty is None or best is None:
        return "–"
    if best == 0:
        return "0.0 %" if penalty == 0 else f"+{penalty}"
    return f"{100 * (penalty - best) / best:.1f} %"


def run_curtois_all(args: argparse.Namespace) -> int:
    """Solve every instance of a folder, in number order, and print one table against the best known penalties;
    unless --engine-only, the plain model (one CP-SAT search at its defaults) solves each one too, for comparison."""
    paths = sorted(Path(args.folder).glob("Instance*.txt"), key=_instance_number)
    if not paths:
        raise OSError(f"no Instance*.txt files in {args.folder}")
    plain = not args.engine_only
    workers = f"{args.workers} worker{'' if args.workers == 1 else 's'}"
    print(f"Curtois & Qu instances, {args.seconds:g} s and {workers} each")
    print("| Instance | Penalty | Best known | Above best known | Valid | Status | Seconds |"
          + (" Plain model | Plain above best known | Plain valid |" if plain else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|---|" if plain else ""))
    rows = []
    for path in paths:
        row = _solve_curtois(path, args)
        rows.append(row)
        penalty, best = row["penalty"], row["best_known"]
        line = (f"| {path.stem} | {'no roster' if penalty is None else penalty} | {'–' if best is None else best} | "
                f"{_above(penalty, best)} | {'yes' if row['valid'] else 'NO'} | {row['status']} | {row['seconds']} |")
        if plain:
            other = _solve_curtois(path, args, solve_plain, out=".plain")
            line += (f" {'no roster' if other['penalty'] is None else other['penalty']} | "
                     f"{_above(other['penalty'], best)} | {'yes' if other['valid'] else 'no'} |")
        print(line, flush=True)
    at_best = sum(1 for row in rows if row["penalty"] is not None and row["penalty"] == row["best_known"])
    valid = sum(1 for row in rows if row["valid"])
    print(f"\n{valid} of {len(rows)} rosters valid (re-checked by the rules' checker); {at_best} at the best known "
          f"penalty.")
    return 0 if valid == len(rows) else 1


def _best_known(path: Path) -> int | None:
    table = path.parent / "best_known.csv"
    if not table.exists():
        return None
    with table.open() as rows:
        return next((int(row["best_known_penalty"]) for row in csv.DictReader(rows) if row["instance"] == path.name),
                    None)


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command."""
    parser = argparse.ArgumentParser(prog="python -m rota.bench", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("scenario", "solve a scenario with the engine and print its score"),
                       ("baseline", "solve a scenario with the plain CP-SAT model and print its score")):
        solving = commands.add_parser(name, help=text)
        solving.add_argument("file")
        solving.add_argument("--seconds", type=float, default=60.0)
        solving.add_argument("--workers", type=int, default=2)
        solving.add_argument("--out", help="where to write the solution (modrota-solution/1)")
        solving.add_argument("--explain", type=int, default=10, help="how many uncovered windows to explain")
    check = commands.add_parser("check", help="validate and score a solution")
    check.add_argument("file")
    check.add_argument("solution")
    thin = commands.add_parser("thin", help="write a short-staffed variant of a scenario")
    thin.add_argument("file")
    thin.add_argument("--keep", type=float, default=0.7, help="share of the staff kept")
    thin.add_argument("--seed", type=int, default=1)
    thin.add_argument("--out", required=True)
    instances = commands.add_parser("curtois", help="solve Curtois & Qu benchmark instances")
    instances.add_argument("files", nargs="+")
    instances.add_argument("--seconds", type=float, default=60.0)
    instances.add_argument("--workers", type=int, default=2)
    instances.add_argument("--out", help="folder for the rosters (tab-separated, one line per employee)")
    every = commands.add_parser("curtois-all", help="solve every Curtois & Qu instance of a folder: one table")
    every.add_argument("folder", help="the folder of Instance*.txt files and best_known.csv")
    every.add_argument("--seconds", type=float, default=60.0)
    every.add_argument("--workers", type=int, default=2)
    every.add_argument("--out", help="folder for the rosters (tab-separated, one line per employee)")
    every.add_argument("--engine-only", action="store_true", help="leave out the plain model's search")
    args = parser.parse_args(argv)
    commands = {"scenario": run_scenario, "baseline": run_baseline, "check": run_check, "thin": run_thin,
                "curtois": run_curtois, "curtois-all": run_curtois_all}
    try:
        return commands[args.command](args)
    except (ScenarioError, InstanceError, OSError, json.JSONDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

if __name__ == "__main__":
    sys.exit(main())
