"""Turning database rows into the rota engine's Problem and Rota, and rotas back into shifts.

In the Problem, a service's id is its slug and a person's id is their staff number as text, so an
exported scenario reads naturally and maps back without a lookup table.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.extensions import db
from console.permissions import Role
from console.rotas.models import CoverageStandard, RotaVersion, Shift, VersionStatus
from console.services.models import Service
from console.staffing.models import (AvailabilityWindow, Contract, LeaveRequest, LeaveStatus, StaffPreference,
                                     StaffWish, Unavailability)
from rota import domain
from rota.domain import EVENING_START, WEEKEND, Assignment, History, Kind, Problem, Rota, Window
from rota.scenario import service_from_dict
from rota.score import preferences_met
from rota.standards import service_for_tier

# Which engine role a console role rosters as, in the order a person holding several is rostered.
ENGINE_ROLES = {
    Role.CLINICAL_MODERATOR: "clinical",
    Role.NON_CLINICAL_MODERATOR: "non_clinical",
    Role.PEER_MODERATOR: "peer",
    Role.DIGITAL_CHAMPION: "champion",
    Role.VOLUNTEER: "volunteer",
}
ROLE_NAMES = {"clinical": "clinical moderator", "non_clinical": "non-clinical moderator",
              "peer": "peer moderator", "champion": "digital champion", "volunteer": "volunteer"}
FAIRNESS_WEEKS = 12  # duty already worked in this many weeks before a period counts towards fairness


def engine_role(staff: StaffMember) -> str | None:
    """The role a person is rostered as, or None for people who do not moderate."""
    return next((name for role, name in ENGINE_ROLES.items() if role in staff.roles), None)


def standard_of(service: Service) -> domain.Service:
    """A service's coverage standard: the one its managers set, else its risk tier's default."""
    row = db.session.get(CoverageStandard, service.id)
    if row is None:
        return service_for_tier(service.slug, service.name, service.risk_tier)
    return service_from_dict({**row.document, "id": service.slug, "name": service.name, "tier": service.risk_tier})


def rostered_staff(services: Iterable[Service]) -> list[StaffMember]:
    """Active people who moderate and are trained for any of the services, by name."""
    wanted = {service.id for service in services}
    people = db.session.scalars(sa.select(StaffMember).where(StaffMember.active).order_by(StaffMember.name))
    return [person for person in people
            if engine_role(person) and any(service.id in wanted for service in person.services)]


def _by_staff(model, staff_ids: list[int], *conditions) -> dict[int, list]:
    rows = defaultdict(list)
    for row in db.session.scalars(sa.select(model).where(model.staff_id.in_(staff_ids), *conditions)):
        rows[row.staff_id].append(row)
    return rows


def _contract(row: Contract | None, role: str, most_days_week: int | None = None) -> domain.Contract:
    """The engine's limits for a person: their contract's, and their own limit on days a week where lower."""
    if row is None:
        # Nobody is rostered against limits they never agreed: volunteers offer nothing until they say so.
        terms = domain.Contract(max_hours_week=0.0) if role == "volunteer" else domain.Contract()
    else:
        terms = domain.Contract(min_hours_week=row.min_hours_week, max_hours_week=row.max_hours_week,
                                max_days_week=row.max_days_week, max_consecutive_days=row.max_consecutive_days,
                                min_rest_hours=row.min_rest_hours, max_weekends=row.max_weekends)
    if most_days_week is not None and most_days_week < terms.max_days_week:
        terms = replace(terms, max_days_week=most_days_week)
    return terms


def _leave_days(requests: list[LeaveRequest], first: date, last: date) -> frozenset[date]:
    days = set()
    for leave in requests:
        day = max(leave.first_day, first)
        while day <= min(leave.last_day, last):
            days.add(day)
            day += timedelta(days=1)
    return frozenset(days)


def work_elsewhere(services: list[Service], start: date, last: date,
                   staff_ids: list[int]) -> dict[int, list[domain.Commitment]]:
    """Each person's work in the period for services outside these ones: the shifts of an approved version
    waiting to be published where there is one, else the published ones (on call is no work)."""
    inside = {service.id for service in services}
    approved: dict[tuple[int, date], RotaVersion] = {}
    for version in db.session.scalars(sa.select(RotaVersion).where(
            RotaVersion.status == VersionStatus.APPROVED.value, RotaVersion.start_date <= last)
            .order_by(RotaVersion.approved_at, RotaVersion.id)):
        for service in version.services:
            day = max(version.start_date, start)
            while day <= min(version.last_date, last):
                if service.id not in inside:
                    approved[(service.id, day)] = version
                day += timedelta(days=1)
    shifts = [shift for shift in published_shifts(start=start, last=last, staff_ids=staff_ids, rows_only=True)
              if shift.service_id not in inside and (shift.service_id, shift.day) not in approved]
    wanted = set(staff_ids)
    for version in {version.id: version for version in approved.values()}.values():
        shifts += [shift for shift in version.shifts if shift.staff_id in wanted and shift.service_id not in inside
                   and approved.get((shift.service_id, shift.day)) is version]
    names = {service.id: service.name for service in db.session.scalars(sa.select(Service))}
    work = defaultdict(list)
    for shift in shifts:
        if shift.kind != Kind.ON_CALL.value and start <= shift.day <= last:
            work[shift.staff_id].append(domain.Commitment((shift.day - start).days, shift.start_minute,
                                                          shift.end_minute, names[shift.service_id]))
    return work


def build_problem(services: list[Service], start: date, days: int, *, name: str = "") -> Problem:
    """The engine's problem for these services over [start, start + days).

    Work people already have for other services in the period (published, or approved and waiting to be
    published) is fixed: the rota is planned around it and checked with it, against every contract limit, so
    rotas made in separate runs never overbook anyone between them. Published duty in the 12 weeks before
    counts towards fairness.
    """
    last = start + timedelta(days=days - 1)
    slugs = {service.id: service.slug for service in services}
    people = rostered_staff(services)
    ids = [person.id for person in people]
    contracts = {row.staff_id: row for row in db.session.scalars(sa.select(Contract).where(Contract.staff_id.in_(ids)))}
    windows = _by_staff(AvailabilityWindow, ids)
    leave = _by_staff(LeaveRequest, ids, LeaveRequest.status == LeaveStatus.APPROVED.value,
                      LeaveRequest.first_day <= last, LeaveRequest.last_day >= start)
    off = _by_staff(Unavailability, ids, Unavailability.day.between(start, last))
    preferences = _by_staff(StaffPreference, ids)
    wishes = {row.staff_id: row.most_days_week for row in db.session.scalars(
        sa.select(StaffWish).where(StaffWish.staff_id.in_(ids), StaffWish.most_days_week.is_not(None)))}
    elsewhere = work_elsewhere(services, start, last, ids)
    all_slugs = service_slugs()
    staff = {}
    for person in people:
        role = engine_role(person)
        staff[str(person.id)] = domain.Staff(
            id=str(person.id), name=person.name, role=role,
            services=frozenset(slugs[s.id] for s in person.services if s.id in slugs),
            availability=tuple(Window(frozenset({w.weekday}), w.start_minute, w.end_minute)
                               for w in sorted(windows[person.id], key=lambda w: (w.weekday, w.start_minute))),
            leave=_leave_days(leave[person.id], start, last),
            contract=_contract(contracts.get(person.id), role, wishes.get(person.id)),
            preferences=tuple(domain.Preference(p.kind, Window(frozenset(int(d) for d in p.weekdays.split(",")),
                                                               p.start_minute, p.end_minute),
                                                p.weight, all_slugs.get(p.service_id))
                              for p in preferences[person.id]
                              if p.service_id is None or p.service_id in slugs),
            unavailable=tuple(domain.Unavailable(u.day, u.start_minute, u.end_minute) for u in off[person.id]),
            committed=tuple(sorted(elsewhere[person.id], key=lambda c: (c.day, c.start))),
        )
    before = shifts_before(start, ids)  # the weeks before count for fairness and for preferences met
    for staff_id in leaning(preferences_met_before(staff, start, all_slugs, before)):
        person = staff[staff_id]
        staff[staff_id] = replace(person, preferences=tuple(replace(p, weight=p.weight * LEANING)
                                                            for p in person.preferences))
    return Problem(name=name, start=start, days=days, staff=staff,
                   services={service.slug: standard_of(service) for service in services},
                   history=_history(people, contracts, before))


def service_slugs() -> dict[int, str]:
    """Every service's short name by id."""
    return {service.id: service.slug for service in db.session.scalars(sa.select(Service))}


