"""What the rota pages show, built here so their templates only print it: the draft page (a version's score,
cover, broken rules and changes, and one week of its grid by service and by person) and a person's own shifts."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from flask import url_for

from console.rotas import calendar, open_shifts, own_work, swaps
from console.rotas import problem as problems
from console.services import bank_holidays as bank_holiday_calendars
from console.rotas.cover import AIM_WEEKS
from console.rotas.editing import editors, kind_in_brackets
from console.rotas.models import RotaVersion, RuleOverride, Shift, SwapRequest, SwapStatus, VersionStatus
from console.rotas.versions import Review, review, uncovered_minutes, work_elsewhere
from console.words import counted, duration, hours, listed, period
from rota.domain import Kind
from rota.explain import describe_gap
from rota.score import preferences_met, uncovered_gaps
from rota.surplus import surplus

# --- The draft page -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A stretch of one service's day on the coverage timeline, drawn in minutes of the day: a check thinner and
    lower than cover, and nothing narrower than 10 minutes, so a 5-minute check still shows."""

    start: int
    end: int
    kind: str  # "covered", "uncovered" or "check"

    @property
    def y(self) -> int:
        """Where the bar starts down the timeline."""
        return 4 if self.kind == "check" else 0

    @property
    def width(self) -> int:
        """The bar's width in minutes, at least 10."""
        return max(self.end - self.start, 10)

    @property
    def height(self) -> int:
        """The bar's height."""
        return 8 if self.kind == "check" else 12


@dataclass(frozen=True)
class DayCover:
    """One service's day: bars for the timeline, and the same in words."""

    bars: list[Bar]
    uncovered: list[str]  # what is missing, in words; empty when the standard is met
    checks: str = ""  # for a checks standard: "4 of 4 checks; longest gap 3 h 30 min", "16 checks (4 needed); ..."

    @property
    def summary(self) -> str:
        """The day in words, for everyone (the timeline is a picture of it)."""
        return "; ".join([*([self.checks] if self.checks else []), *self.uncovered]) or "Covered"

    @property
    def state(self) -> str:
        """The day's colour: "short" when part of the standard is uncovered, else "ok"."""
        return "short" if self.uncovered else "ok"


def _checks_in_words(checks, starts: list[int]) -> str:
    """How a day's checks stand against the standard: "3 of 4 checks; longest gap 5 h", or beyond it "16 checks
    (4 needed); longest gap 1 h"."""
    points = [checks.window_start, *sorted(starts), checks.window_end]
    longest = max(later - earlier for earlier, later in zip(points, points[1:], strict=False))
    done = f"{counted(len(starts), 'check')} ({checks.per_day} needed)" if len(starts) > checks.per_day else \
        f"{len(starts)} of {counted(checks.per_day, 'check')}"
    return f"{done}; longest gap {duration(longest)}"


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
            words = [f"{period(g.start, g.end)} "
                     + ("nobody on duty" if g.kind == "presence" else "too long without a check")
                     for g in missing if g.kind != "missing checks"]
            in_words = _checks_in_words(service.checks, [a.start for a in checks[(slug, day)]]) \
                if service.checks else ""
            result[(slug, day)] = DayCover(sorted(bars, key=lambda bar: bar.start), words, in_words)
    return result


