"""Running one job for one period, once: its run row is written first under a unique (job, period) key, so a
second process, a restart or a catch-up after missed runs finds the period taken and does nothing."""

import logging
from datetime import datetime

from flask import Flask
from sqlalchemy.exc import IntegrityError

from console.database import utcnow
from console.extensions import db
from scheduler.jobs import JOBS
from scheduler.models import JobRun

log = logging.getLogger(__name__)
_app: Flask | None = None  # the scheduler process's app, for the runs APScheduler starts


def use_app(app: Flask) -> None:
    """The app the scheduler's runs work in (set once by the scheduler process)."""
    global _app
    _app = app


def scheduled(name: str) -> None:
    """What APScheduler calls (by this function's name, kept in the job store): run the job now."""
    with _app.app_context():
        run_job(name)


def run_job(name: str, now: datetime | None = None) -> JobRun | None:
    """Run a job for the period `now` falls in, unless that period has run already; None if it had."""
    job = JOBS[name]
    now = now or utcnow()
    run = JobRun(job=name, period=job.period(now), started_at=utcnow())
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("scheduler: %s for %s has run already", name, run.period)
        return None
    try:
        outcome = job.body(now)
    except Exception:  # noqa: BLE001 - the run is recorded as failed, and the next period runs as usual
        db.session.rollback()
        log.exception("scheduler: %s for %s failed", name, run.period)
        run.outcome, run.note = "failed", "The job stopped with an error (see the scheduler's log)."
    else:
        run.acted, run.failed = outcome.acted, outcome.failed
        run.outcome = "partly" if outcome.failed else "done"
        run.note = "; ".join(outcome.notes)[:300]
    run.finished_at = utcnow()
    db.session.commit()
    return run

