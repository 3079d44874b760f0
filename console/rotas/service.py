"""Rota versions: see a draft against the rules, edit it, approve it, publish it, and what is in force."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property
from datetime import date, timedelta

import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.accounts.teams import services_managed_by
from console.audit import service as audit
from console.database import utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.notifications import service as outbox
from console.words import days_span, duration
from console.rotas import calendar
from console.rotas import problem as problems
from console.rotas.models import RotaVersion, RuleOverride, Shift, VersionStatus
from console.services.models import Service
from rota.domain import Assignment, Kind, Problem, Rota
from rota.explain import describe_gap
from rota.scenario import ScenarioError, format_time, rota_from_dict
from rota.score import Score, needed_minutes, score, uncovered_gaps
from rota.solver import add_on_call
from rota.standards import MIN_HORIZON_DAYS
from rota.validate import Violation, validate

AIM_WEEKS = 6  # NHS rostering practice: six weeks of published rota ahead; four is the minimum


def version_target(version: RotaVersion) -> str:
    """How a rota version is named in the audit log."""
    return f"rota_version:{version.id}"


def get_or_raise(viewer, *, version_id: int) -> RotaVersion:
    """A version of a rota the viewer manages, or NotFound."""
    version = db.session.get(RotaVersion, version_id)
    managed = {service.id for service in services_managed_by(viewer)}
    if version is None or not {service.id for service in version.services} <= managed:
        raise NotFound("There is no rota at this address that you manage.")
    return version


@dataclass(frozen=True)
class Review:
    """A version checked by the engine: its problem, rota, score, broken rules and the changes from what is in force."""

    problem: Problem
    rota: Rota
    score: Score
    violations: list[Violation]
    added: Counter  # staff id -> shifts added against the published rota
    removed: Counter
    overridden: dict[str, RuleOverride]  # broken soft rules a manager accepted, by the validator's message

    @cached_property
    def needed_minutes(self) -> int:
        """The fewest presence and check minutes a rota covering every standard of the version must have (worked
        out once: the draft page reads it three times)."""
        return needed_minutes(self.problem)

    @property
    def blocking(self) -> list[Violation]:
        """Broken rules that stop approval and publishing: all but the soft ones accepted with a reason."""
        return [v for v in self.violations if v.message not in self.overridden]


def review(version: RotaVersion) -> Review:
    """Check a version with the engine's validator and compare it with the published rota of its period."""
    problem = problems.build_problem(list(version.services), version.start_date, version.days)
    rota = problems.rota_of(version.shifts, problem)
    published = problems.published_rota(problem)
    added, removed = rota.changes_from(published) if version.status != VersionStatus.PUBLISHED.value else ([], [])
    return Review(problem, rota, score(problem, rota), validate(problem, rota),
                  Counter(a.staff for a in added), Counter(a.staff for a in removed),
                  {o.message: o for o in version.overrides})


@dataclass(frozen=True)
class Elsewhere:
    """The work people on a rota already have for other services in its period, which it was checked with."""

    services: list[str]
    shifts: int
    people: int


def work_elsewhere(problem: Problem) -> Elsewhere | None:
    """What of other services' rotas a version was planned around and checked with (None when nothing)."""
    committed = [(person.id, c) for person in problem.staff.values() for c in person.committed]
    if not committed:
        return None
    return Elsewhere(sorted({c.where for _, c in committed}), len(committed), len({p for p, _ in committed}))


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
        words.append(f"The draft now breaks {len(self.breaks)} rule(s): see below." if self.breaks else
                     "The draft keeps every rule.")
        return " ".join(words)


def describe_shift(shift: Shift, names: dict[int, str]) -> str:
    """A shift as a manager reads it: "Ella Robinson, Eating disorders, Mon 07 Dec 17:00-22:00 (on call)"."""
    kind = "" if shift.kind == Kind.PRESENCE.value else f" ({shift.kind.replace('_', ' ')})"
    service = next((s.name for s in shift.version.services if s.id == shift.service_id), "another service") \
        if shift.version else ""
    return (f"{names.get(shift.staff_id, 'someone')}, {service}, {shift.day:%a %d %b} "
            f"{format_time(shift.start_minute)}-{format_time(shift.end_minute)}{kind}")


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
    shift = next((s for s in version.shifts if s.id == shift_id), None)
    if shift is None:
        raise NotFound("That shift is not in this rota.")
    return shift


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


@dataclass(frozen=True)
class Bar:
    """A stretch of one service's day on the coverage timeline."""

    start: int
    end: int
    kind: str  # "covered", "uncovered" or "check"


@dataclass(frozen=True)
class DayCover:
    """One service's day: bars for the timeline, and the same in words."""

    bars: list[Bar]
    uncovered: list[str]  # what is missing, in words; empty when the standard is met
    checks: str = ""  # for a checks standard: "4 of 4 checks; longest gap 3 h 30 min"

    @property
    def summary(self) -> str:
        """The day in words, for everyone (the timeline is a picture of it)."""
        return "; ".join([*([self.checks] if self.checks else []), *self.uncovered]) or "Covered"


