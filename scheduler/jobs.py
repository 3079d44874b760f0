"""The scheduler's jobs: what runs, how often, and what each run is keyed by.

A job's body takes the moment it runs for and returns what it did. Each item it works on goes through `each`,
so one item failing is logged and counted and the rest go on.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from console.alerts import conditions, kinds
from console.alerts import service as alerts
from console.database import LONDON
from console.extensions import db
from console.notifications import scheduled
from console.queue import follow_ups as parked

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


def hour_of(now: datetime) -> str:
    """A run's period for hourly jobs: the London hour."""
    return now.astimezone(LONDON).strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class Job:
    """A job: its name (the APScheduler id and the run key's first part), its label and what it does in words,
    when it runs (in words, and as an APScheduler trigger), its body, and the period a run is keyed by."""

    name: str
    label: str
    title: str
    when: str
    trigger: BaseTrigger
    body: Callable[[datetime], Outcome]
    period: Callable[[datetime], str] = minute_of


def watch_alerts(now: datetime) -> Outcome:
    """Raise an alert for each condition found, resolve the ones whose condition cleared, and take every chain
    step that is due (an acknowledged alert's too: only its condition clearing stops it). If any part of the
    looking failed, nothing is resolved this time: an alert is never closed because its condition could not be
    seen."""
    found: list = []

    def look(finder) -> int:
        found.extend(finder[1](now))
        return 0

    outcome = each(conditions.finders(), look, what=lambda finder: f"looking at {finder[0]}")
    outcome.add(each(found, lambda condition: alerts.raise_alert(condition, now),
                     what=lambda condition: f"raising {condition.kind} {condition.subject}"))
    if not outcome.failed:
        resolved = alerts.resolve_cleared({(c.kind, c.subject) for c in found}, set(kinds.KINDS), now)
        if resolved:
            outcome.notes.append(f"{resolved} resolved")
    outcome.add(each(alerts.due_steps(now), lambda alert_id: alerts.take_steps(alert_id, now),
                     what=lambda alert_id: f"alert {alert_id}"))
    return outcome


def follow_ups(now: datetime) -> Outcome:
    """Tell whoever parked an item that its follow-up is due (the item is back at the top of its queue)."""
    return each(parked.due(now), lambda post_id: parked.tell_parker(post_id, now),
                what=lambda post_id: f"follow-up of item {post_id}")


def shift_reminders(now: datetime) -> Outcome:
    """Remind people of their shifts a day and an hour ahead."""
    return each(scheduled.reminders_due(now), lambda reminder: scheduled.send_reminder(reminder, now),
                what=lambda reminder: f"reminder {reminder.key}")


def open_shift_offers(now: datetime) -> Outcome:
    """Offer open shifts to the people who could take them."""
    return each(scheduled.offer_candidates(), lambda staff_id: scheduled.send_offers(staff_id, now),
                what=lambda staff_id: f"offers to staff {staff_id}")


def manager_digest(now: datetime) -> Outcome:
    """Tell managers what their published rotas leave uncovered (sent at the first run of the day outside their
    quiet hours)."""
    return each(scheduled.managers(), lambda staff_id: scheduled.send_digest(staff_id, now),
                what=lambda staff_id: f"digest to staff {staff_id}")


def monthly_report(now: datetime) -> Outcome:
    """Send managers each service's monthly figures and the report's link."""
    return each(scheduled.managers(), lambda staff_id: scheduled.send_monthly(staff_id, now),
                what=lambda staff_id: f"monthly report to staff {staff_id}")


# Digests and reports run every hour of the working day, so one held by someone's quiet hours goes at the first
# run after them; each is keyed by its day or month and person, so it goes once.
JOBS = {job.name: job for job in (
    Job("alerts", "Alerts",
        "Raise alerts, pass each one on while its condition holds, resolve the ones that cleared",
        "every minute", IntervalTrigger(minutes=1), watch_alerts),
    Job("follow-ups", "Follow-ups", "Tell whoever parked an item that its follow-up is due", "every minute",
        IntervalTrigger(minutes=1), follow_ups),
    Job("reminders", "Shift reminders", "Remind people of their shifts a day and an hour ahead", "every 5 minutes",
        IntervalTrigger(minutes=5), shift_reminders),
    Job("offers", "Open-shift offers", "Offer open shifts to the people who could take them",
        "every hour, at 5 past", CronTrigger(minute=5, timezone=LONDON), open_shift_offers, hour_of),
    Job("digest", "Managers' digest", "Tell managers what their published rotas leave uncovered",
        "every morning from 07:00", CronTrigger(hour="7-21", minute=0, timezone=LONDON), manager_digest, hour_of),
    Job("monthly", "Monthly report", "Send managers each service's monthly report",
        "on the first of each month from 08:00", CronTrigger(day=1, hour="8-21", minute=30, timezone=LONDON),
        monthly_report, hour_of),
)}
