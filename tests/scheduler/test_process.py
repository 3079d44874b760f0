"""APScheduler on the main database: the jobs are stored there, a run missed while no scheduler was up happens
once when one starts again, the managers' morning digest is never sent in the evening, and the page says what is
true of each job and of the scheduler."""

import time
from datetime import datetime, timedelta

import sqlalchemy as sa
import time_machine

from console.database import LONDON
from console.extensions import db
from console.permissions import Role
from scheduler import runner
from scheduler.jobs import JOBS
from scheduler.leader import Leadership
from scheduler.models import JobRun, scheduler_jobs
from scheduler.process import start_scheduler
from tests.helpers import MONDAY, at, wait_until


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


def _digest_row(page: str) -> str:
    return page.split('<th scope="row">Managers&#39; digest</th>', 1)[1].split("</tr>", 1)[0]


def test_a_scheduler_first_started_in_the_evening_sends_no_morning_digest_until_the_next_morning(app, client, auth,
                                                                                                  demo_data):
    """First started at 19:00 on Monday: no digest then, and the page says the next is at 07:00 on Tuesday, not
    20:00 tonight."""
    runner.use_app(app)
    with time_machine.travel(at(19, 0)), app.app_context():
        scheduler = start_scheduler()
        time.sleep(2)  # long enough for a run due at once to start
        scheduler.shutdown(wait=True)
        assert _runs_of("digest") == 0, "no morning digest in the evening"
        stored = db.session.scalar(sa.select(scheduler_jobs.c.next_run_time).where(scheduler_jobs.c.id == "digest"))
        db.session.rollback()
        assert datetime.fromtimestamp(stored, LONDON) == at(7, 0, day=MONDAY + timedelta(days=1))
    auth.login_demo(Role.OWNER)
    row = _digest_row(client.get("/admin/scheduler/").get_data(as_text=True))
    tuesday = MONDAY + timedelta(days=1)
    assert f"<td>every morning at 07:00 (for someone whose quiet hours last past 07:00, at the first hour after " \
           f"them, until 11:00)</td><td>07:00 on {tuesday:%a %d %b}</td>" in row


def test_the_digest_runs_each_morning_hour_until_11_and_not_after(app):
    """The digest's trigger, asked for its runs through a Monday: 07:00 to 11:00, then Tuesday 07:00."""
    trigger = JOBS["digest"].trigger
    fires, moment = [], at(0, 0)
    while (moment := trigger.get_next_fire_time(None, moment + timedelta(seconds=1))) < at(7, 30,
                                                                                          day=MONDAY + timedelta(1)):
        fires.append(moment.strftime("%a %H:%M"))
    assert fires == [f"{MONDAY:%a} {hour:02d}:00" for hour in range(7, 12)] + [
        f"{MONDAY + timedelta(days=1):%a} 07:00"]


def test_the_page_says_the_scheduler_is_running_and_since_when_not_on_which_host(app, client, auth, demo_data):
    with time_machine.travel(at(22, 47), tick=False), app.app_context():
        assert Leadership(db.engine, lease=timedelta(minutes=5), holder="vm:5751").try_lead()
    with time_machine.travel(at(22, 47) + timedelta(seconds=20), tick=False):
        auth.login_demo(Role.OWNER)
        page = client.get("/admin/scheduler/").get_data(as_text=True)
    assert f"The scheduler is running, since 22:47 on {MONDAY:%a %d %b}; last heard from 20 s ago." in page
    assert "vm:5751" not in page and "5751" not in page
