"""APScheduler on the main database: the jobs are stored there, and a run missed while no scheduler was up happens
once when one starts again."""

from datetime import datetime

import sqlalchemy as sa
import time_machine

from console.database import LONDON
from console.extensions import db
from scheduler import runner
from scheduler.jobs import JOBS
from scheduler.models import JobRun, scheduler_jobs
from scheduler.process import start_scheduler
from tests.helpers import at, wait_until


def _runs_of(job: str) -> int:
    count = db.session.scalar(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.job == job))
    db.session.rollback()
    return count


def test_a_run_missed_while_no_scheduler_was_up_happens_once_when_one_starts(app):
    """The scheduler stops at 06:59 and is back at 07:10: the 07:00 digest runs then, once."""
    runner.use_app(app)
    with time_machine.travel(at(6, 59)) as traveller, app.app_context():
        first = start_scheduler()
        first.shutdown(wait=True)
        stored = db.session.execute(sa.select(scheduler_jobs.c.id)).scalars().all()
        db.session.rollback()
        assert set(stored) == set(JOBS), "every job is kept in the main database"

        traveller.move_to(at(7, 10))
        second = start_scheduler()
        wait_until(lambda: _runs_of("digest"), 10)
        second.shutdown(wait=True)
        assert _runs_of("digest") == 1, "the missed run happens once"
        assert _runs_of("monthly") == 0, "and nothing that was not due"
        later = db.session.scalar(sa.select(scheduler_jobs.c.next_run_time).where(scheduler_jobs.c.id == "digest"))
        db.session.rollback()
        assert datetime.fromtimestamp(later, LONDON).hour == 8, "its next run is the next hour's"
