"""The administrators' page of the scheduler: who leads, each job's next run, and what the recent runs did."""

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, render_template

from console.database import utcnow
from console.extensions import db
from console.permissions import requires
from scheduler.jobs import JOBS
from scheduler.leader import current_leader
from scheduler.models import JobRun, scheduler_jobs

bp = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler", template_folder="templates")
RUNS_SHOWN = 100


def next_runs() -> dict[str, datetime]:
    """Each job's next run time, as APScheduler's store holds it (none until a scheduler has started)."""
    rows = db.session.execute(sa.select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time))
    return {name: datetime.fromtimestamp(at, UTC) for name, at in rows if at is not None}


@bp.route("/")
@requires("admin.scheduler")
def runs():
    """Jobs, their next runs and the last runs, newest first."""
    recent = db.session.scalars(sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
                                .limit(RUNS_SHOWN)).all()
    return render_template("scheduler/runs.html", jobs=JOBS.values(), next_runs=next_runs(), runs=recent,
                           labels={job.name: job.label for job in JOBS.values()}, leader=current_leader(),
                           now=utcnow())
