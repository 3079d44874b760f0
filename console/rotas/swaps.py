"""Swaps: one person asks a colleague to take a published shift of theirs.

The colleague accepts or declines. On accepting, the engine's validator checks the rota with the shift
handed over; if it breaks nothing new, the service either applies it at once (when its standard allows
swaps without a manager) or waits for a team manager, who sees it checked again. Applying publishes a
one-day version of that service's rota, and both calendars follow.
"""

from datetime import date, timedelta

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.accounts.teams import services_managed_by, team_managers_of
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.notifications import service as outbox
from console.rotas import problem as problems
from console.rotas import publishing
from console.rotas import standards
from console.rotas.models import Shift, SwapRequest, SwapStatus
from console.words import period
from rota.domain import Assignment, Kind, Problem, Rota

OPEN = (SwapStatus.ASKED.value, SwapStatus.AGREED.value)


def describe(shift: Shift) -> str:
    """A shift as people read it: "Eating disorders, Thu 03 Dec 17:00–22:00"."""
    return f"{shift.service.name}, {period(shift.start_minute, shift.end_minute, shift.day)}"


def _in_force(shift: Shift) -> bool:
    return problems.versions_in_force(start=shift.day, last=shift.day).get((shift.service_id, shift.day)) == \
        shift.version_id


def _problem(shift: Shift) -> Problem:
    monday = shift.day - timedelta(days=shift.day.weekday())
    return problems.build_problem([shift.service], monday, 28)


def _handed_over(problem: Problem, shift: Shift, to_staff_id: int) -> tuple[Rota, Rota, int]:
    """The published rota, the same with the shift handed over, and the shift's day number."""
    rota = problems.published_rota(problem)
    day = (shift.day - problem.start).days
    mine = Assignment(day, shift.start_minute, shift.end_minute, str(shift.staff_id), shift.service.slug,
                      Kind(shift.kind))
    theirs = Assignment(day, shift.start_minute, shift.end_minute, str(to_staff_id), shift.service.slug,
                        Kind(shift.kind))
    return rota, Rota(tuple(sorted([a for a in rota.assignments if a != mine] + [theirs]))), day


def colleagues(shift: Shift) -> list[StaffMember]:
    """Other people rostered for the shift's service: whom one may ask."""
    return [p for p in problems.rostered_staff([shift.service]) if p.id != shift.staff_id]


def own_shift(person: StaffMember, *, shift_id: int, today: date) -> Shift:
    """One of my published shifts from tomorrow on (not on call), or NotFound / UserError."""
    shift = db.session.get(Shift, shift_id)
    if shift is None or shift.staff_id != person.id or shift.kind == Kind.ON_CALL.value or not _in_force(shift):
        raise NotFound("That is not one of your published shifts.")
    if shift.day <= today:
        raise UserError("Only shifts from tomorrow on can be swapped; for today, call your manager.")
    return shift


def ask(person: StaffMember, *, shift_id: int, to_staff_id: int, note: str, today: date) -> SwapRequest:
    """Ask a colleague to take one of my shifts; they are emailed."""
    shift = own_shift(person, shift_id=shift_id, today=today)
    colleague = next((p for p in colleagues(shift) if p.id == to_staff_id), None)
    if colleague is None:
        raise UserError(f"Choose someone rostered for {shift.service.name}.")
    if db.session.scalar(sa.select(SwapRequest.id).where(SwapRequest.shift_id == shift.id,
                                                         SwapRequest.status.in_(OPEN))):
        raise UserError("You have already asked someone to take this shift; withdraw that request first.")
    request = SwapRequest(shift_id=shift.id, from_staff_id=person.id, to_staff_id=colleague.id, note=note.strip())
    db.session.add(request)
    db.session.flush()
    audit.record("swap.asked", target=f"swap:{request.id}", details={"shift": shift.id, "to": colleague.id})
    outbox.queue_letter(colleague, subject=f"{person.name} asks you to take a shift",
                        text=f"{person.name} asks whether you can take their shift {describe(shift)}."
                        + (f'\n\nTheir note: "{request.note}"' if request.note else "")
                        + "\n\nSign in to the moderation console and open My shifts to accept or decline.")
    _commit_and_send()
    return request


def requests_for(person: StaffMember) -> tuple[list[SwapRequest], list[SwapRequest]]:
    """Open swap requests a person made, and open ones waiting for them to answer."""
    mine = db.session.scalars(sa.select(SwapRequest).where(SwapRequest.from_staff_id == person.id,
                                                           SwapRequest.status.in_(OPEN)).order_by(SwapRequest.id))
    theirs = db.session.scalars(sa.select(SwapRequest).where(SwapRequest.to_staff_id == person.id,
                                                             SwapRequest.status == SwapStatus.ASKED.value)
                                .order_by(SwapRequest.id))
    return list(mine), list(theirs)


