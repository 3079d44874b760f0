"""The scheduler's jobs: what runs, how often, and what each run is keyed by.

A job's body belongs to its area (each area's `scheduled.py`): it takes the moment it runs for and returns what it
did (console.scheduled.Outcome), working through its items so that one failing is logged and counted and the rest
go on.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from console.alerts import scheduled as alerts
from console.database import LONDON
from console.queue import scheduled as queue
from console.rotas import scheduled as rotas
from console.scheduled import Outcome


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


# Digests and reports run every hour of the working day, so one held by someone's quiet hours goes at the first
# run after them; each is keyed by its day or month and person, so it goes once.
JOBS = {job.name: job for job in (
    Job("alerts", "Alerts",
        "Raise alerts, pass each one on while its condition holds, resolve the ones that cleared",
        "every minute", IntervalTrigger(minutes=1), alerts.watch_alerts),
    Job("follow-ups", "Follow-ups", "Tell whoever parked an item that its follow-up is due", "every minute",
        IntervalTrigger(minutes=1), queue.follow_ups),
    Job("reminders", "Shift reminders", "Remind people of their shifts a day and an hour ahead", "every 5 minutes",
        IntervalTrigger(minutes=5), rotas.shift_reminders),
    Job("offers", "Open-shift offers", "Offer open shifts to the people who could take them",
        "every hour, at 5 past", CronTrigger(minute=5, timezone=LONDON), rotas.open_shift_offers, hour_of),
    Job("digest", "Managers' digest", "Tell managers what their published rotas leave uncovered",
        "every morning from 07:00", CronTrigger(hour="7-21", minute=0, timezone=LONDON), rotas.manager_digest,
        hour_of),
    Job("monthly", "Monthly report", "Send managers each service's monthly report",
        "on the first of each month from 08:00", CronTrigger(day=1, hour="8-21", minute=30, timezone=LONDON),
        queue.monthly_report, hour_of),
)}