def _checks_in_words(checks, starts: list[int]) -> str:
    """How a day's checks stand against the standard: "3 of 4 checks; longest gap 5 h"."""
    points = [checks.window_start, *sorted(starts), checks.window_end]
    longest = max(later - earlier for earlier, later in zip(points, points[1:], strict=False))
    return f"{len(starts)} of {checks.per_day} checks; longest gap {duration(longest)}"


def _minus(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for hole_start, hole_end in holes:
        spans = [(s, e) for start, end in spans
                 for s, e in ((start, min(end, hole_start)), (max(start, hole_end), end)) if s < e]
    return spans


def coverage_by_service(checked: Review, gaps: list) -> dict[tuple[str, int], DayCover]:
    """(service id, day) -> the day's cover against the standard: covered and uncovered windows, checks done."""
    problem, result = checked.problem, {}
    by_day = defaultdict(list)
    for gap in gaps:
        by_day[(gap.service, gap.day)].append(gap)
    checks = defaultdict(list)
    for a in checked.rota.assignments:
        if a.kind == Kind.CHECK:
            checks[(a.service, a.day)].append(a)
    for slug, service in problem.services.items():
        for day in range(problem.days):
            weekday, missing = problem.date_of(day).weekday(), by_day[(slug, day)]
            needed = sorted({(seg.window.start, seg.window.end) for seg in service.segments_on(weekday)})
            uncovered = [(g.start, g.end) for g in missing if g.kind in ("presence", "check gap")]
            bars = [Bar(s, e, "covered") for s, e in _minus(needed, uncovered)]
            bars += [Bar(s, e, "uncovered") for s, e in uncovered]
            bars += [Bar(a.start, a.end, "check") for a in checks[(slug, day)]]
            words = [f"{format_time(g.start)}-{format_time(g.end)} "
                     + ("nobody on duty" if g.kind == "presence" else "too long without a check")
                     for g in missing if g.kind != "missing checks"]
            in_words = _checks_in_words(service.checks, [a.start for a in checks[(slug, day)]]) \
                if service.checks else ""
            result[(slug, day)] = DayCover(sorted(bars, key=lambda bar: bar.start), words, in_words)
    return result


MIN_REASON = 10


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


# Changes to a draft, as the audit log records them: whoever made one is not the second pair of eyes.
EDIT_ACTIONS = ("rota.shift_added", "rota.shift_moved", "rota.shift_removed", "rota.rule_overridden",
                "rota.imported")


def editors(version: RotaVersion) -> set[int]:
    """Everyone who made or changed a version (by staff id)."""
    return {version.created_by_id} | audit.actor_ids(target=version_target(version), actions=EDIT_ACTIONS)


def uncovered_minutes(checked: Review) -> int:
    """Minutes of the standard a version leaves uncovered."""
    return sum(gap.uncovered_minutes for gap in uncovered_gaps(checked.problem, checked.rota))


def _reason_for_gaps(short: int, reason: str, doing: str) -> str | None:
    """The reason to go on with a rota that leaves `short` minutes of its standard uncovered (None when it covers
    it all); UserError when it does not and no reason is given."""
    if not short:
        return None
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise UserError(f"This rota leaves {duration(short)} of the standard uncovered (the windows are listed on "
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
        raise UserError(f"This draft breaks {len(checked.blocking)} rule(s) (listed on the page); fix them, or "
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
        raise UserError(f"This rota breaks {len(checked.blocking)} rule(s); it cannot be published.")
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
    outbox.send_soon()


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
    already = {str(v) for v in validate(problem, before)}
    return [v.message for v in validate(problem, after) if str(v) not in already]


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


@dataclass(frozen=True)
class Cover:
    """A service's published cover from today: the days from today that have none, the continuous published
    rota after them, and what the next 4 weeks of it leave uncovered."""

    service: Service
    today: date
    not_published_until: date | None  # the last day from today with no published rota, before the cover starts
    covered_until: date | None  # the last day of the continuous published rota from today (or after that gap)
    uncovered_minutes: int | None  # None when the next 4 weeks are not all published
    draft: RotaVersion | None = None  # the draft behind the published window that reaches furthest
    open_windows: tuple[str, ...] = ()  # what the published rota leaves uncovered in the next 4 weeks, in words

    @property
    def days_ahead(self) -> int:
        """Days from today to the end of the continuous published rota (0 when nothing is published ahead)."""
        return (self.covered_until - self.today).days + 1 if self.covered_until else 0

    @property
    def weeks(self) -> int:
        """Whole weeks from today to the end of the continuous published rota."""
        return self.days_ahead // 7

    @property
    def warning(self) -> str | None:
        """What a manager must act on, in words."""
        if self.not_published_until == self.today:
            return "No rota is published for today: nobody is planned to cover it."
        if self.not_published_until is not None:
            return (f"No rota is published from today to {self.not_published_until:%a %d %b}: nobody is planned to "
                    "cover those days.")
        if self.weeks < MIN_HORIZON_DAYS // 7:
            return (f"The published rota reaches only {days_span(self.days_ahead)} ahead, to "
                    f"{self.covered_until:%a %d %b}; it must reach at least {MIN_HORIZON_DAYS // 7} weeks."
                    if self.covered_until else
                    f"No rota is published ahead; at least {MIN_HORIZON_DAYS // 7} weeks are needed.")
        if self.uncovered_minutes:
            return f"The published rota leaves {duration(self.uncovered_minutes)} of the standard uncovered in the " \
                   "next 4 weeks."
        return None


def latest_published(service: Service) -> RotaVersion | None:
    """The service's published rota that reaches furthest ahead."""
    return db.session.scalar(sa.select(RotaVersion).where(
        RotaVersion.status == VersionStatus.PUBLISHED.value, RotaVersion.services.any(Service.id == service.id))
        .order_by(RotaVersion.start_date.desc(), RotaVersion.id.desc()).limit(1))


def published_cover(services: list[Service], today: date) -> list[Cover]:
    """Each service's published rota from today: a gap before it (if today is not covered), how far it reaches
    without a break, and what the next 4 weeks leave uncovered."""
    horizon = today + timedelta(weeks=26)
    covered_days = defaultdict(set)
    for version in db.session.scalars(sa.select(RotaVersion).where(
            RotaVersion.status == VersionStatus.PUBLISHED.value, RotaVersion.start_date <= horizon)):
        for service in version.services:
            covered_days[service.id].update(version.start_date + timedelta(days=d) for d in range(version.days))
    result, waiting = [], drafts(services)
    for service in services:
        covered, day = covered_days[service.id], today
        while day not in covered and day <= horizon:
            day += timedelta(days=1)
        gap_until = day - timedelta(days=1) if day > today else None
        if day > horizon:  # nothing published ahead at all
            gap_until, first, last = None, None, None
        else:
            first = day
            while day in covered:
                day += timedelta(days=1)
            last = day - timedelta(days=1)
        uncovered, windows = None, ()
        four_weeks = today + timedelta(days=MIN_HORIZON_DAYS - 1)
        if first is not None and first <= four_weeks:  # what the published rota leaves open in the next 4 weeks
            monday = today - timedelta(days=today.weekday())
            problem = problems.build_problem([service], monday, MIN_HORIZON_DAYS + 7)
            since, until = (first - monday).days, (min(last, four_weeks) - monday).days
            gaps = [gap for gap in uncovered_gaps(problem, problems.published_rota(problem))
                    if since <= gap.day <= until]
            windows = tuple(describe_gap(problem, gap) for gap in gaps)
            if gap_until is None and last >= four_weeks:
                uncovered = sum(gap.uncovered_minutes for gap in gaps)
        behind = [v for v in waiting if service in v.services]
        result.append(Cover(service, today, gap_until, last, uncovered,
                            max(behind, key=lambda v: v.last_date, default=None), windows))
    return result


def drafts(services: list[Service]) -> list[RotaVersion]:
    """Drafts and approved versions waiting to be published for any of these services, newest first."""
    wanted = {service.id for service in services}
    versions = db.session.scalars(sa.select(RotaVersion).where(RotaVersion.status.in_(
        [VersionStatus.DRAFT.value, VersionStatus.APPROVED.value])).order_by(RotaVersion.id.desc()))
    return [version for version in versions if {s.id for s in version.services} & wanted]


def my_shifts(staff_id: int, *, start: date, days: int) -> list[Shift]:
    """A person's shifts in force over a period."""
    return problems.published_shifts(start=start, last=start + timedelta(days=days - 1), staff_ids=[staff_id])


@dataclass(frozen=True)
class ActivityRow:
    """One month's published work of a person for one service."""

    month: date  # the first of the month
    service: str
    duty_shifts: int
    duty_minutes: int
    checks: int
    on_call_minutes: int


ACTIVITY_MONTHS = 24


def activity(staff_id: int, *, today: date) -> list[ActivityRow]:
    """A person's published work by month and service, over the last two years up to today, oldest first."""
    first = (today.replace(day=1) - timedelta(days=ACTIVITY_MONTHS * 31)).replace(day=1)
    totals: dict[tuple[date, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for shift in problems.published_shifts(start=first, last=today, staff_ids=[staff_id]):
        row = totals[(shift.day.replace(day=1), shift.service.name)]
        minutes = shift.end_minute - shift.start_minute
        if shift.kind == "presence":
            row[0] += 1
            row[1] += minutes
        elif shift.kind == "check":
            row[2] += 1
        else:
            row[3] += minutes
    return [ActivityRow(month, service, *figures) for (month, service), figures in sorted(totals.items())]
