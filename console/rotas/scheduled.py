"""The rota's jobs the scheduler runs: shift reminders, open-shift offers and the managers' morning digest. Each
notice is recorded under a key of its own (job, period, subject) in the same transaction as its email, so it goes
once however often the job runs; a person's choices and quiet hours are read first (a notice held by quiet hours is
not recorded, so a later run sends it while it still matters). Each job works through its people or shifts with
`each`, so one that fails is logged and the rest go on.

Emails hold times, service names and links, never a post or anything about who a pseudonym is.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.accounts.staff_records import manager_ids
from console.accounts.teams import services_managed_by
from console.database import LONDON
from console.extensions import db
from console.links import public_url
from console.notifications import preferences
from console.notifications import service as outbox
from console.notifications.models import NotificationSettings, SentNotice
from console.rotas import open_shifts
from console.rotas import problem as problems
from console.rotas.cover import published_cover
from console.scheduled import Outcome, each
from console.services.models import Service
from console.words import period

KIND_WORDS = {"presence": "on duty", "check": "a moderation check", "on_call": "on call to supervise"}
LEADS = {"day": (timedelta(hours=24), "tomorrow"), "hour": (timedelta(hours=1), "in an hour")}
DIGEST_LINES = 12  # open windows listed per service; the rest are counted


# --- Shift reminders --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    """One reminder of one shift, due now."""

    staff_id: int
    service_id: int
    kind: str
    day: date
    start: int
    end: int
    lead: str  # "day" or "hour"

    @property
    def key(self) -> str:
        return f"reminder:{self.lead}:{self.staff_id}:{self.service_id}:{self.day}:{self.start}"

    def starts(self) -> datetime:
        return datetime.combine(self.day, time(), LONDON) + timedelta(minutes=self.start)


def reminders_due(now: datetime) -> list[Reminder]:
    """Published shifts starting within a day: the day-before reminder until an hour before, then the hour-before
    reminder until the shift starts."""
    today = now.astimezone(LONDON).date()
    found = []
    for shift in problems.published_shifts(start=today, last=today + timedelta(days=1), rows_only=True):
        for lead, (ahead, _words) in LEADS.items():
            reminder = Reminder(shift.staff_id, shift.service_id, shift.kind, shift.day, shift.start_minute,
                                shift.end_minute, lead)
            starts = reminder.starts()
            sooner = LEADS["hour"][0] if lead == "day" else timedelta(0)
            if starts - ahead <= now < starts - sooner:
                found.append(reminder)
    return found


def send_reminder(reminder: Reminder, now: datetime) -> int:
    """Email one shift reminder, if the person wants it and is not in their quiet hours."""
    person = db.session.get(StaffMember, reminder.staff_id)
    settings = preferences.settings_of(reminder.staff_id)
    wanted = settings.remind_day_before if reminder.lead == "day" else settings.remind_hour_before
    if person is None or not person.active or not wanted or preferences.quiet_now(settings, now):
        return 0
    service = db.session.get(Service, reminder.service_id)
    when = period(reminder.start, reminder.end, reminder.day)
    return outbox.queue_letter_once(
        reminder.key, person, subject=f"Your shift {LEADS[reminder.lead][1]}: {service.name}, {when}",
        text=f"You are on the rota for {service.name} on {when}: {KIND_WORDS.get(reminder.kind, 'a shift')}.\n\n"
             f"Your shifts: {public_url('rotas.mine')}\n\nIf you cannot make it, tell your team manager now so they "
             f"can find cover.\n\nYou can change which reminders you get: {public_url('notifications.settings')}")


# --- Open-shift offers ------------------------------------------------------------------------------------------

def offer_candidates() -> list[int]:
    """Active people who moderate on a rota and have not switched offers off."""
    off = set(db.session.scalars(sa.select(NotificationSettings.staff_id).where(
        NotificationSettings.open_shift_offers.is_(False))))
    people = db.session.scalars(sa.select(StaffMember).where(StaffMember.active).order_by(StaffMember.id))
    return [person.id for person in people if person.id not in off and problems.engine_role(person)]


def send_offers(staff_id: int, now: datetime) -> int:
    """Email a person the open shifts they could take and have not been offered, within their weekly limit (the
    same check the take button makes, so each offer is one they can take). Returns how many were offered."""
    person = db.session.get(StaffMember, staff_id)
    settings = preferences.settings_of(staff_id)
    if preferences.quiet_now(settings, now):
        return 0
    room = None if settings.offers_per_week is None else \
        settings.offers_per_week - preferences.offers_this_week(staff_id, now)
    if room is not None and room <= 0:
        return 0
    fresh = []
    for offer in open_shifts.offers(person, today=now.astimezone(LONDON).date()):
        key = f"offer:{staff_id}:{offer.service.id}:{offer.day}:{offer.gap_start}:{offer.kind}"
        if db.session.get(SentNotice, key) is None:
            fresh.append((key, offer))
    fresh = fresh[:room] if room is not None else fresh
    if not fresh:
        return 0
    lines = "\n".join(f"- {offer.service.name}, {offer.when} ({offer.need})" for _key, offer in fresh)
    queued = outbox.queue_letter_once(
        [key for key, _offer in fresh], person, subject=f"Open shifts you could take: {len(fresh)}",
        text=f"These shifts are open and fit your availability and your limits:\n\n{lines}\n\n"
             f"Take one in one click (sign in first): {public_url('rotas.mine')}#open-shifts\n\n"
             f"The first person to take a shift gets it. You can limit or stop these emails: "
             f"{public_url('notifications.settings')}")
    return len(fresh) if queued else 0


# --- The managers' morning digest -------------------------------------------------------------------------------

def send_digest(staff_id: int, now: datetime) -> int:
    """Email a manager what the published rotas of their services leave uncovered in the next 28 days and any
    rota that reaches fewer than 4 weeks ahead; nothing on a morning with nothing to act on."""
    person, settings = db.session.get(StaffMember, staff_id), preferences.settings_of(staff_id)
    if not settings.manager_digest or preferences.quiet_now(settings, now):
        return 0
    today = now.astimezone(LONDON).date()
    parts = []
    for cover in published_cover(services_managed_by(person), today):
        lines = [cover.warning] if cover.warning else []
        lines += [f"  - {window}" for window in cover.open_windows[:DIGEST_LINES]]
        if len(cover.open_windows) > DIGEST_LINES:
            lines.append(f"  ...and {len(cover.open_windows) - DIGEST_LINES} more")
        if lines:
            parts.append(f"{cover.service.name}:\n" + "\n".join(lines))
    if not parts:
        return 0
    return outbox.queue_letter_once(
        f"digest:{today}:{staff_id}", person, subject=f"Rota cover to act on, {today:%a %d %b}",
        text="What the published rotas of your services leave uncovered in the next 28 days:\n\n"
             + "\n\n".join(parts) + f"\n\nRotas: {public_url('rotas.index')}")


# --- The jobs --------------------------------------------------------------------------------------------------

def shift_reminders(now: datetime) -> Outcome:
    """Remind people of their shifts a day and an hour ahead."""
    return each(reminders_due(now), lambda reminder: send_reminder(reminder, now),
                what=lambda reminder: f"reminder {reminder.key}")


def open_shift_offers(now: datetime) -> Outcome:
    """Offer open shifts to the people who could take them."""
    return each(offer_candidates(), lambda staff_id: send_offers(staff_id, now),
                what=lambda staff_id: f"offers to staff {staff_id}")


def manager_digest(now: datetime) -> Outcome:
    """Tell managers what their published rotas leave uncovered (sent at the first run of the day outside their
    quiet hours)."""
    return each(manager_ids(), lambda staff_id: send_digest(staff_id, now),
                what=lambda staff_id: f"digest to staff {staff_id}")
