"""The leader lock: of two scheduler processes, one runs the jobs; when it dies, the other takes over within a
minute. The last test kills a real `flask scheduler run` process."""

import ctypes
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.database import utcnow
from console.extensions import db
from scheduler.leader import ADVISORY_KEY, Leadership, current_leader
from scheduler.models import SchedulerLeader
from tests.helpers import wait_until

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]
LEASE = timedelta(seconds=30)


def test_one_of_two_leads_and_the_other_takes_over_when_it_lets_go(app):
    with app.app_context():
        first, second = (Leadership(db.engine, lease=LEASE, holder=name) for name in ("host-a:1", "host-b:2"))
        assert first.try_lead() and not second.try_lead()
        assert first.renew() and not second.try_lead()
        assert current_leader().holder == "host-a:1"
        first.let_go()
        assert second.try_lead() and current_leader().holder == "host-b:2"
        second.let_go()
        assert current_leader() is None


def test_a_leader_that_stops_renewing_is_replaced_once_its_lease_runs_out(app, database_url):
    """On SQLite the lease row is the lock; on PostgreSQL the lock goes with the leader's connection."""
    with app.app_context():
        first, second = (Leadership(db.engine, lease=LEASE, holder=name) for name in ("host-a:1", "host-b:2"))
        now = utcnow()
        assert first.try_lead(now)
        if database_url.startswith("postgresql"):
            first._lock.invalidate()  # the leader's process died: its connection closed
            first._lock = None
            # the server frees a closed session's locks once its backend has gone, a moment later
            assert wait_until(lambda: second.try_lead(now), 10)
        else:
            assert not second.try_lead(now + LEASE - timedelta(seconds=1))
            assert second.try_lead(now + LEASE + timedelta(seconds=1))
            assert not first.renew(now + LEASE + timedelta(seconds=2)), "the old leader learns it has lost"
        assert current_leader().holder == "host-b:2"
        second.let_go()


def _die_with_the_tests() -> None:
    """In the child: be stopped if the test process dies first (Linux's parent-death signal), so a scheduler
    started here never outlives an interrupted run and holds its database's leader lock."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _start_scheduler(database_url: str, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "MAIL_SERVER": "",
           "PUBLIC_URL": "http://127.0.0.1:5000", "SCHEDULER_LEASE_SECONDS": "3",
           "PID_DATABASE_URL": f"sqlite:///{log_path.parent / 'vault.db'}",
           "TASK_QUEUE_URL": f"sqlite:///{log_path.parent / 'tasks.db'}"}
    with log_path.open("w") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=log, preexec_fn=_die_with_the_tests)


def _leader_pid(app) -> int | None:
    with app.app_context():
        row = db.session.scalar(sa.select(SchedulerLeader))
        db.session.rollback()
        return int(row.holder.rsplit(":", 1)[1]) if row is not None and row.expires_at > utcnow() else None


def test_a_killed_leader_is_replaced_within_a_minute(app, database_url, tmp_path):
    processes = [_start_scheduler(database_url, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    try:
        leader = wait_until(lambda: _leader_pid(app), 60)
        assert leader in {p.pid for p in processes}, [(tmp_path / f"scheduler-{n}.log").read_text()[-1500:]
                                                      for n in (1, 2)]
        killed_at = time.monotonic()
        os.kill(leader, signal.SIGKILL)
        follower = next(p for p in processes if p.pid != leader)
        taken = wait_until(lambda: _leader_pid(app) if _leader_pid(app) == follower.pid else None, 60)
        assert taken == follower.pid, (tmp_path / "scheduler-1.log").read_text()[-1500:]
        assert time.monotonic() - killed_at < 60
        # the lease row is written a moment before the new leader logs that it leads
        line = f"scheduler {os.uname().nodename}:{follower.pid} leads: running the jobs"
        assert wait_until(lambda: line in "".join((tmp_path / f"scheduler-{n}.log").read_text() for n in (1, 2)), 10)
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    with app.app_context():
        assert current_leader() is None, "a clean stop gives the lock up"


def test_on_postgresql_the_leaders_lock_connection_is_never_left_in_a_transaction(app, database_url):
    """An idle-in-transaction connection held for days would stop VACUUM cleaning up behind it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("on SQLite the lock is a lease row: no connection is held")
    with app.app_context():
        leader = Leadership(db.engine, lease=LEASE, holder="host-a:1")
        assert leader.try_lead() and leader.renew()
        state = db.session.execute(sa.text(
            "SELECT activity.state FROM pg_locks JOIN pg_stat_activity activity USING (pid) "
            "WHERE pg_locks.locktype = 'advisory' AND pg_locks.objid = :key AND activity.datname = current_database()"),
            {"key": ADVISORY_KEY}).scalar()
        db.session.rollback()
        leader.let_go()
    assert state == "idle"
