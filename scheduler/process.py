"""The scheduler process: wait for the leader lock, run APScheduler while holding it, let go on a clean stop.

APScheduler keeps its jobs in the main database (the scheduler_jobs table), so the next run time of each job
survives a restart: a run missed while no scheduler was up happens once when one comes back (coalesced, within
the grace time), and its period key stops it from happening twice.
"""

import logging
import threading
from datetime import timedelta

import sqlalchemy as sa
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from console.database import LONDON
from console.extensions import db
from scheduler import runner
from scheduler.jobs import JOBS
from scheduler.leader import Leadership
from scheduler.models import JOB_STORE_TABLE

log = logging.getLogger(__name__)
MISFIRE_GRACE = timedelta(hours=1)  # a run missed by more than this is skipped: the next one covers it


def start_scheduler() -> BackgroundScheduler:
    """Start APScheduler on the console's jobs in the main database. A job already stored keeps its next run time,
    so a run missed while no scheduler was up happens once now (coalesced, within the grace time); a new job, or
    one whose timing changed, is stored afresh."""
    store = SQLAlchemyJobStore(engine=db.engine, tablename=JOB_STORE_TABLE, metadata=sa.MetaData())
    scheduler = BackgroundScheduler(
        jobstores={"default": store}, executors={"default": ThreadPoolExecutor(2)}, timezone=LONDON,
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(MISFIRE_GRACE.total_seconds())})
    scheduler.start(paused=True)
    for job in JOBS.values():
        stored = scheduler.get_job(job.name)
        if stored is None or str(stored.trigger) != str(job.trigger):
            stored = scheduler.add_job("scheduler.runner:scheduled", job.trigger, args=[job.name], id=job.name,
                                       name=job.label, replace_existing=True)
        log.info("scheduler: %s next runs at %s", job.name, stored.next_run_time)
    scheduler.resume()
    return scheduler


def serve(app: Flask, stop: threading.Event) -> None:
    """Run until `stop` is set: lead when the lock is free, run the jobs while leading, wait otherwise."""
    lease = timedelta(seconds=app.config["SCHEDULER_LEASE_SECONDS"])
    poll = lease.total_seconds() / 3
    runner.use_app(app)
    with app.app_context():
        leadership = Leadership(db.engine, lease=lease)
        scheduler = None
        log.info("scheduler %s started; waiting for the leader lock", leadership.holder)
        try:
            while not stop.is_set():
                if scheduler is None and leadership.try_lead():
                    log.info("scheduler %s leads: running the jobs", leadership.holder)
                    scheduler = start_scheduler()
                elif scheduler is not None and not leadership.renew():
                    log.warning("scheduler %s lost the leader lock: stopping its jobs", leadership.holder)
                    scheduler.shutdown(wait=False)
                    scheduler = None
                stop.wait(poll)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=True)
            leadership.let_go()
            log.info("scheduler %s stopped", leadership.holder)
