"""What the rota is made from, kept by the people themselves and their managers: when each person can work,
when they cannot, their leave and their contract. Every change is audited."""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import groupby

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.accounts.teams import services_managed_by
from console.audit import service as audit
from console.database import local_today, utcnow
from console.errors import NotFound, UserError, child_or_404
from console.extensions import db
from console.notifications import service as outbox
from console.rotas import problem as problems
from console.rotas import publishing
from console.staffing.models import (AvailabilityWindow, Contract, LeaveRequest, LeaveStatus, StaffPreference,
                                     StaffWish, Unavailability)
from console.words import period
from rota.domain import Rota

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_LEAVE_DAYS = 366
MAX_DAYS_AHEAD = 2 * 366  # how far ahead unavailability and leave can be entered


def _target(staff: StaffMember) -> str:
    return f"staff:{staff.id}"


def managed_staff(manager) -> list[StaffMember]:
    """People rostered for any service the manager manages, by name."""
    return problems.rostered_staff(services_managed_by(manager))


def get_managed_or_raise(manager, *, staff_id: int) -> StaffMember:
    """A person whose rota terms this manager keeps, or NotFound."""
    person = next((p for p in managed_staff(manager) if p.id == staff_id), None)
    if person is None:
        raise NotFound("There is nobody at this address whose rota you manage.")
    return person


# --- Weekly availability ---------------------------------------------------------------------

def availability(staff: StaffMember) -> list[AvailabilityWindow]:
    """A person's weekly availability, Monday first."""
    return list(db.session.scalars(sa.select(AvailabilityWindow).where(AvailabilityWindow.staff_id == staff.id)
                                   .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)))


def add_availability(staff: StaffMember, *, weekday: int, start: int, end: int) -> AvailabilityWindow:
    """Add a weekly time the person can work; it may not overlap one they already have that day."""
    for window in availability(staff):
        if window.weekday == weekday and window.start_minute < end and start < window.end_minute:
            raise UserError(f"That overlaps {WEEKDAYS[weekday]} {period(window.start_minute, window.end_minute)}, "
                            "which is already there: remove it first to change it.")
    window = AvailabilityWindow(staff_id=staff.id, weekday=weekday, start_minute=start, end_minute=end)
    db.session.add(window)
    audit.record("availability.added", target=_target(staff),
                 details={"weekday": weekday, "start": start, "end": end})
    db.session.commit()
    return window


def _remove_own(staff: StaffMember, model, row_id: int, *, missing: str, action: str, details) -> None:
    """Delete one of the person's own rows (NotFound, saying `missing`, for anyone else's), audited with
    `details(row)`."""
    row = child_or_404(model, row_id, staff_id=staff.id, missing=missing)
    db.session.delete(row)
    audit.record(action, target=_target(staff), details=details(row))
    db.session.commit()


def remove_availability(staff: StaffMember, *, window_id: int) -> None:
    """Take a weekly time away."""
    _remove_own(staff, AvailabilityWindow, window_id, action="availability.removed",
                missing="There is no weekly availability at this address for this person.",
                details=lambda w: {"weekday": w.weekday, "start": w.start_minute, "end": w.end_minute})


# --- Preferences: when a person would rather work, or not ------------------------------------

STRENGTHS = {1: "a little", 3: "strongly"}  # a preference's weight in the engine's objective
MOST_PREFERENCES = 20


@dataclass(frozen=True)
class PreferenceLine:
    """A preference as its person reads it: "Would rather not work Saturday and Sunday 17:00–22:00, strongly"."""

    preference: StaffPreference
    text: str


