"""The demo trust's drafts against what their standards need: `python -m console.bench.drafts` (figures go in
docs/benchmarks.md).

Loads the demo (`flask demo load`'s data) into a fresh, migrated SQLite file and makes a 4-week draft from next
Monday for each service on its own, with the engine as a solver run does (`--seconds` each, 2 workers), and then
for groups of services given with `--together` (slugs joined by commas). For each it prints the rostered hours, the
hours the standards need, the share over, and where any surplus comes from (rota.surplus).
"""

import argparse
import tempfile
from datetime import date, timedelta
from pathlib import Path

import flask_migrate
import sqlalchemy as sa

from console import create_app, demo
from console.extensions import db
from console.rotas import problem as problems
from console.services.models import Service
from rota.score import needed_minutes
from rota.solver import solve
from rota.surplus import surplus


def main() -> None:
    """Load the demo, make each draft, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--together", action="append", default=[], help="slugs of services made in one draft")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="console-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "bench",
                      "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.db'}", "MAIL_SERVER": ""})
    today = date.today()
    start = today + timedelta(days=7 - today.weekday())
    with app.app_context():
        flask_migrate.upgrade()
        demo.load()
        groups = [[slug] for _, slug, *_ in demo.SERVICES] + [group.split(",") for group in args.together]
        for slugs in groups:
            chosen = list(db.session.scalars(sa.select(Service).where(Service.slug.in_(slugs))))
            problem = problems.build_problem(chosen, start, 28)
            result = solve(problem, time_limit_s=args.seconds, workers=2)
            rostered, needed = result.score.rostered_minutes, needed_minutes(problem)
            found = surplus(problem, result.rota)
            reasons = {name: minutes for name, minutes in vars(found).items()
                       if name not in ("minutes", "bound") and minutes}
            print(f"{', '.join(slugs)}: rostered {rostered / 60:g} h, needed {needed / 60:g} h "
                  f"({(rostered - needed) / max(1, needed):+.1%}), uncovered {result.score.uncovered_minutes} min, "
                  f"{result.seconds:.0f} s; surplus by reason (minutes): {reasons or 'none'}", flush=True)


if __name__ == "__main__":
    main()
