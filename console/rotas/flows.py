"""Solver runs: a manager asks for a draft, a queue consumer solves it, the page follows its progress.

The web request only writes a queued run and puts it on the task queue. The consumer solves with
the engine, writing progress (share of the time limit used, and the best rota so far's figures in
a manager's terms) and a heartbeat every second, and stops early when the manager cancels. The
result is a new draft version; the published rota is never touched. A run whose heartbeat stops (its worker died) is
marked failed the next time anyone looks at it, and can be run again.
"""

import logging
import threading
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from console import task_queue
from console.accounts.teams import services_managed_by
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.rotas import problem as problems
from console.rotas.models import (ACTIVE_RUN_STATUSES, RotaRun, RotaVersion, RunStatus, VersionStatus,
                                   rota_run_services)
from console.services.models import Service
from console.words import counted, duration_seconds, hours
from rota.bounds import summary
from rota.solver import Progress, SolveResult, solve
from rota.standards import MIN_HORIZON_DAYS

log = logging.getLogger(__name__)

GENERATE_TASK = "rota.generate"
HEARTBEAT_SECONDS = 1.0
STALE_AFTER = timedelta(seconds=90)  # a running run whose heartbeat is older than this has lost its worker
MAX_WEEKS = 12
EARLY = 0.9  # a run ending before this share of its time limit stopped because it could do no better


def run_target(run: RotaRun) -> str:
    """How a run is named in the audit log."""
    return f"rota_run:{run.id}"


def _check_period(start: date, weeks: int) -> None:
    if start.weekday() != 0:
        raise UserError(f"A rota period starts on a Monday; {start:%a %d %b %Y} is a {start:%A}.")
    if not MIN_HORIZON_DAYS // 7 <= weeks <= MAX_WEEKS:
        raise UserError(f"A rota period is {MIN_HORIZON_DAYS // 7} to {MAX_WEEKS} weeks long (rotas are in place at "
                        f"least 4 weeks ahead).")


def _clashing_run(services: list[Service], start: date, days: int) -> RotaRun | None:
    """A queued or running run for any of these services whose period overlaps this one."""
    end = start + timedelta(days=days)
    candidates = db.session.scalars(
        sa.select(RotaRun).join(rota_run_services)
        .where(RotaRun.status.in_(ACTIVE_RUN_STATUSES), rota_run_services.c.service_id.in_([s.id for s in services]))
        .with_for_update())
    return next((run for run in candidates
                 if run.start_date < end and start < run.start_date + timedelta(days=run.days)), None)


def start_run(actor, *, services: list[Service], start: date, weeks: int, seconds: int) -> RotaRun:
    """Queue a draft rota for the services over `weeks` weeks from start; refused while a run overlaps it."""
    if not services:
        raise UserError("Choose at least one service to make a rota for.")
    _check_period(start, weeks)
    refresh_stale_runs()
    # Lock the services' rows (a no-op update) before looking for a clash, so two requests at the same moment
    # take turns: the second sees the first's run. PostgreSQL locks the rows; SQLite takes its write lock.
    db.session.execute(sa.update(Service).where(Service.id.in_([s.id for s in services])).values(id=Service.id))
    clash = _clashing_run(services, start, weeks * 7)
    if clash is not None:
        db.session.rollback()
        raise UserError(f"A rota is already being made for {', '.join(s.name for s in clash.services)} from "
                        f"{clash.start_date:%a %d %b %Y}. Wait for it to finish or cancel it first.")
    run = RotaRun(requested_by_id=actor.id, start_date=start, days=weeks * 7, seconds=seconds, services=services)
    db.session.add(run)
    db.session.flush()
    audit.record("rota.run_started", target=run_target(run),
                 details={"services": [s.slug for s in services], "start": start.isoformat(), "weeks": weeks})
    db.session.commit()
    task_queue.get(current_app).enqueue(GENERATE_TASK, run.id)
    return run


DEFAULT_SECONDS = 60  # a draft made again takes its own run's time, or the form's default when it had none


def make_again(actor, version: RotaVersion) -> RotaRun:
    """Queue a new draft for the same services and weeks as this draft, made around whatever is published or
    approved now (a draft made beside another service's, which was published after it, breaks rules against it)."""
    if version.status != VersionStatus.DRAFT.value:
        raise UserError("Only a draft is made again; make a new draft from the Rotas page.")
    if version.days % 7:
        raise UserError("This draft does not run whole weeks (it was imported): make a new one from the Rotas page.")
    made_by = db.session.scalar(sa.select(RotaRun.seconds).where(RotaRun.version_id == version.id))
    return start_run(actor, services=list(version.services), start=version.start_date, weeks=version.days // 7,
                     seconds=made_by or DEFAULT_SECONDS)


