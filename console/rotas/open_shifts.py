"""Open shifts: windows a published rota leaves uncovered, offered to each person who could cover them: a
presence shift where nobody is on duty, a moderation check where checks are missing or too far apart.

A person sees only what they could take without breaking a rule: trained for the service, a role the window
asks for, available, and the engine's validator finding nothing new broken with the shift added. Taking one
checks all of that again, then publishes a one-day version of that service's rota with the shift added (and a
clinician on call where the person needs supervision); a unique claim row per gap makes the first valid claim
the only one. The service's team managers are emailed.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.exc import IntegrityError

from console.accounts.models import StaffMember
from console.accounts.teams import team_managers_of
from console.audit import service as audit
from console.errors import UserError
from console.extensions import db
from console.notifications import service as outbox
from console.rotas import problem as problems
from console.rotas import publishing
from console.rotas.models import OpenShiftClaim
from console.services.models import Service
from console.words import counted, period
from rota.domain import Assignment, Kind, Problem, Rota
from rota.explain import roles_in_words
from rota.score import uncovered_gaps
from rota.solver import add_on_call

WEEKS_AHEAD = 6


@dataclass(frozen=True)
class OpenShift:
    """A shift a person can take: the part of an uncovered window that fits their availability."""

    service: Service
    day: date
    gap_start: int
    start: int
    end: int
    based_on: int  # the published version in force that day
    need: str
    kind: str = Kind.PRESENCE.value

    @property
    def when(self) -> str:
        """The shift as people read it."""
        return period(self.start, self.end, self.day)


def _problem(person: StaffMember, today: date) -> Problem:
    monday = today - timedelta(days=today.weekday())
    return problems.build_problem([s for s in person.services if s.active], monday, WEEKS_AHEAD * 7)


def _fit(problem: Problem, staff_id: str, day: int, start: int, end: int) -> tuple[int, int] | None:
    """The longest part of [start, end) the person is available for, as one presence shift the rules allow."""
    rules = problem.rules
    windows = problem.windows(problem.staff[staff_id], day)
    pieces = [(max(start, w.start), min(end, w.end)) for w in windows]
    pieces = [(s, min(e, s + rules.presence_max_minutes)) for s, e in pieces if e - s >= rules.presence_min_minutes]
    return max(pieces, key=lambda piece: piece[1] - piece[0], default=None)


def _check_slot(problem: Problem, rota: Rota, staff_id: str, gap) -> tuple[int, int] | None:
    """A check the person is available for, as near as can be to the middle of the longest stretch without one."""
    checks, step = problem.services[gap.service].checks, problem.rules.granularity
    done = sorted(a.start for a in rota.assignments if a.kind == Kind.CHECK and a.service == gap.service
                  and a.day == gap.day)
    points = [checks.window_start, *done, checks.window_end]
    earlier, later = max(zip(points, points[1:], strict=False), key=lambda pair: pair[1] - pair[0])
    middle = (earlier + later - checks.minutes) // 2
    windows = problem.windows(problem.staff[staff_id], gap.day)
    starts = [t for t in range(checks.window_start, checks.window_end - checks.minutes + 1, step)
              if any(w.start <= t and t + checks.minutes <= w.end for w in windows)]
    best = min(starts, key=lambda t: abs(t - middle), default=None)
    return None if best is None else (best, best + checks.minutes)


def _need(gap) -> str:
    if gap.kind == "presence":
        return f"needs {gap.missing} {roles_in_words(gap.roles)} on duty"
    if gap.kind == "missing checks":
        return f"{counted(gap.missing, 'moderation check')} missing that day"
    return "too long between moderation checks"


def offers(person: StaffMember, *, today: date) -> list[OpenShift]:
    """Open shifts from tomorrow to six weeks ahead that this person could take now."""
    return _find(person, today)[2]


def _find(person: StaffMember, today: date) -> tuple[Problem | None, Rota | None, list[OpenShift]]:
    """The person's six weeks as a problem, the rota published for it, and the open shifts they could take."""
    if problems.engine_role(person) is None or not person.services:
        return None, None, []
    problem = _problem(person, today)
    me = str(person.id)
    if me not in problem.staff:
        return None, None, []
    by_slug = {service.slug: service for service in person.services}
    in_force = problems.versions_in_force(start=problem.start, last=problem.date_of(problem.days - 1))
    rota = problems.published_rota(problem)
    found = []
    for gap in uncovered_gaps(problem, rota):
        day, service = problem.date_of(gap.day), by_slug[gap.service]
        based_on = in_force.get((service.id, day))
        if day <= today or based_on is None or problem.staff[me].role not in gap.roles:
            continue
        kind = Kind.PRESENCE if gap.kind == "presence" else Kind.CHECK
        part = _fit(problem, me, gap.day, gap.start, gap.end) if kind == Kind.PRESENCE else \
            _check_slot(problem, rota, me, gap)
        if part is None:
            continue
        shift = Assignment(gap.day, part[0], part[1], me, gap.service, kind)
        if publishing.new_violations(problem, rota, add_on_call(problem, Rota(rota.assignments + (shift,)))):
            continue
        if any((o.service, o.day, o.start, o.kind) == (service, day, part[0], kind.value) for o in found):
            continue  # a missing check and a long gap can both lead to the same check
        found.append(OpenShift(service, day, gap.start, part[0], part[1], based_on, _need(gap), kind.value))
    return problem, rota, found


def claim(person: StaffMember, *, service_id: int, day: date, gap_start: int, kind: str, today: date) -> OpenShift:
    """Take an open shift: checked again now, published at once, the managers told. UserError if it is gone."""
    problem, rota, found = _find(person, today)
    offer = next((o for o in found
                  if (o.service.id, o.day, o.gap_start, o.kind) == (service_id, day, gap_start, kind)), None)
    if offer is None:
        raise UserError("That shift is no longer open to you: someone may have taken it, or the rota or your "
                        "availability changed. The open shifts below are up to date.")
    day_number = (day - problem.start).days
    shift = Assignment(day_number, offer.start, offer.end, str(person.id), offer.service.slug, Kind(offer.kind))
    try:
        version = publishing.publish_day(problem, Rota(rota.assignments + (shift,)), service=offer.service,
                                         day=day_number, actor=person, note=f"Open shift taken by {person.name}")
        db.session.add(OpenShiftClaim(service_id=service_id, day=day, gap_start=gap_start, staff_id=person.id,
                                      based_on_version_id=offer.based_on, version_id=version.id))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise UserError("Someone else took that shift a moment ago. The open shifts below are up to date.") from None
    audit.record("rota.open_shift_taken", target=f"rota_version:{version.id}",
                 details={"service": service_id, "day": day.isoformat(), "start": offer.start, "end": offer.end})
    for manager in team_managers_of(offer.service):
        outbox.queue_letter(manager, subject=f"Open shift taken: {offer.service.name}, {offer.when}",
                            text=f"{person.name} has taken the open shift {offer.when} for {offer.service.name}. "
                                 "It is published and in their calendar.")
    db.session.commit()
    return offer
