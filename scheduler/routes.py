"""The administrators' page of the scheduler: who leads, each job's next run, and what the recent runs did."""

from flask import Blueprint, render_template

from console.database import utcnow
from console.permissions import requires
from scheduler import service
from scheduler.jobs import JOBS
from scheduler.leader import current_leader

bp = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler", template_folder="templates")


@bp.route("/")
@requires("admin.scheduler")
def runs():
    """Jobs, their next runs and the last runs, newest first."""
    return render_template("scheduler/runs.html", jobs=JOBS.values(), next_runs=service.next_runs(),
                           runs=service.recent_runs(), labels={job.name: job.label for job in JOBS.values()},
                           leader=current_leader(), now=utcnow())
