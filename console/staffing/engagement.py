"""Volunteers kept engaged: the volunteers, peer moderators and digital champions of a manager's services who have
had no shift lately, and a manager's one-click "we miss you" email offering the open shifts they could take.

The email goes through the outbox, only to people who have not switched open-shift emails off, at most once a week
each, and only with shifts that pass the same check as the Take button (console.rotas.open_shifts).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from console.accounts.models import StaffMember
from console.audit import service as audit
from console.database import LONDON
from console.errors import UserError
from console.extensions import db
from console.links import public_url
from console.notifications import preferences
from console.notifications import service as outbox
from console.permissions import Role
from console.rotas import open_shifts
from console.rotas import problem as problems
from console.staffing.service import get_managed_or_raise, managed_staff

# The roles that give their time and drift away first.
GIVING_TIME = frozenset({Role.VOLUNTEER, Role.PEER_MODERATOR, Role.DIGITAL_CHAMPION})
LOOK_BACK_WEEKS = (4, 8)
LOOK_AHEAD_DAYS = 28


@dataclass(frozen=True)
class QuietPerson:
    """Someone giving their time with no shift in the last 4 weeks: when they last worked and next will."""

    person: StaffMember
    role: str
    last: date | None  # their last shift before today, within the 8 weeks looked at (None: none in that time)
    next: date | None  # their next shift in the 4 weeks from today
    offers_off: bool  # they have switched open-shift emails off

    @property
    def weeks_quiet(self) -> int:
        """8 for none in 8 weeks, else 4."""
        return 8 if self.last is None else 4


def _role(person: StaffMember) -> Role | None:
    held = [role for role in person.roles if role in GIVING_TIME]
    return held[0] if held else None


def quiet_people(manager, *, today: date) -> list[QuietPerson]:
    """The volunteers, peers and digital champions of the manager's services with no shift in the last 4 weeks,
    those quiet longest first."""
    people = [p for p in managed_staff(manager) if p.active and _role(p) is not None]
    if not people:
        return []
    shifts = problems.published_shifts(start=today - timedelta(weeks=LOOK_BACK_WEEKS[-1]),
                                       last=today + timedelta(days=LOOK_AHEAD_DAYS),
                                       staff_ids=[p.id for p in people], rows_only=True)
    days: dict[int, list[date]] = {}
    for shift in shifts:
        days.setdefault(shift.staff_id, []).append(shift.day)
    quiet = []
    for person in people:
        worked = [day for day in days.get(person.id, []) if day < today]
        coming = [day for day in days.get(person.id, []) if day >= today]
        last = max(worked, default=None)
        if last is not None and last >= today - timedelta(weeks=LOOK_BACK_WEEKS[0]):
            continue
        quiet.append(QuietPerson(person, _role(person).label, last, min(coming, default=None),
                                 not preferences.settings_of(person.id).open_shift_offers))
    return sorted(quiet, key=lambda q: (q.last or date.min, q.person.name))


def send_we_miss_you(manager, *, staff_id: int, now: datetime) -> int:
    """Email a quiet person the open shifts they could take now, with a word from their manager; returns how many
    shifts it offers. Refused, saying why, when they have switched such emails off, were sent one this week, or no
    open shift fits them."""
    person = get_managed_or_raise(manager, staff_id=staff_id)
    if _role(person) is None:
        raise UserError(f"{person.name} is not a volunteer, peer moderator or digital champion.")
    if not preferences.settings_of(person.id).open_shift_offers:
        raise UserError(f"{person.name} has switched open-shift emails off: ask them in person instead.")
    today = now.astimezone(LONDON).date()
    offers = open_shifts.offers(person, today=today)
    if not offers:
        raise UserError(f"No open shift fits {person.name}'s availability and limits now: nothing was sent.")
    lines = "\n".join(f"- {offer.service.name}, {offer.when} ({offer.need})" for offer in offers[:10])
    week, offered = today.isocalendar(), min(len(offers), 10)
    # Recorded first, so the letter and its record are one transaction (queue_letter_once commits both).
    audit.record("engagement.miss_you_sent", target=f"staff:{person.id}", details={"shifts_offered": offered})
    sent = outbox.queue_letter_once(
        f"miss-you:{person.id}:{week.year}-{week.week}", person,
        subject="We would love to see you back on the rota",
        text=f"It has been a while since your last shift, and {manager.name} wanted to say we miss you. If you have "
             f"time, these shifts are open and fit your availability and your limits:\n\n{lines}\n\n"
             f"Take one in one click (sign in first): {public_url('rotas.mine')}#open-shifts\n\n"
             f"If your availability has changed, update it here: {public_url('staffing.mine')}\n"
             f"You can limit or stop emails like this one: {public_url('notifications.settings')}")
    if not sent:
        db.session.rollback()
        raise UserError(f"{person.name} was sent one this week already.")
    return offered
