"""The scheduler's tables in the main database: who leads, what each job run did, APScheduler's job store."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from console.database import UTCDateTime, utcnow
from console.extensions import db

JOB_STORE_TABLE = "scheduler_jobs"

# APScheduler's SQLAlchemyJobStore table, declared here so the migrations make it (the store itself builds the same
# table on a metadata of its own and finds it there).
scheduler_jobs = sa.Table(
    JOB_STORE_TABLE, db.metadata,
    sa.Column("id", sa.Unicode(191), primary_key=True),
    sa.Column("next_run_time", sa.Float(25), index=True),
    sa.Column("job_state", sa.LargeBinary, nullable=False),
)


class SchedulerLeader(db.Model):
    """The one row naming the scheduler process that leads. On SQLite the row is the lock itself (a lease that
    the leader renews); on PostgreSQL an advisory lock is, and the row only says who holds it."""

    __tablename__ = "scheduler_leader"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    renewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JobRun(db.Model):
    """One run of a job for one period (its minute, hour or day): the key is unique, so a period runs once."""

    __tablename__ = "scheduler_job_runs"
    __table_args__ = (sa.UniqueConstraint("job", "period", name="uq_scheduler_job_runs_job_period"),
                      sa.CheckConstraint("outcome IN ('running', 'done', 'partly', 'failed')", name="outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    period: Mapped[str] = mapped_column(sa.String(20))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(sa.String(8), default="running")
    acted: Mapped[int] = mapped_column(default=0)  # alerts raised, emails queued...: what the run did
    failed: Mapped[int] = mapped_column(default=0)  # items that failed (logged; the rest went on)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