def get_or_raise(viewer, *, run_id: int) -> RotaRun:
    """A run of rotas the viewer manages, by id, or NotFound."""
    run = db.session.get(RotaRun, run_id)
    managed = {service.id for service in services_managed_by(viewer)}
    if run is None or not {service.id for service in run.services} <= managed:
        raise NotFound("There is no rota run at this address that you manage.")
    return run


def refresh_stale_runs() -> None:
    """Mark running runs whose worker stopped sending heartbeats as failed."""
    cutoff = utcnow() - STALE_AFTER
    stale = db.session.scalars(sa.select(RotaRun).where(RotaRun.status == RunStatus.RUNNING.value,
                                                        RotaRun.heartbeat_at < cutoff))
    changed = False
    for run in stale:
        _finish(run, RunStatus.FAILED, "The worker solving this rota stopped before it finished. Nothing was "
                                       "published; run it again.")
        changed = True
    if changed:
        db.session.commit()


def cancel(run: RotaRun) -> None:
    """Ask a queued or running run to stop; a queued one stops at once, a running one within a second."""
    if not run.active:
        raise UserError("This run has already finished.")
    run.cancel_requested = True
    if run.status == RunStatus.QUEUED.value:
        _finish(run, RunStatus.CANCELLED, "Cancelled before it started.")
    audit.record("rota.run_cancelled", target=run_target(run))
    db.session.commit()


def retry(actor, run: RotaRun) -> RotaRun:
    """Run a failed or cancelled run again with the same services and period."""
    if run.active:
        raise UserError("This run is still going.")
    return start_run(actor, services=list(run.services), start=run.start_date, weeks=run.days // 7,
                     seconds=run.seconds)


def _finish(run: RotaRun, status: RunStatus, message: str) -> None:
    run.status, run.message, run.finished_at = status.value, message, utcnow()


class _Heartbeat:
    """Writes a run's progress every second from its own thread, and sets `stop` when the manager cancels."""

    def __init__(self, app, run_id: int, seconds: int):
        self.app, self.run_id, self.seconds = app, run_id, seconds
        self.stop, self.done = threading.Event(), threading.Event()
        self.latest: Progress | None = None
        self.thread = threading.Thread(target=self._beat, daemon=True)

    def _beat(self) -> None:
        with self.app.app_context():
            while not self.done.wait(HEARTBEAT_SECONDS):
                self.write()

    def write(self) -> None:
        """Record the progress so far and pick up a cancel request."""
        values = {"heartbeat_at": utcnow()}
        if self.latest is not None:
            values["progress"] = min(0.99, self.latest.seconds / max(1, self.seconds))
            values["best_score"] = self.latest.figures
        with db.engine.begin() as connection:
            connection.execute(sa.update(RotaRun).where(RotaRun.id == self.run_id).values(**values))
            cancelled = connection.scalar(sa.select(RotaRun.cancel_requested).where(RotaRun.id == self.run_id))
        if cancelled:
            self.stop.set()

    def __enter__(self):
        self.write()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.done.set()
        self.thread.join()