def days_in_words(weekdays: list[int]) -> str:
    """"weekdays", "weekends", "every day" or the days named in order."""
    days = sorted(set(weekdays))
    if days == list(range(7)):
        return "every day"
    if days == list(range(5)):
        return "weekdays (Monday to Friday)"
    if days == [5, 6]:
        return "weekends"
    names = [WEEKDAYS[day] for day in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def preferences_of(staff: StaffMember) -> list[PreferenceLine]:
    """A person's preferences, in words, in the order entered."""
    rows = db.session.scalars(sa.select(StaffPreference).where(StaffPreference.staff_id == staff.id)
                              .order_by(StaffPreference.id)).all()
    names = {service.id: service.name for service in staff.services}
    return [PreferenceLine(row, (
        f"{'Would like to work' if row.kind == 'prefer' else 'Would rather not work'} "
        f"{days_in_words([int(d) for d in row.weekdays.split(',')])} {period(row.start_minute, row.end_minute)}, "
        f"{STRENGTHS.get(row.weight, 'strongly' if row.weight > 1 else 'a little')}"
        + (f", {names.get(row.service_id, 'a service they no longer work in')} only" if row.service_id else "")))
        for row in rows]


def add_preference(staff: StaffMember, *, kind: str, weekdays: list[int], start: int, end: int, weight: int,
                   service_id: int | None) -> StaffPreference:
    """Add a time the person would like to work, or would rather not; the rota engine weighs it against others'
    and against cover (it never leaves a window uncovered for one)."""
    if kind not in ("prefer", "avoid"):
        raise UserError("Choose whether you would like to work then or would rather not.")
    if not weekdays or any(day not in range(7) for day in weekdays):
        raise UserError("Choose at least one day of the week.")
    if weight not in STRENGTHS:
        raise UserError("Choose how much it matters: a little or strongly.")
    if service_id is not None and service_id not in {service.id for service in staff.services}:
        raise UserError("Choose one of your own services, or any.")
    days = ",".join(str(d) for d in sorted(set(weekdays)))
    held = db.session.scalars(sa.select(StaffPreference).where(StaffPreference.staff_id == staff.id)).all()
    for row in held:
        if (row.kind, row.weekdays, row.start_minute, row.end_minute, row.service_id) == (kind, days, start, end,
                                                                                          service_id):
            raise UserError(f"You have that preference already ({STRENGTHS.get(row.weight, 'strongly')}): remove it "
                            "first to change how much it matters.")
    if len(held) >= MOST_PREFERENCES:
        raise UserError(f"You have {MOST_PREFERENCES} preferences already: remove one you no longer need first.")
    row = StaffPreference(staff_id=staff.id, kind=kind, weekdays=days, start_minute=start, end_minute=end,
                          weight=weight, service_id=service_id)
    db.session.add(row)
    audit.record("preference.added", target=_target(staff),
                 details={"kind": kind, "weekdays": sorted(set(weekdays)), "start": start, "end": end,
                          "strength": STRENGTHS[weight]})
    db.session.commit()
    return row


def remove_preference(staff: StaffMember, *, preference_id: int) -> None:
    """Take a preference away."""
    _remove_own(staff, StaffPreference, preference_id, action="preference.removed",
                missing="There is no preference at this address for this person.",
                details=lambda p: {"kind": p.kind, "start": p.start_minute, "end": p.end_minute})


def most_days_of(staff: StaffMember) -> int | None:
    """The most days a week the person asks to be on the rota (None: no limit of their own)."""
    row = db.session.get(StaffWish, staff.id)
    return row.most_days_week if row is not None else None


def set_most_days(staff: StaffMember, most_days_week: int | None) -> None:
    """Keep the most days a week a person asks to be rostered (None for no limit of their own); rotas made from
    now on keep to it as to their contract's limit, whichever is lower."""
    if most_days_week is not None and not 1 <= most_days_week <= 7:
        raise UserError("Give a number of days from 1 to 7, or leave it empty for no limit of your own.")
    row = db.session.get(StaffWish, staff.id) or StaffWish(staff_id=staff.id)
    row.most_days_week = most_days_week
    db.session.add(row)
    audit.record("preference.most_days_set", target=_target(staff), details={"days": most_days_week})
    db.session.commit()


# --- One-off unavailability ------------------------------------------------------------------

def _future_day(day: date, today: date, what: str) -> None:
    if day < today:
        raise UserError(f"{day:%a %d %b %Y} has passed: {what} can only be entered from today.")
    if day > today + timedelta(days=MAX_DAYS_AHEAD):
        raise UserError(f"{day:%d %b %Y} is more than two years ahead.")


def unavailability(staff: StaffMember, *, today: date) -> list[Unavailability]:
    """A person's one-off unavailability from today on."""
    return list(db.session.scalars(sa.select(Unavailability).where(
        Unavailability.staff_id == staff.id, Unavailability.day >= today)
        .order_by(Unavailability.day, Unavailability.start_minute)))


def add_unavailability(staff: StaffMember, *, day: date, start: int, end: int, today: date) -> Unavailability:
    """Add a one-off time the person cannot work (new rotas leave them out; published ones are not changed)."""
    _future_day(day, today, "unavailability")
    off = Unavailability(staff_id=staff.id, day=day, start_minute=start, end_minute=end)
    db.session.add(off)
    audit.record("unavailability.added", target=_target(staff),
                 details={"day": day.isoformat(), "start": start, "end": end})
    db.session.commit()
    return off


def remove_unavailability(staff: StaffMember, *, unavailability_id: int) -> None:
    """Take a one-off unavailability away."""
    _remove_own(staff, Unavailability, unavailability_id, action="unavailability.removed",
                missing="There is no unavailability at this address for this person.",
                details=lambda off: {"day": off.day.isoformat()})


# --- Leave -----------------------------------------------------------------------------------

def leave_of(staff: StaffMember) -> list[LeaveRequest]:
    """A person's leave requests, latest first."""
    return list(db.session.scalars(sa.select(LeaveRequest).where(LeaveRequest.staff_id == staff.id)
                                   .order_by(LeaveRequest.first_day.desc(), LeaveRequest.id.desc())))


def request_leave(staff: StaffMember, *, first: date, last: date, note: str, today: date) -> LeaveRequest:
    """Ask for leave over whole days; a manager approves or rejects it."""
    if last < first:
        raise UserError("The last day of leave comes on or after the first.")
    _future_day(first, today, "leave")
    if (last - first).days + 1 > MAX_LEAVE_DAYS:
        raise UserError(f"Ask for at most {MAX_LEAVE_DAYS} days at once.")
    for other in leave_of(staff):
        if other.status in (LeaveStatus.REQUESTED, LeaveStatus.APPROVED) and other.first_day <= last \
                and first <= other.last_day:
            raise UserError(f"You already have leave {other.status} from {other.first_day:%d %b} to "
                            f"{other.last_day:%d %b %Y}, which overlaps these days.")
    leave = LeaveRequest(staff_id=staff.id, first_day=first, last_day=last, note=note.strip())
    db.session.add(leave)
    db.session.flush()
    audit.record("leave.requested", target=f"leave:{leave.id}",
                 details={"staff": staff.id, "first": first.isoformat(), "last": last.isoformat()})
    db.session.commit()
    return leave


def cancel_leave(staff: StaffMember, *, leave_id: int, today: date) -> None:
    """Withdraw a request, or give back approved leave that has not started."""
    leave = child_or_404(LeaveRequest, leave_id, staff_id=staff.id,
                         missing="There is no leave request at this address for this person.")
    if leave.status not in (LeaveStatus.REQUESTED, LeaveStatus.APPROVED):
        raise UserError(f"This leave is already {leave.status}.")
    if leave.first_day <= today:
        raise UserError("Leave that has started cannot be cancelled here: ask your manager.")
    leave.status = LeaveStatus.CANCELLED.value
    audit.record("leave.cancelled", target=f"leave:{leave.id}", details={"staff": staff.id})
    db.session.commit()


def leave_to_decide(manager) -> list[LeaveRequest]:
    """Requests waiting for a decision from people this manager rosters, earliest first."""
    ids = [person.id for person in managed_staff(manager)]
    return list(db.session.scalars(sa.select(LeaveRequest).where(
        LeaveRequest.staff_id.in_(ids), LeaveRequest.status == LeaveStatus.REQUESTED.value)
        .order_by(LeaveRequest.first_day, LeaveRequest.id)))


def recent_decisions(manager, *, limit: int = 20) -> list[LeaveRequest]:
    """The latest decided or cancelled requests of people this manager rosters."""
    ids = [person.id for person in managed_staff(manager)]
    return list(db.session.scalars(sa.select(LeaveRequest).where(
        LeaveRequest.staff_id.in_(ids), LeaveRequest.status != LeaveStatus.REQUESTED.value)
        .order_by(LeaveRequest.decided_at.desc().nulls_last(), LeaveRequest.id.desc()).limit(limit)))


@dataclass(frozen=True)
class Decision:
    """A leave decision and what it did to the rota."""

    leave: LeaveRequest
    opened: list[str]  # the person's published shifts in approved leave, now open shifts (in words)


def decide_leave(manager, *, leave_id: int, approve: bool, note: str) -> Decision:
    """Approve or reject a request; a manager never decides their own. The person is emailed."""
    leave = db.session.get(LeaveRequest, leave_id)
    if leave is None or leave.staff_id not in {p.id for p in managed_staff(manager)}:
        raise NotFound("That leave request is not one you decide.")
    if leave.staff_id == manager.id:
        raise UserError("Your own leave is decided by another manager or an owner.")
    if leave.status != LeaveStatus.REQUESTED.value:
        raise UserError(f"This request is already {leave.status}.")
    if not approve and not note.strip():
        raise UserError("Give a reason when you reject leave; the person sees it.")
    leave.status = (LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED).value
    leave.decided_by_id, leave.decided_at, leave.decision_note = manager.id, utcnow(), note.strip()
    opened = _open_shifts_in(leave, manager) if approve else []
    audit.record(f"leave.{leave.status}", target=f"leave:{leave.id}",
                 details={"staff": leave.staff_id, "first": leave.first_day.isoformat(),
                          "last": leave.last_day.isoformat(), "shifts_opened": len(opened)})
    _tell_decision(leave)
    db.session.commit()
    return Decision(leave, opened)


def _open_shifts_in(leave: LeaveRequest, manager) -> list[str]:
    """Take the person off their published shifts in approved leave, service by service and day by day (a clinician
    goes on call where the work left needs one): the windows they leave are open shifts, offered to colleagues
    who could take them and shown on the rota until someone does. The caller commits."""
    clashes = problems.published_shifts(start=max(leave.first_day, local_today()), last=leave.last_day,
                                        staff_ids=[leave.staff_id])
    opened = []
    for (service, day), shifts in groupby(sorted(clashes, key=lambda s: (s.service.name, s.day)),
                                          key=lambda s: (s.service, s.day)):
        monday = day - timedelta(days=day.weekday())
        problem = problems.build_problem([service], monday, 7)
        rota = problems.published_rota(problem)
        index = (day - monday).days
        left = Rota(tuple(a for a in rota.assignments if not (a.staff == str(leave.staff_id) and a.day == index)))
        publishing.publish_day(problem, left, service=service, day=index, actor=manager,
                               note=f"Leave: {leave.staff.name}", also_tell=(leave.staff_id,))
        opened += [f"{service.name}, {period(s.start_minute, s.end_minute, day)}" for s in shifts]
    return opened


def _tell_decision(leave: LeaveRequest) -> None:
    text = f"Your leave from {leave.first_day:%a %d %b %Y} to {leave.last_day:%a %d %b %Y} has been {leave.status}."
    if leave.decision_note:
        text += f"\n\nNote from your manager: {leave.decision_note}"
    outbox.queue_letter(leave.staff, subject=f"Your leave request has been {leave.status}", text=text)


# --- Contracts -------------------------------------------------------------------------------

CONTRACT_FIELDS = ("min_hours_week", "max_hours_week", "max_days_week", "max_consecutive_days", "min_rest_hours",
                   "max_weekends")


def contract_of(staff: StaffMember) -> Contract | None:
    """A person's contract, if one is on record."""
    return db.session.get(Contract, staff.id)


def set_contract(staff: StaffMember, **terms) -> Contract:
    """Record a person's working limits (volunteers: no minimum, a maximum of what they offer)."""
    if terms["min_hours_week"] > terms["max_hours_week"]:
        raise UserError("The minimum hours a week cannot be more than the maximum.")
    if problems.engine_role(staff) == "volunteer" and terms["min_hours_week"] > 0:
        raise UserError("Volunteers have no minimum hours: set the minimum to 0 and the maximum to what they offer.")
    if terms["max_days_week"] * 24 < terms["min_hours_week"]:
        raise UserError("The minimum hours do not fit in the days a week allowed.")
    contract = contract_of(staff) or Contract(staff_id=staff.id)
    before = {name: getattr(contract, name) for name in CONTRACT_FIELDS}
    for name in CONTRACT_FIELDS:
        setattr(contract, name, terms[name])
    db.session.add(contract)
    audit.record("contract.updated", target=_target(staff),
                 details={name: [before[name], terms[name]] for name in CONTRACT_FIELDS if before[name] != terms[name]})
    db.session.commit()
    return contract