# Preferences met least over the weeks before a period weigh this many times as much in its rota.
LEANING = 2
LEANING_BELOW = 0.2  # ... when their share met is this far below the middle person's
LEANING_EVIDENCE = 4  # ... and at least this many of their preference-days counted


def shifts_before(start: date, staff_ids: list[int]) -> list:
    """The people's published shifts (plain rows) in the FAIRNESS_WEEKS before `start`."""
    return published_shifts(start=start - timedelta(weeks=FAIRNESS_WEEKS), last=start - timedelta(days=1),
                            staff_ids=staff_ids, rows_only=True)


def preferences_met_before(staff: dict[str, domain.Staff], start: date, slugs: dict[int, str],
                           shifts: list | None = None) -> dict[str, tuple[int, int]]:
    """How many of each person's preference-days (their preferences as they are now) the published rotas met in the
    FAIRNESS_WEEKS before `start`, of how many counted (rota.score.preferences_met); `shifts`: those rotas' shifts
    (shifts_before), when already read."""
    wanting = {pid: person for pid, person in staff.items() if person.preferences}
    if not wanting:
        return {}
    if shifts is None:
        shifts = shifts_before(start, [int(pid) for pid in wanting])
    first = start - timedelta(weeks=FAIRNESS_WEEKS)
    before = Problem(name="before", start=first, days=FAIRNESS_WEEKS * 7, services={}, staff=wanting)
    worked = Rota(tuple(Assignment((s.day - first).days, s.start_minute, s.end_minute, str(s.staff_id),
                                   slugs.get(s.service_id, ""), Kind(s.kind)) for s in shifts
                        if str(s.staff_id) in wanting))
    return preferences_met(before, worked)