def waiting_for_managers(manager) -> list[SwapRequest]:
    """Agreed swaps on services this manager manages, waiting for their approval."""
    managed = {s.id for s in services_managed_by(manager)}
    agreed = db.session.scalars(sa.select(SwapRequest).where(SwapRequest.status == SwapStatus.AGREED.value)
                                .order_by(SwapRequest.id))
    return [r for r in agreed if r.shift.service_id in managed]


def _open_request(request_id: int, status: str) -> SwapRequest:
    request = db.session.get(SwapRequest, request_id)
    if request is None or request.status != status:
        raise NotFound("That swap request is not waiting for this any more.")
    if not _in_force(request.shift):
        request.status = SwapStatus.WITHDRAWN.value
        db.session.commit()
        raise UserError("The rota has been published again since this swap was asked; it no longer applies. "
                        "Ask again if the shift is still yours.")
    return request


def _check(request: SwapRequest) -> None:
    problem = _problem(request.shift)
    before, after, _ = _handed_over(problem, request.shift, request.to_staff_id)
    broken = publishing.new_violations(problem, before, after)
    if broken:
        raise UserError(f"{request.to_staff.name} cannot take {describe(request.shift)}: " + "; ".join(broken) + ".")


def _apply(request: SwapRequest, actor) -> None:
    shift = request.shift
    problem = _problem(shift)
    _, after, day = _handed_over(problem, shift, request.to_staff_id)
    publishing.publish_day(problem, after, service=shift.service, day=day, actor=actor,
                           note=f"Swap: {request.from_staff.name} to {request.to_staff.name}",
                      also_tell=(request.from_staff_id,))
    request.status, request.decided_at = SwapStatus.DONE.value, utcnow()
    request.decided_by_id = actor.id


def answer(person: StaffMember, *, request_id: int, accept: bool) -> SwapRequest:
    """The colleague accepts (checked by the validator; applied at once where the service allows) or declines."""
    request = _open_request(request_id, SwapStatus.ASKED.value)
    if request.to_staff_id != person.id:
        raise NotFound("That swap request is not waiting for this any more.")
    what = describe(request.shift)
    if not accept:
        request.status = SwapStatus.DECLINED.value
        audit.record("swap.declined", target=f"swap:{request.id}")
        outbox.queue_letter(request.from_staff, subject="Swap declined",
                            text=f"{person.name} cannot take your shift {what}.")
        _commit_and_send()
        return request
    _check(request)
    if standards.auto_approves_swaps(request.shift.service):
        _apply(request, person)
        audit.record("swap.done", target=f"swap:{request.id}", details={"approved": "automatically"})
        outbox.queue_letter(request.from_staff, subject="Swap done",
                            text=f"{person.name} has taken your shift {what}; it is off your rota.")
        _commit_and_send()
        return request
    request.status = SwapStatus.AGREED.value
    audit.record("swap.agreed", target=f"swap:{request.id}")
    for manager in team_managers_of(request.shift.service):
        outbox.queue_letter(manager, subject="A swap is waiting for your approval",
                            text=f"{request.from_staff.name} and {person.name} agreed that {person.name} takes "
                                 f"{what}. Open Rotas in the moderation console to approve or refuse it.")
    _commit_and_send()
    return request


def decide(manager, *, request_id: int, approve: bool) -> SwapRequest:
    """A team manager approves (checked again) or refuses an agreed swap; both people are emailed."""
    request = _open_request(request_id, SwapStatus.AGREED.value)
    if request.shift.service_id not in {s.id for s in services_managed_by(manager)}:
        raise NotFound("That swap request is not waiting for this any more.")
    if manager.id in (request.from_staff_id, request.to_staff_id):
        raise UserError("You are part of this swap, so another team manager or an owner decides it.")
    what = describe(request.shift)
    if approve:
        _check(request)
        _apply(request, manager)
    else:
        request.status, request.decided_at, request.decided_by_id = SwapStatus.REFUSED.value, utcnow(), manager.id
    audit.record(f"swap.{request.status}", target=f"swap:{request.id}")
    outcome = "approved: the shift has moved" if approve else "refused: the shift stays where it was"
    for person in (request.from_staff, request.to_staff):
        outbox.queue_letter(person, subject=f"Swap {'approved' if approve else 'refused'}",
                            text=f"The swap of {what} was {outcome}.")
    _commit_and_send()
    return request


def withdraw(person: StaffMember, *, request_id: int) -> None:
    """Take back a swap request that is not done."""
    request = db.session.get(SwapRequest, request_id)
    if request is None or request.from_staff_id != person.id or request.status not in OPEN:
        raise NotFound("That swap request is not waiting for this any more.")
    request.status = SwapStatus.WITHDRAWN.value
    audit.record("swap.withdrawn", target=f"swap:{request.id}")
    db.session.commit()


def _commit_and_send() -> None:
    """Commit the swap's change with its emails (the outbox's sender is woken once they are committed)."""
    db.session.commit()
