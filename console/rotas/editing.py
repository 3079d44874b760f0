"""Hand edits of a draft: shifts added, moved and removed (each checked at once, a clinician put on call where
supervised work needs one and taken off where nothing needs them any more), a broken contract limit accepted with a
reason, a draft imported from a file, and who made or changed a version (so may not approve it)."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.audit import service as audit
from console.errors import UserError, child_or_404
from console.extensions import db
from console.rotas import problem as problems
from console.rotas.models import RotaVersion, RuleOverride, Shift, VersionStatus
from console.rotas.versions import Review, review, version_target
from console.services.models import Service
from console.words import counted, period
from rota.domain import Assignment, Kind, Rota
from rota.scenario import ScenarioError, rota_from_dict
from rota.score import score
from rota.solver import add_on_call
from rota.validate import Violation

MIN_REASON = 10  # characters: the shortest reason kept on record for going on with a broken rule or a gap

# Changes to a draft, as the audit log records them: whoever made one is not the second pair of eyes.
EDIT_ACTIONS = ("rota.shift_added", "rota.shift_moved", "rota.shift_removed", "rota.rule_overridden",
                "rota.imported")


def _editable(version: RotaVersion) -> None:
    if version.status != VersionStatus.DRAFT.value:
        raise UserError("Only a draft can be changed; this rota is "
                        f"{version.status}. Make a new draft to change it.")


@dataclass(frozen=True)
class Edit:
    """What a hand edit did and left: the change in words, who was put on call to supervise or taken off call
    because nothing needed them any more, and the rules the draft still breaks (those not accepted with a
    reason: the count the page shows)."""

    change: str
    put_on_call: list[str]
    taken_off_call: list[str]
    breaks: list[Violation]

    @property
    def message(self) -> str:
        """The edit in a sentence or three, for the manager who made it."""
        words = [self.change + "."]
        if self.put_on_call:
            words.append(f"{', '.join(self.put_on_call)} put on call to supervise it.")
        if self.taken_off_call:
            words.append(f"{', '.join(self.taken_off_call)} taken off call: nothing there needs supervising now.")
        words.append(f"The draft now breaks {counted(len(self.breaks), 'rule')}: see below." if self.breaks else
                     "The draft keeps every rule.")
        return " ".join(words)


def kind_in_brackets(kind: str) -> str:
    """What a shift is, after its times: nothing for a shift on duty, else " (on call)" or " (check)"."""
    return "" if kind == Kind.PRESENCE.value else f" ({kind.replace('_', ' ')})"


def describe_shift(shift: Shift, names: dict[int, str]) -> str:
    """A shift as a manager reads it: "Ella Robinson, Eating disorders, Mon 07 Dec 17:00–22:00 (on call)"."""
    kind = kind_in_brackets(shift.kind)
    service = next((s.name for s in shift.version.services if s.id == shift.service_id), "another service") \
        if shift.version else ""
    when = period(shift.start_minute, shift.end_minute, shift.day)
    return f"{names.get(shift.staff_id, 'someone')}, {service}, {when}{kind}"


def _check_shift(version: RotaVersion, *, service_id: int, day: date, start: int, end: int) -> None:
    if not version.start_date <= day <= version.last_date:
        raise UserError(f"{day:%a %d %b} is outside this rota ({version.start_date:%d %b} to "
                        f"{version.last_date:%d %b}).")
    if service_id not in {s.id for s in version.services}:
        raise UserError("That service is not part of this rota.")
    if not 0 <= start < end <= 24 * 60:
        raise UserError("A shift starts before it ends, within one day.")


def _unneeded_on_call(checked: Review) -> list[Assignment]:
    """On-call shifts that no longer overlap any supervised person's work for their service that day."""
    rules, assignments = checked.problem.rules, checked.rota.assignments
    supervised = [a for a in assignments if a.kind != Kind.ON_CALL
                  and checked.problem.staff.get(a.staff) and checked.problem.staff[a.staff].role in
                  rules.supervised_roles]
    return [a for a in assignments if a.kind == Kind.ON_CALL and not any(
        w.service == a.service and w.day == a.day and w.overlaps(a.start, a.end) for w in supervised)]


def _finish_edit(version: RotaVersion, change: str, action: str, details: dict) -> Edit:
    """Finish a hand edit: a clinician on call wherever supervised work now needs one, on-call shifts nothing needs
    taken off, the audit entry, and what the draft breaks."""
    db.session.flush()
    checked = review(version)
    on_call = [a for a in add_on_call(checked.problem, checked.rota).assignments
               if a not in set(checked.rota.assignments)]
    version.shifts.extend(problems.shifts_of(Rota(tuple(on_call)), checked.problem))
    unneeded = set(_unneeded_on_call(checked))
    if unneeded:
        shifts = list(version.shifts)
        for shift, key in zip(shifts, problems.assignments_of(shifts, checked.problem), strict=True):
            if key is not None and key in unneeded:
                version.shifts.remove(shift)
    audit.record(action, target=version_target(version),
                 details={**details, "on_call_added": len(on_call), "on_call_removed": len(unneeded)})
    db.session.commit()
    staff = checked.problem.staff
    return Edit(change, sorted({staff[a.staff].name for a in on_call}), sorted({staff[a.staff].name for a in unneeded}),
                review(version).blocking)


def _names(*staff_ids: int) -> dict[int, str]:
    return {person.id: person.name for person in db.session.scalars(
        sa.select(StaffMember).where(StaffMember.id.in_(staff_ids)))}


