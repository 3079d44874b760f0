"""Swaps: one person asks a colleague to take a published shift of theirs.

Only colleagues who could take the shift are offered: the engine's validator finds nothing new broken with the
shift handed to them and the service's standard is covered as before (the checks an open shift is offered by: a
role its window asks for, and nothing new broken), and the form says in words why the others trained for
the service are not listed. The colleague accepts or declines. On accepting, the same check is made again; if it
breaks nothing new, the service either applies it at once (when its standard allows
swaps without a manager) or waits for a team manager, who sees it checked again. Applying publishes a
one-day version of that service's rota, and both calendars follow.
"""

from collections import Counter
from dataclasses import dataclass
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
from console.words import counted, listed, period
from rota.domain import Assignment, Kind, Problem, Rota
from rota.score import day_presence_gaps
from rota.solver import add_on_call

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


def _handed_over(problem: Problem, rota: Rota, shift: Shift, to_staff_id: int) -> Rota:
    """The rota with the shift handed over, and a clinician on call wherever the new holder's work needs one (as
    publishing the swap adds)."""
    day = (shift.day - problem.start).days
    mine = Assignment(day, shift.start_minute, shift.end_minute, str(shift.staff_id), shift.service.slug,
                      Kind(shift.kind))
    theirs = Assignment(day, shift.start_minute, shift.end_minute, str(to_staff_id), shift.service.slug,
                        Kind(shift.kind))
    return add_on_call(problem, Rota(tuple(sorted([a for a in rota.assignments if a != mine] + [theirs]))))


STANDARD = 4  # the rule of the service's standard, where a swap would leave part of it uncovered
# Why a colleague cannot take a shift, by the first rule (in FORMAT.md's order) the swap would break for them: the
# words after "7 ..." and after "1 ...".
REASONS = {
    1: ("cannot be given this shift", "cannot be given this shift"),
    2: ("is not trained for this service", "are not trained for this service"),
    3: ("is not available then", "are not available then"),
    4: ("has a role this shift does not ask for", "have a role this shift does not ask for"),
    5: ("is already working then", "are already working then"),
    6: ("would go over their weekly hours or working days", "would go over their weekly hours or working days"),
    7: ("would work too many days in a row", "would work too many days in a row"),
    8: ("would not get enough rest between shifts", "would not get enough rest between shifts"),
    9: ("would work more weekends than their contract allows", "would work more weekends than their contract allows"),
    10: ("would leave supervised work without a clinical supervisor",
         "would leave supervised work without a clinical supervisor"),
}


@dataclass(frozen=True)
class Colleague:
    """Someone who could take the shift, with the role they would work it in."""

    person: StaffMember
    role: str  # "volunteer", "clinical moderator"

    @property
    def label(self) -> str:
        """How the form lists them: "Noor Haddad, volunteer"."""
        return f"{self.person.name}, {self.role}"


@dataclass(frozen=True)
class Colleagues:
    """Whom one may ask to take a shift, and how many of the others trained for its service each rule keeps out."""

    service: str
    able: list[Colleague]
    kept_out: dict[int, int]  # rule number -> colleagues it keeps out, in rule order

    @property
    def not_listed(self) -> str | None:
        """Why the others are not listed: "12 colleagues are not listed: 7 are not available then, ..."."""
        total = sum(self.kept_out.values())
        if not total:
            return None if self.able else f"Nobody else is trained for {self.service}."
        reasons = [f"{count} {REASONS[rule][count != 1]}" for rule, count in self.kept_out.items()]
        if not self.able:
            return (f"Nobody else trained for {self.service} could take this shift without breaking a rule: "
                    f"{listed(reasons)}.")
        return f"{counted(total, 'colleague')} {'is' if total == 1 else 'are'} not listed: {listed(reasons)}."


def _uncovered_that_day(problem: Problem, rota: Rota, shift: Shift) -> int:
    """Minutes of the shift's service's presence standard the rota leaves uncovered on the shift's day."""
    day, service = (shift.day - problem.start).days, problem.services[shift.service.slug]
    present = [a for a in rota.assignments if a.kind == Kind.PRESENCE and a.service == service.id and a.day == day]
    return sum(gap.uncovered_minutes for gap in day_presence_gaps(problem, service, day, present))


def colleagues(shift: Shift) -> Colleagues:
    """The other people trained for the shift's service who could take it without breaking a rule, and why the
    rest cannot. The service's problem and its published rota are built once and every colleague checked in it."""
    problem = _problem(shift)
    rota = problems.published_rota(problem)
    already, uncovered = publishing.broken_in(problem, rota), _uncovered_that_day(problem, rota, shift)
    able, kept_out = [], Counter()
    for person in problems.rostered_staff([shift.service]):
        if person.id == shift.staff_id:
            continue
        after = _handed_over(problem, rota, shift, person.id)
        broken = {v.rule for v in publishing.broken_by(problem, after, already=already)}
        if _uncovered_that_day(problem, after, shift) > uncovered:
            broken.add(STANDARD)  # as an open shift is offered only to a role its window asks for
        if broken:
            kept_out[min(broken)] += 1
        else:
            able.append(Colleague(person, problems.ROLE_NAMES[problem.staff[str(person.id)].role]))
    return Colleagues(shift.service.name, able, dict(sorted(kept_out.items())))


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
    colleague = next((c.person for c in colleagues(shift).able if c.person.id == to_staff_id), None)
    if colleague is None:
        raise UserError("Choose someone from the list: they could take the shift without breaking a rule.")
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
    before = problems.published_rota(problem)
    broken = publishing.new_violations(problem, before, _handed_over(problem, before, request.shift,
                                                                     request.to_staff_id))
    if broken:
        raise UserError(f"{request.to_staff.name} cannot take {describe(request.shift)}: " + "; ".join(broken) + ".")


def _apply(request: SwapRequest, actor) -> None:
    shift = request.shift
    problem = _problem(shift)
    after = _handed_over(problem, problems.published_rota(problem), shift, request.to_staff_id)
    publishing.publish_day(problem, after, service=shift.service, day=(shift.day - problem.start).days, actor=actor,
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
