"""The queue's jobs the scheduler runs: telling whoever parked an item that its follow-up is due, and the monthly
report to managers, beside the reports it sums up. Each email is recorded under a key naming the job, the period
and its subject in the same transaction, so it goes once; each job works through its items or people with `each`,
so one that fails is logged and the rest go on.

Emails hold figures, service names and links, never a post or anything about who a pseudonym is.
"""

from datetime import datetime

from console.accounts.models import StaffMember
from console.accounts.staff_records import manager_ids
from console.accounts.teams import services_managed_by
from console.database import LONDON
from console.extensions import db
from console.links import public_url
from console.notifications import preferences
from console.notifications import service as outbox
from console.queue import follow_ups as parked
from console.queue import reports
from console.scheduled import Outcome, each
from console.words import counted, duration


def follow_ups(now: datetime) -> Outcome:
    """Tell whoever parked an item that its follow-up is due (the item is back at the top of its queue)."""
    return each(parked.due(now), lambda post_id: parked.tell_parker(post_id, now),
                what=lambda post_id: f"follow-up of item {post_id}")


def monthly_report(now: datetime) -> Outcome:
    """Send managers each service's monthly figures and the report's link."""
    return each(manager_ids(), lambda staff_id: send_monthly(staff_id, now),
                what=lambda staff_id: f"monthly report to staff {staff_id}")


def send_monthly(staff_id: int, now: datetime) -> int:
    """Email a manager each of their services' headline figures of the last 28 days and the report's link."""
    person, settings = db.session.get(StaffMember, staff_id), preferences.settings_of(staff_id)
    if not settings.monthly_report or preferences.quiet_now(settings, now):
        return 0
    services = services_managed_by(person)
    if not services:
        return 0
    presence = {row.service.id: row for row in reports.presence(services, now=now)}
    lines = []
    for times in reports.time_to_action(services, now=now):
        row = presence[times.service.id]
        signed_on = f"{round(100 * row.signed_on_minutes / row.planned_minutes)} % of " \
                    f"{duration(row.planned_minutes)} planned presence had a moderator signed on" \
            if row.planned_minutes else "no presence was planned"
        lines.append(f"{times.service.name}: {counted(times.items, 'post')}; {times.within_deadline} of {times.acted} "
                     f"acted on within their deadline ({times.critical_within} of {times.critical} critical); "
                     f"{signed_on}.")
    month = now.astimezone(LONDON)
    return outbox.queue_letter_once(
        f"monthly:{month:%Y-%m}:{staff_id}", person, subject=f"Monthly moderation report, {month:%B %Y}",
        text="The last 28 days in the services you manage:\n\n" + "\n".join(lines)
             + f"\n\nThe full report: {public_url('queue.report')}")