@dataclass(frozen=True)
class GridView:
    """What part of a rota its page shows: one week, and optionally one service or one person."""

    week: int
    weeks: int
    service: str | None  # a service's slug
    person: int | None  # a staff id
    everyone: bool  # everyone rostered, not only those with shifts that week

    @classmethod
    def of(cls, version: RotaVersion, problem, args, today: date) -> "GridView":
        """The view asked for in the page's address, anything unknown left out; by default the week of today."""
        weeks = max(1, -(-version.days // 7))
        since_start = (today - version.start_date).days
        week = args.get("week", type=int)
        if week is None:
            week = since_start // 7 if 0 <= since_start < version.days else 0
        service = args.get("service") if args.get("service") in problem.services else None
        person = args.get("person", type=int)
        return cls(min(max(week, 0), weeks - 1), weeks, service,
                   person if person is not None and str(person) in problem.staff else None, args.get("everyone") == "1")

    def days(self, version: RotaVersion) -> list[date]:
        """The dates the view shows."""
        first = self.week * 7
        return [version.start_date + timedelta(days=d) for d in range(first, min(first + 7, version.days))]

    def address(self, version: RotaVersion, **changes) -> str:
        """The page's address for this view with some of its choices changed."""
        choices = {"week": self.week, "service": self.service, "person": self.person,
                   "everyone": "1" if self.everyone else None, **changes}
        return url_for("rotas.version", version_id=version.id, **{k: v for k, v in choices.items() if v is not None})


@dataclass(frozen=True)
class RuleRow:
    """A rule the version breaks: in words, the validator's message (what accepting it names), who accepted it
    with what reason if anyone did, and whether it may be accepted now (a contract limit of a draft)."""

    words: str
    message: str
    accepted: RuleOverride | None
    may_accept: bool


@dataclass(frozen=True)
class ChangedPerson:
    """Whose shifts change against the published rota, and by how many."""

    name: str
    added: int
    removed: int


@dataclass(frozen=True)
class Changes:
    """What a version changes against the published rota of its period."""

    people: list[ChangedPerson]
    added: int
    removed: int

    @property
    def count(self) -> int:
        """How many people's shifts change."""
        return len(self.people)


@dataclass(frozen=True)
class CheckedWith:
    """Other services' work a version was checked with, in words."""

    services: str  # "Carers' support, Perinatal mental health"
    work: str  # "2 shifts of 1 person on this rota, which count towards their hours, ... and stay as they are"


@dataclass(frozen=True)
class Option:
    """A choice of one of the grid's filters."""

    value: str
    label: str
    selected: bool


@dataclass(frozen=True)
class WeekLink:
    """Another week of the grid: its number (from 1) and address."""

    number: int
    address: str


@dataclass(frozen=True)
class ServiceRow:
    """A service's week on the cover grid."""

    name: str
    days: list[DayCover]


@dataclass(frozen=True)
class ShiftCell:
    """A shift in the people-by-day grid: its kind, its words ("17:00–22:00 Eating disorders (on call)"), and the
    page that moves or removes it (a draft's only)."""

    kind: str
    words: str
    edit_address: str | None


@dataclass(frozen=True)
class PersonDay:
    """A person's shifts on one day of the grid."""

    day: date
    shifts: list[ShiftCell]


@dataclass(frozen=True)
class PersonRow:
    """A person's week on the grid: their name, role in words, the grid of them alone, and their shifts by day."""

    name: str
    role: str
    address: str
    days: list[PersonDay]


@dataclass(frozen=True)
class DraftPage:
    """A rota version's page as one person sees it, for the week and filters its address asks for."""

    version: RotaVersion
    review: Review
    view: GridView
    services: str  # the version's services, in a sentence
    uncovered: str  # the score's uncovered minutes in words, or "None"
    contract_short: str
    rostered: str
    needed: str
    preferences: str  # "47 of 52 preference-days met; least met: Ella Robinson, 3 of 8."
    bank_holidays: dict  # the week's bank holidays by day, named ("Christmas Day")
    surplus: str  # where the minutes beyond what every standard takes come from, in words, or "" when none
    shift_count: int
    gaps: list[str]  # each uncovered window of the standard, in words
    gap_count: int
    gaps_uncovered: str  # "1 window of the standard is not covered.", "3 windows of the standard are not covered."
    starts_in_the_past: bool  # a version not yet published that starts before today
    blocking: int
    blocking_soft: bool  # a broken contract limit among the rules that block it
    rules_broken: str  # "This rota breaks 2 rules; it cannot be approved until they are fixed."
    rules: list[RuleRow]
    elsewhere: CheckedWith | None
    changes: Changes | None  # None for a published version
    short: int  # minutes of the standard left uncovered, which approving or publishing needs a reason for
    short_words: str
    editable: bool
    discardable: bool
    may_approve: bool
    may_publish: bool
    changed_it: bool  # the viewer made or changed it, so may not approve it
    days: list[date]
    week_number: int
    previous_week: WeekLink | None
    next_week: WeekLink | None
    service_options: list[Option]
    person_options: list[Option]
    service_rows: list[ServiceRow]
    person_rows: list[PersonRow]
    filtered: bool  # one person or one service is chosen
    chosen_service_id: int | None  # the service chosen, which the add-shift form starts on


def _changes(checked: Review) -> Changes:
    # By staff id as text ("10" before "9"), the order the page has always listed them in.
    changed = sorted(set(checked.added) | set(checked.removed))
    staff = checked.problem.staff
    return Changes([ChangedPerson(staff[s].name if s in staff else "Someone no longer rostered", checked.added[s],
                                  checked.removed[s]) for s in changed],
                   sum(checked.added.values()), sum(checked.removed.values()))


def _rules_broken(checked: Review) -> str:
    """What the rules a version breaks keep it from, or "" when it breaks none that block it."""
    count = len(checked.blocking)
    if not count:
        return ""
    fixed = "it is fixed" if count == 1 else "they are fixed"
    soft = ", or a broken contract limit is accepted with a reason" if any(v.soft for v in checked.blocking) else ""
    return f"This rota breaks {counted(count, 'rule')}; it cannot be approved until {fixed}{soft}."


def _elsewhere(checked: Review) -> CheckedWith | None:
    found = work_elsewhere(checked.problem)
    if found is None:
        return None
    people = f"{found.people} {'person' if found.people == 1 else 'people'}"
    counts = "counts towards their hours, days, rest and weekends and stays as it is" if found.shifts == 1 else \
        "count towards their hours, days, rest and weekends and stay as they are"
    return CheckedWith(", ".join(found.services), f"{counted(found.shifts, 'shift')} of {people} on this rota, which "
                       f"{counts}")


MOST_NAMES = 5  # people named for their contract minimums; the rest are counted


def _surplus_words(checked: Review, *, keep: bool) -> str:
    """Where a version's rostered minutes beyond what its standards need come from, most first, in words: "168 h
    more than the standards need: 160 h for the minimum hours of Sarah Bennett (15 h a week); ...", or "" when
    it rosters no more than they need. A draft's work that the published rota has too counts as kept."""
    problem = checked.problem
    found = surplus(problem, checked.rota, keep=checked.published.assignments if keep else ())
    if not found.minutes:
        return ""
    names = [f"{problem.staff[pid].name} ({hours(problem.staff[pid].contract.min_hours_week * 60)} a week)"
             for pid in found.bound]
    if len(names) > MOST_NAMES:
        names = [*names[:MOST_NAMES], counted(len(names) - MOST_NAMES, "other")]
    reasons = [
        (found.minimums, f"for the minimum hours of {listed(names)}" if names else "for contract minimum hours"),
        (found.unneeded, "of work nothing needs, which can come off"),
        (found.kept, "kept as the published rota has it"),
        (found.preferences, "at times people prefer to work"),
        (found.supervision, "of clinicians on duty beside the peers or volunteers they supervise"),
        (found.extra_checks, "of checks beyond the checks a day, so that none are too far apart"),
        (found.shift_lengths, "where shifts overlap or run past a window, as a shift is at least "
                              f"{duration(problem.rules.presence_min_minutes)} long"),
    ]
    said = [f"{hours(minutes)} {words}" for minutes, words in sorted(reasons, key=lambda r: -r[0]) if minutes]
    return f"{hours(found.minutes)} more than the standards need: {'; '.join(said)}."


def _shift_words(shift: Shift) -> str:
    return f"{period(shift.start_minute, shift.end_minute)} {shift.service.name}{kind_in_brackets(shift.kind)}"


def _person_rows(version: RotaVersion, checked: Review, view: GridView, days: list[date],
                 shown_services: set[str]) -> list[PersonRow]:
    """The people the view shows, by role then name, with their shifts on each day shown: everyone chosen, or
    those with a shift that week (everyone rostered when asked)."""
    shown = [shift for shift in version.shifts if shift.day in days and shift.service.slug in shown_services
             and view.person in (None, shift.staff_id)]
    grid = defaultdict(list)
    for shift in shown:
        grid[(shift.staff_id, shift.day)].append(shift)
    working = {shift.staff_id for shift in shown}
    chosen = [p for p in checked.problem.staff.values()
              if (int(p.id) == view.person if view.person is not None else view.everyone or int(p.id) in working)]
    people = sorted(chosen, key=lambda p: (p.role, p.name))
    draft = version.status == VersionStatus.DRAFT.value
    return [PersonRow(person.name, problems.ROLE_NAMES[person.role], view.address(version, person=int(person.id)),
                      [PersonDay(day, [ShiftCell(shift.kind, _shift_words(shift),
                                                 url_for("rotas.shift_edit", version_id=version.id, shift_id=shift.id)
                                                 if draft else None)
                                       for shift in grid[(int(person.id), day)]])
                       for day in days])
            for person in people]


def _preferences_words(checked) -> str:
    """How many of people's own preferences the rota meets, and whose least: "47 of 52 days met; least met: Ella
    Robinson, 3 of 8"."""
    tally = {pid: counts for pid, counts in preferences_met(checked.problem, checked.rota).items() if counts[1]}
    if not tally:
        return "Nobody rostered here has said when they would rather work or not."
    met, counted = (sum(counts[i] for counts in tally.values()) for i in (0, 1))
    least = min(tally, key=lambda pid: (tally[pid][0] / tally[pid][1], checked.problem.staff[pid].name))
    words = f"{met} of {counted} preference-days met"
    if tally[least][0] < tally[least][1]:
        words += f"; least met: {checked.problem.staff[least].name}, {tally[least][0]} of {tally[least][1]}"
    before = problems.preferences_met_before(checked.problem.staff, checked.problem.start, problems.service_slugs())
    leaned = [f"{checked.problem.staff[pid].name} ({before[pid][0]} of {before[pid][1]})"
              for pid in problems.leaning(before)]
    if leaned:
        words += (f". Weighed double, as met least in the {problems.FAIRNESS_WEEKS} weeks before: "
                  f"{', '.join(leaned)}")
    return words + "."


def bank_holidays_of(services, first: date, last: date) -> dict[date, str]:
    """The bank holidays the services keep from first to last, named; a day that is one in only some of their
    calendars, or named differently, says whose ("St Andrew's Day (Scotland)")."""
    regions = sorted({service.bank_holidays for service in services})
    kept: dict[date, list[tuple[str, str]]] = {}
    for region in regions:
        for day, name in bank_holiday_calendars.between(region, first, last).items():
            kept.setdefault(day, []).append((region, name))
    return {day: by_region[0][1] if len(by_region) == len(regions) and len({n for _, n in by_region}) == 1
            else "; ".join(f"{name} ({bank_holiday_calendars.REGIONS[region]})" for region, name in by_region)
            for day, by_region in kept.items()}


def draft_page(version: RotaVersion, viewer, args, today: date) -> DraftPage:
    """A version's page as the viewer sees it: the week, service and person its address asks for (args: the
    address's query), checked against the rules and the published rota."""
    checked = review(version)
    view = GridView.of(version, checked.problem, args, today)
    days = view.days(version)
    shown = {s.slug: s for s in version.services if view.service in (None, s.slug)}
    found = uncovered_gaps(checked.problem, checked.rota)
    cover = coverage_by_service(checked, found)
    first_day = (days[0] - version.start_date).days
    score, short = checked.score, uncovered_minutes(checked)
    status = version.status
    return DraftPage(
        version=version, review=checked, view=view,
        services=", ".join(s.name for s in version.services),
        uncovered=hours(score.uncovered_minutes) if score.uncovered_minutes else "None",
        contract_short=hours(score.contract_short_minutes) if score.contract_short_minutes else "None",
        rostered=hours(score.rostered_minutes), needed=hours(checked.needed_minutes),
        preferences=_preferences_words(checked),
        surplus=_surplus_words(checked, keep=status != VersionStatus.PUBLISHED.value),
        shift_count=len(version.shifts),
        gaps=[describe_gap(checked.problem, gap) for gap in found], gap_count=len(found),
        gaps_uncovered=f"{counted(len(found), 'window')} of the standard {'is' if len(found) == 1 else 'are'} not "
                       "covered.",
        starts_in_the_past=status != VersionStatus.PUBLISHED.value and version.start_date < today,
        blocking=len(checked.blocking), blocking_soft=any(v.soft for v in checked.blocking),
        rules_broken=_rules_broken(checked),
        rules=[RuleRow(str(v), v.message, checked.overridden.get(v.message),
                       v.soft and status == VersionStatus.DRAFT.value) for v in checked.violations],
        elsewhere=_elsewhere(checked),
        changes=None if status == VersionStatus.PUBLISHED.value else _changes(checked),
        short=short, short_words=hours(short),
        editable=status == VersionStatus.DRAFT.value,
        discardable=status in (VersionStatus.DRAFT.value, VersionStatus.APPROVED.value),
        may_approve=status == VersionStatus.DRAFT.value and viewer.can("rota.approve"),
        may_publish=status == VersionStatus.APPROVED.value and viewer.can("rota.publish"),
        changed_it=viewer.id in editors(version),
        days=days, week_number=view.week + 1, bank_holidays=bank_holidays_of(version.services, days[0], days[-1]),
        previous_week=WeekLink(view.week, view.address(version, week=view.week - 1)) if view.week > 0 else None,
        next_week=WeekLink(view.week + 2, view.address(version, week=view.week + 1))
        if view.week + 1 < view.weeks else None,
        service_options=[Option(s.slug, s.name, view.service == s.slug) for s in version.services],
        person_options=[Option(p.id, p.name, view.person == int(p.id))
                        for p in sorted(checked.problem.staff.values(), key=lambda p: p.name)],
        service_rows=[ServiceRow(service.name, [cover[(slug, first_day + i)] for i in range(len(days))])
                      for slug, service in shown.items()],
        person_rows=_person_rows(version, checked, view, days, set(shown)),
        filtered=bool(view.person or view.service),
        chosen_service_id=shown[view.service].id if view.service else None)


# --- My shifts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MyShift:
    """One of my shifts in the list: its hours and what it is in words, the day it is the first of (for the page's
    anchor), and whether I may ask someone to take it (not on call, not today or before) or have asked already."""

    shift: Shift
    hours: str  # "17:00–22:00"
    what: str  # "on duty", "moderation check", ...
    first_of_day: bool
    may_swap: bool
    asked: bool
    described: str  # for a screen reader beside the link: "Eating disorders, Thu 03 Dec 17:00–22:00"


@dataclass(frozen=True)
class WeekShift:
    """A shift in the week-by-week view: its kind and its words ("17:00–22:00 Eating disorders")."""

    kind: str
    words: str


@dataclass(frozen=True)
class MyWeek:
    """A week with shifts of mine: its Monday, and each day with my shifts that day."""

    monday: date
    days: list[tuple[date, list[WeekShift]]]


# Where a swap I asked for stands, in words (only open requests are listed).
SWAP_STANDING = {SwapStatus.ASKED.value: "waiting for them", SwapStatus.AGREED.value: "agreed, waiting for a manager"}


@dataclass(frozen=True)
class SwapLine:
    """A swap request of mine or for me: the request, its shift in words, and where it stands in words (for one of
    mine)."""

    request: SwapRequest
    shift: str
    status: str = ""


@dataclass(frozen=True)
class OfferLine:
    """An open shift I could take: the offer, what it is beside its time, and its button's words and fields."""

    offer: open_shifts.OpenShift
    what: str  # "" for a shift on duty, " moderation check" for a check
    button: str
    fields: dict  # what taking it sends


@dataclass(frozen=True)
class MyShiftsPage:
    """A person's own page: their shifts for the next six weeks as a list and week by week, swap requests, open
    shifts they could take, and their calendar subscription."""

    shifts: list[MyShift]
    weeks: list[MyWeek]
    asking_me: list[SwapLine]
    asked_by_me: list[SwapLine]
    offers: list[OfferLine]
    has_feed: bool
    feed_url: str | None  # a new subscription link, shown once
    webcal_url: str | None  # the same for a calendar app


def my_shifts_page(person, today: date, *, feed_url: str | None = None) -> MyShiftsPage:
    """What the person sees of their own shifts from today (and their new subscription link when just made)."""
    shifts = own_work.my_shifts(person.id, start=today, days=AIM_WEEKS * 7)
    asked, to_answer = swaps.requests_for(person)
    asked_shifts = {request.shift_id for request in asked}
    monday = today - timedelta(days=today.weekday())
    weeks = [[(monday + timedelta(days=7 * w + d), []) for d in range(7)] for w in range(AIM_WEEKS + 1)]
    for shift in shifts:
        offset = (shift.day - monday).days
        words = f"{period(shift.start_minute, shift.end_minute)} {shift.service.name}"
        weeks[offset // 7][offset % 7][1].append(WeekShift(shift.kind, words))
    return MyShiftsPage(
        shifts=[MyShift(shift, period(shift.start_minute, shift.end_minute), calendar.KIND_LABELS[shift.kind],
                        first_of_day=i == 0 or shifts[i - 1].day != shift.day,
                        may_swap=shift.kind != Kind.ON_CALL.value and shift.day > today,
                        asked=shift.id in asked_shifts, described=swaps.describe(shift))
                for i, shift in enumerate(shifts)],
        weeks=[MyWeek(week[0][0], week) for week in weeks if any(s for _, s in week)],
        asking_me=[SwapLine(request, swaps.describe(request.shift)) for request in to_answer],
        asked_by_me=[SwapLine(request, swaps.describe(request.shift), SWAP_STANDING[request.status])
                     for request in asked],
        offers=[OfferLine(offer, " moderation check" if offer.kind == Kind.CHECK.value else "",
                          "Take this check" if offer.kind == Kind.CHECK.value else "Take this shift",
                          {"service_id": offer.service.id, "day": offer.day.isoformat(), "gap_start": offer.gap_start,
                           "kind": offer.kind})
                for offer in open_shifts.offers(person, today=today)],
        has_feed=calendar.has_token(person), feed_url=feed_url,
        webcal_url=feed_url.replace("https://", "webcal://", 1).replace("http://", "webcal://", 1)
        if feed_url else None)
