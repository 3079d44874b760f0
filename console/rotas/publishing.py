"""Approval and publishing: a second person approves a draft, an approved version is published and the people whose
shifts changed are emailed, and a draft or approved version can be thrown away instead; one day of one service's rota
is published at once when an open shift is taken, a swap applied or leave approved."""



from console.accounts.models import StaffMember
from console.audit import service as audit
from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.notifications import service as outbox
from console.rotas import calendar
from console.rotas import problem as problems
from console.rotas.editing import MIN_REASON, editors
from console.rotas.models import RotaVersion, VersionStatus
from console.rotas.versions import Review, review, uncovered_minutes, version_target
from console.services.models import Service
from console.words import counted, hours
from rota.domain import Problem, Rota
from rota.solver import add_on_call
from rota.validate import Violation, validate


def _reason_for_gaps(short: int, reason: str, doing: str) -> str | None:
    """The reason to go on with a rota that leaves `short` minutes of its standard uncovered (None when it covers
    it all); UserError when it does not and no reason is given."""
    if not short:
        return None
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise UserError(f"This rota leaves {hours(short)} of the standard uncovered (the windows are listed on "
                        f"the page). To {doing} it as it is, give the reason in at least {MIN_REASON} characters; "
                        "it stays on record.")
    return reason


def approve(version: RotaVersion, actor, *, reason: str = "") -> None:
    """A second manager or an owner approves a draft; nobody who made or changed it can. A draft that leaves part
    of its standard uncovered is approved only with a reason, kept with it."""
    if version.status != VersionStatus.DRAFT.value:
        raise UserError(f"Only a draft can be approved; this rota is {version.status}.")
    if actor.id in editors(version):
        raise UserError("A rota is approved by someone who has not made or changed it: ask another team manager "
                        "or an owner.")
    checked = review(version)
    if checked.blocking:
        raise UserError(f"This draft breaks {counted(len(checked.blocking), 'rule')} (listed on the page); fix "
                        f"{'it' if len(checked.blocking) == 1 else 'them'}, or "
                        "accept a broken contract limit with a reason, first.")
    short = uncovered_minutes(checked)
    version.approved_with_gaps = _reason_for_gaps(short, reason, "approve")
    version.status, version.approved_by_id, version.approved_at = VersionStatus.APPROVED.value, actor.id, utcnow()
    audit.record("rota.approved", target=version_target(version),
                 details={"uncovered_minutes": short, "reason": version.approved_with_gaps})
    db.session.commit()


def publish(version: RotaVersion, actor, *, reason: str = "") -> None:
    """Publish an approved version (it is immutable from now on) and tell the people whose shifts changed; one
    that leaves part of its standard uncovered is published only with a reason of the publisher's. The emails go
    through the outbox, in the same transaction, so a mail server that is down delays them and loses none."""
    if version.status != VersionStatus.APPROVED.value:
        raise UserError("A rota is approved by a second person before it is published.")
    checked = review(version)
    if checked.blocking:
        raise UserError(f"This rota breaks {counted(len(checked.blocking), 'rule')}; it cannot be published.")
    version.published_with_gaps = _reason_for_gaps(uncovered_minutes(checked), reason, "publish")
    changed_people = sorted(set(checked.added) | set(checked.removed))
    version.status, version.published_by_id, version.published_at = (VersionStatus.PUBLISHED.value, actor.id,
                                                                      utcnow())
    db.session.flush()
    calendar.sync_events(staff_ids=[int(s) for s in changed_people], start=version.start_date,
                         last=version.last_date)
    audit.record("rota.published", target=version_target(version),
                 details={"shifts": len(version.shifts), "people_changed": len(changed_people)})
    _tell_changed(version, changed_people, checked)
    db.session.commit()


def _tell_changed(version: RotaVersion, staff_ids: list[str], checked: Review) -> None:
    names = ", ".join(s.name for s in version.services)
    for staff_id in staff_ids:
        member = db.session.get(StaffMember, int(staff_id))
        if member is None or not member.active:
            continue
        outbox.queue_letter(member, subject="Your moderation shifts have changed", text=(
            f"The rota for {names} from {version.start_date:%a %d %b %Y} has been published, and your shifts "
            f"changed: {checked.added[staff_id]} added, {checked.removed[staff_id]} removed.\n\nSign in to the "
            "moderation console and open My shifts to see them; calendars subscribed to your feed update by "
            "themselves."))


def new_violations(problem: Problem, before: Rota, after: Rota) -> list[str]:
    """Rules the second rota breaks that the first did not, in words (a change is judged by what it adds)."""
    return [v.message for v in broken_by(problem, after, already=broken_in(problem, before))]


def broken_in(problem: Problem, rota: Rota) -> frozenset[str]:
    """The rules a rota breaks, as broken_by wants them: worked out once where many changes to one rota are judged."""
    return frozenset(str(v) for v in validate(problem, rota))


def broken_by(problem: Problem, after: Rota, *, already: frozenset[str]) -> list[Violation]:
    """The rules a changed rota breaks that the rota it was changed from did not (`already`, from broken_in)."""
    return [v for v in validate(problem, after) if str(v) not in already]


def publish_day(problem: Problem, rota: Rota, *, service: Service, day: int, actor, note: str,
                also_tell: tuple[int, ...] = ()) -> RotaVersion:
    """Publish one day of one service's rota at once (an open shift taken, a swap): the rota's shifts for that
    service and day, with a clinician on call wherever supervised work needs one. Calendars of everyone on that
    day, and of `also_tell` (people taken off), follow. The caller commits."""
    that_day = Rota(tuple(a for a in add_on_call(problem, rota).assignments if a.service == service.slug
                          and a.day == day))
    version = RotaVersion(status=VersionStatus.PUBLISHED.value, start_date=problem.date_of(day), days=1,
                          created_by_id=actor.id, published_by_id=actor.id, published_at=utcnow(), services=[service],
                          note=note, shifts=problems.shifts_of(that_day, problem))
    db.session.add(version)
    db.session.flush()
    # Syncing everyone on that day is safe: only events that really changed get a new SEQUENCE.
    calendar.sync_events(staff_ids=sorted({int(a.staff) for a in that_day.assignments} | set(also_tell)),
                         start=version.start_date, last=version.start_date)
    return version


def discard(version: RotaVersion) -> None:
    """Throw away a draft or an approved version that was not published."""
    if version.status not in (VersionStatus.DRAFT.value, VersionStatus.APPROVED.value):
        raise UserError("A published rota stays on record; publish a new version to change it.")
    version.status = VersionStatus.DISCARDED.value
    audit.record("rota.discarded", target=version_target(version))
    db.session.commit()
