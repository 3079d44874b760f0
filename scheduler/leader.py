"""The leader lock: of the scheduler processes running, exactly one runs the jobs.

On PostgreSQL the lock is a session advisory lock held on a connection of the leader's own: if the leader dies,
its connection closes and the server frees the lock at once. On SQLite it is a lease row the leader renews;
a dead leader's lease runs out after SCHEDULER_LEASE_SECONDS. Either way the row in scheduler_leader says who
leads and when they were last heard from, for the administrators' page.
"""

import logging
import os
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from console.database import utcnow
from console.extensions import db
from scheduler.models import SchedulerLeader

log = logging.getLogger(__name__)
LOCK_NAME = "scheduler"
ADVISORY_KEY = 7_318_401  # any constant: the lock's number among this database's advisory locks


def this_process() -> str:
    """How the leader row names a process: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Leadership:
    """Try to lead, keep leading, let go. Every method answers whether this process leads now."""

    def __init__(self, engine: Engine, *, lease: timedelta, holder: str | None = None):
        self.engine = engine
        self.lease = lease
        self.holder = holder or this_process()
        self.leading = False
        self._lock: Connection | None = None  # PostgreSQL: the connection holding the advisory lock

    @property
    def _advisory(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def try_lead(self, now: datetime | None = None) -> bool:
        """Take the lock if nobody holds it (or their lease has run out)."""
        now = now or utcnow()
        if self._advisory:
            self.leading = self._take_advisory_lock()
            if self.leading:
                self._write_row(now, taking=True)
        else:
            self.leading = self._take_lease(now)
        return self.leading

    def renew(self, now: datetime | None = None) -> bool:
        """Keep the lock; False once it is lost (the connection dropped, or the lease was taken)."""
        if not self.leading:
            return False
        now = now or utcnow()
        if self._advisory:
            try:
                self._lock.execute(sa.text("SELECT 1"))
                self._lock.commit()  # never left idle in a transaction (it would hold back VACUUM)
            except DBAPIError:
                log.warning("the scheduler lost its database connection, and with it the leader lock")
                self._drop_lock_connection()
                self.leading = False
                return False
            self._write_row(now, taking=False)
        else:
            self.leading = self._take_lease(now)
        return self.leading

    def let_go(self) -> None:
        """Give the lock up (on a clean stop), so another process takes over at once."""
        if self.leading:
            self.leading = False
            with self.engine.begin() as connection:
                connection.execute(sa.delete(SchedulerLeader).where(SchedulerLeader.name == LOCK_NAME,
                                                                    SchedulerLeader.holder == self.holder))
            if self._advisory:
                self._unlock()
        self._drop_lock_connection()  # a follower holds a connection too, from its tries

    # --- PostgreSQL --------------------------------------------------------------------------------------------

    def _unlock(self) -> None:
        """Free the lock before the connection closes: the server frees a closed session's locks only once its
        backend has gone, a moment later, and the next leader should not have to wait for that."""
        if self._lock is None:
            return
        try:
            self._lock.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            self._lock.commit()
        except DBAPIError:
            pass  # the connection has gone, and with it the lock

    def _take_advisory_lock(self) -> bool:
        if self._lock is None:
            self._lock = self.engine.connect()
        try:
            taken = self._lock.execute(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}).scalar()
            self._lock.commit()  # the lock belongs to the session, not the transaction: it stays
        except DBAPIError:
            self._drop_lock_connection()
            return False
        return bool(taken)

    def _drop_lock_connection(self) -> None:
        if self._lock is not None:
            try:
                self._lock.invalidate()  # closed, never back to the pool with the lock on it
            except DBAPIError:
                pass
            self._lock = None

    def _write_row(self, now: datetime, *, taking: bool) -> None:
        values = {"holder": self.holder, "renewed_at": now, "expires_at": now + self.lease}
        with self.engine.begin() as connection:
            if taking:
                connection.execute(sa.delete(SchedulerLeader).where(SchedulerLeader.name == LOCK_NAME))
                connection.execute(sa.insert(SchedulerLeader).values(name=LOCK_NAME, since=now, **values))
            else:
                connection.execute(sa.update(SchedulerLeader).where(SchedulerLeader.name == LOCK_NAME)
                                   .values(**values))

    # --- SQLite: a lease row -----------------------------------------------------------------------------------

    def _take_lease(self, now: datetime) -> bool:
        """Renew our lease, or take one that has run out, in one conditional update; else make the row."""
        expires = now + self.lease
        with self.engine.begin() as connection:
            mine = connection.execute(
                sa.update(SchedulerLeader).where(SchedulerLeader.name == LOCK_NAME,
                                                 SchedulerLeader.holder == self.holder)
                .values(renewed_at=now, expires_at=expires)).rowcount
            if mine:
                return True
            taken = connection.execute(
                sa.update(SchedulerLeader).where(SchedulerLeader.name == LOCK_NAME,
                                                 SchedulerLeader.expires_at < now)
                .values(holder=self.holder, since=now, renewed_at=now, expires_at=expires)).rowcount
            if taken:
                return True
        try:
            with self.engine.begin() as connection:
                connection.execute(sa.insert(SchedulerLeader).values(
                    name=LOCK_NAME, holder=self.holder, since=now, renewed_at=now, expires_at=expires))
        except IntegrityError:
            return False  # someone else leads and their lease runs
        return True


def current_leader() -> SchedulerLeader | None:
    """Who leads, as the row says (None when no scheduler has run, or the last one stopped cleanly)."""
    return db.session.get(SchedulerLeader, LOCK_NAME)