def leaning(tally: dict[str, tuple[int, int]]) -> list[str]:
    """Whose preferences the next rota leans towards: those met least over the weeks before, well below the middle
    person's share and with enough days counted to say so."""
    shares = {pid: met / counted for pid, (met, counted) in tally.items() if counted >= LEANING_EVIDENCE}
    if len(shares) < 2:
        return []
    middle = sorted(shares.values())[len(shares) // 2]
    return sorted(pid for pid, share in shares.items() if share <= middle - LEANING_BELOW)


def _history(people: list[StaffMember], contracts: dict[int, Contract], before: list) -> dict[str, History]:
    """Weekend days, evenings and hours beyond contract each person worked in the published rotas before the period
    (`before`: their shifts, shifts_before)."""
    worked = defaultdict(list)
    for shift in before:
        if shift.kind != Kind.ON_CALL.value:
            worked[shift.staff_id].append(shift)
    history = {}
    for person in people:
        shifts = worked[person.id]
        if not shifts:
            continue
        minutes = sum(s.end_minute - s.start_minute for s in shifts)
        contract_minutes = round((contracts[person.id].min_hours_week if person.id in contracts else 0) * 60)
        history[str(person.id)] = History(
            weekend_days=len({s.day for s in shifts if s.day.weekday() in WEEKEND}),
            evenings=len({s.day for s in shifts if s.end_minute > EVENING_START}),
            minutes_over_contract=minutes - contract_minutes * FAIRNESS_WEEKS)
    return history


def versions_in_force(*, start: date, last: date) -> dict[tuple[int, date], int]:
    """(service id, date) -> the id of the published version in force that day: the newest that covers it."""
    versions = db.session.scalars(
        sa.select(RotaVersion).where(RotaVersion.status == VersionStatus.PUBLISHED.value,
                                     RotaVersion.start_date <= last)
        .order_by(RotaVersion.published_at, RotaVersion.id))
    in_force: dict[tuple[int, date], int] = {}
    for version in versions:
        if version.last_date < start:
            continue
        for service in version.services:
            day = max(version.start_date, start)
            while day <= min(version.last_date, last):
                in_force[(service.id, day)] = version.id
                day += timedelta(days=1)
    return in_force


def published_shifts(*, start: date, last: date, service_ids: Iterable[int] | None = None,
                     staff_ids: Iterable[int] | None = None, rows_only: bool = False) -> list:
    """The shifts in force from start to last: for each service and date, the newest published version's.

    With rows_only, plain rows of the shift's columns (no service or person loaded): several times quicker
    where only times and ids are needed, as when a problem is built.
    """
    in_force = versions_in_force(start=start, last=last)
    if not in_force:
        return []
    columns = (Shift.__table__.c.staff_id, Shift.__table__.c.service_id, Shift.__table__.c.version_id,
               Shift.__table__.c.kind, Shift.__table__.c.day, Shift.__table__.c.start_minute,
               Shift.__table__.c.end_minute)
    query = sa.select(*columns) if rows_only else sa.select(Shift)
    query = query.where(Shift.version_id.in_(set(in_force.values())), Shift.day.between(start, last))
    if service_ids is not None:
        query = query.where(Shift.service_id.in_(list(service_ids)))
    if staff_ids is not None:
        query = query.where(Shift.staff_id.in_(list(staff_ids)))
    query = query.order_by(Shift.day, Shift.start_minute)
    found = db.session.execute(query).all() if rows_only else db.session.scalars(query)
    return [shift for shift in found if in_force.get((shift.service_id, shift.day)) == shift.version_id]


def published_rota(problem: Problem) -> Rota:
    """The rota in force for the problem's services over its period."""
    services = _services_by_slug(problem).values()
    return rota_of(published_shifts(start=problem.start, last=problem.date_of(problem.days - 1),
                                    service_ids=[service.id for service in services], rows_only=True), problem)


def rota_of(shifts: Iterable[Shift], problem: Problem) -> Rota:
    """The engine's rota of some shifts (those outside the problem's services or period are left out)."""
    return Rota(tuple(sorted(a for a in assignments_of(shifts, problem) if a is not None)))


def assignments_of(shifts: Iterable[Shift], problem: Problem) -> list[Assignment | None]:
    """The engine's assignment for each shift, in order (None outside the problem's services or period), the
    services looked up once."""
    slugs = {service.id: slug for slug, service in _services_by_slug(problem).items()}
    found = []
    for shift in shifts:
        day = (shift.day - problem.start).days
        found.append(Assignment(day, shift.start_minute, shift.end_minute, str(shift.staff_id),
                                slugs[shift.service_id], Kind(shift.kind))
                     if shift.service_id in slugs and 0 <= day < problem.days else None)
    return found


def shifts_of(rota: Rota, problem: Problem) -> list[Shift]:
    """New shift rows for a rota (not yet added to a version)."""
    services = _services_by_slug(problem)
    return [Shift(staff_id=int(a.staff), service_id=services[a.service].id, kind=a.kind.value,
                  day=problem.date_of(a.day), start_minute=a.start, end_minute=a.end)
            for a in sorted(rota.assignments)]


def _services_by_slug(problem: Problem) -> dict[str, Service]:
    return {service.slug: service
            for service in db.session.scalars(sa.select(Service).where(Service.slug.in_(list(problem.services))))}