def add_shift(version: RotaVersion, *, staff_id: int, service_id: int, day: date, start: int, end: int,
              kind: str) -> Edit:
    """Add a shift to a draft, with a clinician on call where supervised work needs one (as the engine does);
    the shift is kept even when it breaks a rule, for the manager to see and fix."""
    _editable(version)
    _check_shift(version, service_id=service_id, day=day, start=start, end=end)
    shift = Shift(staff_id=staff_id, service_id=service_id, kind=kind, day=day, start_minute=start, end_minute=end)
    version.shifts.append(shift)
    return _finish_edit(version, f"Added: {describe_shift(shift, _names(staff_id))}", "rota.shift_added",
                        {"staff": staff_id, "service": service_id, "day": day.isoformat(), "start": start,
                         "end": end, "kind": kind})


def shift_of(version: RotaVersion, *, shift_id: int) -> Shift:
    """A shift of this version, or NotFound."""
    return child_or_404(Shift, shift_id, version_id=version.id,
                        missing="There is no shift at this address in this rota.")


def move_shift(version: RotaVersion, *, shift_id: int, staff_id: int, service_id: int, day: date, start: int,
               end: int, kind: str) -> Edit:
    """Move a draft's shift to another time, day or person (checked at once, like an added one)."""
    _editable(version)
    shift = shift_of(version, shift_id=shift_id)
    _check_shift(version, service_id=service_id, day=day, start=start, end=end)
    names = _names(shift.staff_id, staff_id)
    was = describe_shift(shift, names)
    before = {"staff": shift.staff_id, "service": shift.service_id, "day": shift.day.isoformat(),
              "start": shift.start_minute, "end": shift.end_minute, "kind": shift.kind}
    shift.staff_id, shift.service_id, shift.day, shift.start_minute, shift.end_minute, shift.kind = (
        staff_id, service_id, day, start, end, kind)
    return _finish_edit(version, f"Moved: {was} is now {describe_shift(shift, names)}", "rota.shift_moved",
                        {"from": before, "to": {"staff": staff_id, "service": service_id, "day": day.isoformat(),
                                                "start": start, "end": end, "kind": kind}})


def remove_shift(version: RotaVersion, *, shift_id: int) -> Edit:
    """Take a shift out of a draft (and an on-call shift that then supervises nothing)."""
    _editable(version)
    shift = shift_of(version, shift_id=shift_id)
    removed = describe_shift(shift, _names(shift.staff_id))
    version.shifts.remove(shift)
    return _finish_edit(version, f"Removed: {removed}", "rota.shift_removed",
                        {"staff": shift.staff_id, "service": shift.service_id, "day": shift.day.isoformat(),
                         "start": shift.start_minute, "end": shift.end_minute, "kind": shift.kind})


def override(version: RotaVersion, actor, *, message: str, reason: str) -> None:
    """Accept one broken contract limit of a draft, with the reason on record; never leave, training,
    availability or supervision."""
    _editable(version)
    reason = reason.strip()
    violation = next((v for v in review(version).violations if v.message == message), None)
    if violation is None:
        raise UserError("That rule is no longer broken in this draft; the page shows what is.")
    if not violation.soft:
        raise UserError("Only contract limits (hours, days, rest, weekends) can be accepted with a reason; "
                        "training, availability, leave and supervision must be fixed.")
    if len(reason) < MIN_REASON:
        raise UserError(f"Give the reason in at least {MIN_REASON} characters; it stays on record.")
    if any(o.message == message for o in version.overrides):
        raise UserError("That broken rule is already accepted.")
    version.overrides.append(RuleOverride(rule=violation.rule, message=message, reason=reason,
                                          overridden_by_id=actor.id))
    audit.record("rota.rule_overridden", target=version_target(version),
                 details={"rule": violation.rule, "message": message, "reason": reason})
    db.session.commit()


def editors(version: RotaVersion) -> set[int]:
    """Everyone who made or changed a version (by staff id)."""
    return {version.created_by_id} | audit.actor_ids(target=version_target(version), actions=EDIT_ACTIONS)


def import_solution(actor, *, services: list[Service], start: date, weeks: int, data: object) -> RotaVersion:
    """A draft from a modrota-solution/1 file (e.g. made by hand or by another tool); its rules are checked
    on the draft page like any other draft."""
    if not services:
        raise UserError("Choose the services the file is a rota for.")
    problem = problems.build_problem(services, start, weeks * 7)
    try:
        rota = rota_from_dict(data, problem)
    except ScenarioError as error:
        raise UserError(f"The file is not a rota this console can read: {error}") from error
    staff_ids = {int(person_id) for person_id in problem.staff}
    for i, a in enumerate(rota.assignments):
        if a.service not in problem.services:
            raise UserError(f"Assignment {i + 1} is for {a.service!r}, which is not one of the chosen services.")
        if not (a.staff.isdigit() and int(a.staff) in staff_ids):
            raise UserError(f"Assignment {i + 1} names staff {a.staff!r}, who is not rostered for these services.")
        if not 0 <= a.day < problem.days:
            raise UserError(f"Assignment {i + 1} is outside the period from {start:%d %b %Y}.")
    version = RotaVersion(start_date=start, days=weeks * 7, created_by_id=actor.id, services=services,
                          score=score(problem, rota).as_dict(), shifts=problems.shifts_of(rota, problem))
    db.session.add(version)
    db.session.flush()
    audit.record("rota.imported", target=version_target(version), details={"shifts": len(version.shifts)})
    db.session.commit()
    return version