def execute_run(run_id: int) -> None:
    """The task body: solve one run and store the result as a draft (runs in the queue consumer)."""
    run = db.session.get(RotaRun, run_id)
    if run is None or run.status != RunStatus.QUEUED.value:
        return  # cancelled before it started, or already picked up by another consumer
    run.status = RunStatus.RUNNING.value
    run.heartbeat_at = utcnow()
    db.session.commit()
    try:
        problem = problems.build_problem(list(run.services), run.start_date, run.days,
                                         name=", ".join(s.name for s in run.services))
        previous = problems.published_rota(problem)
        with _Heartbeat(current_app._get_current_object(), run.id, run.seconds) as heartbeat:
            result = solve(problem, time_limit_s=run.seconds, workers=current_app.config["SOLVER_WORKERS"],
                           previous_rota=previous if previous.assignments else None,
                           on_progress=lambda progress: setattr(heartbeat, "latest", progress), stop=heartbeat.stop)
        db.session.refresh(run)
        version = RotaVersion(start_date=run.start_date, days=run.days, created_by_id=run.requested_by_id,
                              services=list(run.services), score=result.score.as_dict(),
                              unmet=[str(unmet) for unmet in result.unmet],
                              shifts=problems.shifts_of(result.rota, problem))
        db.session.add(version)
        db.session.flush()
        run.version_id, run.progress, run.best_score = version.id, 1.0, result.score.as_dict()
        cancelled = run.cancel_requested
        against_bounds = summary(result.person_bounds, result.score, hours) if result.person_bounds else []
        early = not cancelled and result.seconds < EARLY * run.seconds
        _finish(run, RunStatus.CANCELLED if cancelled else RunStatus.SUCCEEDED, " ".join([
            "Stopped: the draft holds the best rota found until then." if cancelled else
            _by_parts_words(result, run.seconds) if result.search_skipped_seconds is not None else
            f"Finished in {duration_seconds(result.seconds)} of the {duration_seconds(run.seconds)} allowed: this "
            "is the best rota the rules allow." if early else
            f"Finished after the {duration_seconds(run.seconds)} allowed; a longer run may find a better rota.",
            uncovered_words(result.score.uncovered_minutes), *against_bounds]))
        audit.record("rota.draft_made", actor="system", target=f"rota_version:{version.id}",
                     details={"run": run.id, "score": result.score.as_dict()})
        db.session.commit()
    except Exception:
        # Any failure is the run's, not the consumer's: record it so the manager sees it and can run it again.
        log.exception("rota run %s failed", run_id)
        db.session.rollback()
        run = db.session.get(RotaRun, run_id)
        _finish(run, RunStatus.FAILED, "Making this rota failed. Nothing was published; run it again, and tell "
                                       "the service desk if it fails again.")
        db.session.commit()


def _by_parts_words(result: SolveResult, seconds: int) -> str:
    """What a run too large to search whole did instead, in words."""
    why = (f"for these services and weeks, setting up one search of them all would take about "
           f"{duration_seconds(result.search_skipped_seconds)}, more than half the {duration_seconds(seconds)} "
           "allowed.")
    if not result.parts_tried:
        return (f"Kept the first rota the optimiser made: {why} Give it more time, or fewer services or weeks, for "
                "a better rota.")
    tried, better = result.parts_tried, result.parts_improved
    return (f"Made the rota a few services at a time: {why} It searched {counted(tried, 'group')} "
            f"of services in turn; {better if better else 'none'} came out better. Give it more time for a better "
            "rota.")


def uncovered_words(minutes: int) -> str:
    """How much of the standard a rota leaves uncovered, in words ("2 h of the standard is left uncovered.")."""
    return f"{hours(minutes)} of the standard is left uncovered." if minutes else \
        "The standard is covered in full."


def progress_words(best: dict | None) -> str:
    """The best rota so far as a manager follows it: cover, contract hours, preferences and the weekend load."""
    if not best or "uncovered_minutes" not in best:
        return ""
    parts = [f"{hours(best['uncovered_minutes'])} of the standard uncovered" if best["uncovered_minutes"]
             else "the standard covered in full",
             f"contract hours {hours(best['contract_short_minutes'])} short" if best["contract_short_minutes"]
             else "everyone's contract hours met",
             "some of people's own preferences missed (the draft says whose)"
             if best["preference_penalty"] else "every preference met"]
    if "max_weekend_days" in best:
        parts.append(f"nobody works more than {best['max_weekend_days']} weekend "
                     f"day{'s' if best['max_weekend_days'] != 1 else ''}")
    return "Best rota so far: " + "; ".join(parts) + "."


STATUS_WORDS = {RunStatus.QUEUED: "Waiting to start", RunStatus.RUNNING: "Making the rota",
                RunStatus.SUCCEEDED: "Finished", RunStatus.FAILED: "Failed", RunStatus.CANCELLED: "Stopped"}


def latest_runs(services: list[Service], limit: int = 10) -> list[RotaRun]:
    """The newest runs touching any of these services."""
    refresh_stale_runs()
    touching = sa.select(rota_run_services.c.run_id).where(
        rota_run_services.c.service_id.in_([s.id for s in services]))
    return list(db.session.scalars(
        sa.select(RotaRun).where(RotaRun.id.in_(touching)).order_by(RotaRun.id.desc()).limit(limit)))


def init_app(app) -> None:
    """Register the solver task on the app's queue."""
    task_queue.get(app).register(GENERATE_TASK, execute_run)
