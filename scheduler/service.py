"""What the scheduler's page reads: each job's next run as APScheduler's store holds it, and the latest runs."""

from datetime import UTC, datetime

import sqlalchemy as sa

from console.extensions import db
from scheduler.models import JobRun, scheduler_jobs

RUNS_SHOWN = 100


def next_runs() -> dict[str, datetime]:
    """Each job's next run time, as APScheduler's store holds it (none until a scheduler has started)."""
    rows = db.session.execute(sa.select(scheduler_jobs.c.id, scheduler_jobs.c.next_run_time))
    return {name: datetime.fromtimestamp(at, UTC) for name, at in rows if at is not None}


def recent_runs() -> list[JobRun]:
    """The latest runs of every job, newest first."""
    return list(db.session.scalars(sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc())
                                   .limit(RUNS_SHOWN)))
