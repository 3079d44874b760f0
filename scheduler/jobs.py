"""The scheduler's jobs: what runs, how often, and what each run is keyed by.

A job's body takes the moment it runs for and returns what it did. Each item it works on goes through `each`,
so one item failing is logged and counted and the rest go on.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from console.database import LONDON
from console.extensions import db

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What one run did: how many things it acted on, how many items failed, and a line in words."""

    acted: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: "Outcome") -> "Outcome":
        """This outcome with another's counts and notes added."""
        self.acted, self.failed = self.acted + other.acted, self.failed + other.failed
        self.notes += other.notes
        return self


def each(items: Iterable, act: Callable[[object], int], *, what: Callable[[object], str]) -> Outcome:
    """Act on each item in a transaction of its own (act commits and returns how many things it did); an item
    that fails is rolled back, logged by `what` (an id, never a post's words or anyone's identity) and counted."""
    outcome = Outcome()
    for item in items:
        label = what(item)
        try:
            outcome.acted += act(item)
        except Exception:  # noqa: BLE001 - one item's failure must not stop the others
            db.session.rollback()
            log.exception("scheduler: %s failed; going on with the rest", label)
            outcome.failed += 1
            outcome.notes.append(f"{label} failed")
    return outcome


def minute_of(now: datetime) -> str:
    """A run's period for jobs that run every minute: the London minute."""
    return now.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def day_of(now: datetime) -> str:
    """A run's period for daily jobs: the London date."""
    return now.astimezone(LONDON).date().isoformat()


@dataclass(frozen=True)
class Job:
    """A job: its name (the APScheduler id and the run key's first part), what it does in words, when it runs
    (APScheduler trigger arguments), its body, and the period a run is keyed by."""

    name: str
    title: str
    when: str
    trigger: dict
    body: Callable[[datetime], Outcome]
    period: Callable[[datetime], str] = minute_of


def watch_alerts(now: datetime) -> Outcome:
    """Raise an alert for each condition found, resolve the ones whose condition cleared, and take every chain
    step that is due. If any part of the looking failed, nothing is resolved this time: an alert is never closed
    because its condition could not be seen."""
    from console.alerts import conditions, service as alerts
    found: list = []

    def look(finder) -> int:
        found.extend(finder[1](now))
        return 0

    outcome = each(conditions.finders(), look, what=lambda finder: f"looking at {finder[0]}")
    outcome.add(each(found, lambda condition: alerts.raise_alert(condition, now),
                     what=lambda condition: f"raising {condition.kind} {condition.subject}"))
    if not outcome.failed:
        resolved = alerts.resolve_cleared({(c.kind, c.subject) for c in found}, set(conditions.KINDS), now)
        if resolved:
            outcome.notes.append(f"{resolved} resolved")
    outcome.add(each(alerts.due_steps(now), lambda alert_id: alerts.take_steps(alert_id, now),
                     what=lambda alert_id: f"alert {alert_id}"))
    return outcome


JOBS = {job.name: job for job in (
    Job("alerts", "Raise alerts, pass each one on until someone acknowledges it, resolve the ones that cleared",
        "every minute", {"trigger": "interval", "minutes": 1}, watch_alerts),
)}
