"""The scheduler's jobs: what runs, how often, and what each run is keyed by.

A job's body belongs to its area (each area's `scheduled.py`): it takes the moment it runs for and returns what it
did (console.scheduled.Outcome), working through its items so that one failing is logged and counted and the rest
go on. The senders of emails and of the platforms' decisions are retried here too, each minute: the task queue only
runs what a person started (a solver run, "send now").
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from console.alerts import scheduled as alerts
from console.database import LONDON
from console.notifications import service as outbox
from console.platform import service as platform
from console.queue import scheduled as queue
from console.rotas import scheduled as rotas
from console.scheduled import Outcome
from console.words import counted


def minute_of(now: datetime) -> str:
    """A run's period for jobs that run every minute: the London minute."""
    return now.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def hour_of(now: datetime) -> str:
    """A run's period for hourly jobs: the London hour."""
    return now.astimezone(LONDON).strftime("%Y-%m-%dT%H")


@dataclass(frozen=True)
class Job:
    """A job: its name (the APScheduler id and the run key's first part), its label and what it does in words,
    when it runs (in words, and as an APScheduler trigger), its body, and the period a run is keyed by. Emails a job
    puts in the outbox are sent once its transaction commits (console.outbox)."""

    name: str
    label: str
    title: str
    when: str
    trigger: BaseTrigger
    body: Callable[[datetime], Outcome]
    period: Callable[[datetime], str] = minute_of


def retrying(send: Callable[[], tuple[int, int]], thing: str) -> Callable[[datetime], Outcome]:
    """A job body that runs a sender with retries (it sends whatever is due, whatever the moment) and counts what
    went and what failed; each failure waits longer before its next try, in the sender."""
    def body(_now: datetime) -> Outcome:
        sent, failed = send()
        return Outcome(acted=sent, failed=failed,
                       notes=[f"{counted(failed, thing)} not sent yet, tried again later"] if failed else [])
    return body


# The managers' digest is a morning email: it runs at 07:00 and each hour until 11:00, so one held by someone's quiet
# hours goes at the first of those runs after them, and a scheduler first started (or back) later in the day sends
# nothing until the next morning. The monthly report runs every hour of the working day of the 1st. Each is keyed by
# its day or month and person, so it goes once.
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
        "every morning at 07:00 (for someone whose quiet hours last past 07:00, at the first hour after them, until "
        "11:00)", CronTrigger(hour="7-11", minute=0, timezone=LONDON), rotas.manager_digest, hour_of),
    Job("monthly", "Monthly report", "Send managers each service's monthly report",
        "on the first of each month from 08:30", CronTrigger(day=1, hour="8-21", minute=30, timezone=LONDON),
        queue.monthly_report, hour_of),
    Job("emails", "Emails", "Send the emails waiting in the outbox, again and again until the mail server takes them",
        "every minute", IntervalTrigger(minutes=1), retrying(outbox.send_outbox, "email")),
    Job("decisions", "Decisions to platforms",
        "Send the decisions waiting for each service's platform, again and again until it takes them",
        "every minute", IntervalTrigger(minutes=1), retrying(platform.deliver_due, "decision")),
)}
