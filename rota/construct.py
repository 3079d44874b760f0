"""A fast greedy rota that keeps every hard rule: the optimiser's starting point and its fallback.

It covers presence segments from the earliest uncovered minute onwards, then places each
low-risk service's checks at evenly spread times, each time choosing the person for whom the
work costs least (contract hours still owed first, then preferences and weekend fairness). Then
it gives any window still uncovered a shift that breaks no rule, the same repair the solver runs
on the optimiser's answer. On a re-solve it starts from the published rota and keeps what still fits.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from rota.domain import WEEKEND, Assignment, Kind, Problem, Reason, Rota, Staff
from rota.score import Gap, uncovered_gaps
from rota.validate import check_assignment

CANDIDATE_GRID = 60  # presence shifts for a gap start and end on the hour, or at the edges of a window
CHECK_GRID = 30


def check_grid(step: int) -> int:
    """Checks start on the half hour: a 15-minute grid for checks costs CP-SAT's presolve over twice the time for
    little better spread (docs/benchmarks.md)."""
    return CHECK_GRID if CHECK_GRID % step == 0 else step


@dataclass
class _Ledger:
    """What one person has been given so far, to check each new piece of work against their contract."""

    busy: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    minutes_by_week: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    presence_blocks: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    def of(cls, person: Staff) -> "_Ledger":
        """A ledger that starts with the person's work for other services, so every limit counts it."""
        ledger = cls()
        for commitment in person.committed:
            ledger.busy[commitment.day].append((commitment.start, commitment.end))
            ledger.minutes_by_week[commitment.day // 7] += commitment.end - commitment.start
        return ledger


class Builder:
    """Builds a rota piece by piece, refusing anything that would break a hard rule."""

    def __init__(self, problem: Problem, step: int):
        self.problem, self.step = problem, step
        self.ledgers = {person.id: _Ledger.of(person) for person in problem.staff.values()}
        self.assignments: list[Assignment] = []
        self.on_duty: dict[tuple[str, int], list[tuple[int, int, str]]] = defaultdict(list)  # (start, end, role)
        self.check_starts: dict[tuple[str, int], list[int]] = defaultdict(list)

    # --- what a person may still take --------------------------------------------------------

    def _supervisable(self, service: str, day: int, start: int, end: int) -> bool:
        """Whether one supervisor could be on call for the whole of [start, end)."""
        return any(window.contains(start, end) for _, window in self.problem.supervisor_windows(service, day))

    def can_take(self, person: Staff, service: str, day: int, start: int, end: int) -> bool:
        """Whether giving the person this work keeps every hard rule."""
        return next(self.broken_rules(person, service, day, start, end), None) is None

    def broken_rules(self, person: Staff, service: str, day: int, start: int, end: int) -> Iterator[Reason]:
        """Each hard rule that giving the person this work would break, cheapest checks first."""
        problem, ledger, contract = self.problem, self.ledgers[person.id], person.contract
        if service not in person.services:
            yield Reason.NOT_TRAINED
        if problem.date_of(day) in person.leave:
            yield Reason.ON_LEAVE
        # Availability alone: work elsewhere and the rest it needs are in the ledger (BUSY, REST below).
        if not any(w.contains(start, end) for w in person.available_on(problem.date_of(day))):
            yield Reason.UNAVAILABLE
        if any(s < end and start < e for s, e in ledger.busy[day]):
            yield Reason.BUSY
        week = day // 7
        if ledger.minutes_by_week[week] + (end - start) > contract.max_hours_week * 60:
            yield Reason.WEEK_HOURS
        if not ledger.busy[day]:
            worked = {d for d, intervals in ledger.busy.items() if intervals}
            if len([d for d in worked if d // 7 == week]) + 1 > contract.max_days_week:
                yield Reason.WEEK_DAYS
            if 1 + self._run(worked, day, -1) + self._run(worked, day, 1) > contract.max_consecutive_days:
                yield Reason.DAYS_IN_A_ROW
            if day % 7 in WEEKEND and week not in {d // 7 for d in worked if d % 7 in WEEKEND}:
                if len({d // 7 for d in worked if d % 7 in WEEKEND}) + 1 > contract.max_weekends:
                    yield Reason.WEEKENDS
        rest = contract.min_rest_hours * 60
        before, after = ledger.busy.get(day - 1), ledger.busy.get(day + 1)
        if before and problem.real_minutes_between(day - 1, max(e for _, e in before), day, start) < rest \
                or after and problem.real_minutes_between(day, max([end, *(e for _, e in ledger.busy[day])]), day + 1,
                                                          min(s for s, _ in after)) < rest:
            yield Reason.REST
        if person.role in problem.rules.supervised_roles and not self._supervisable(service, day, start, end):
            yield Reason.NO_SUPERVISOR

    @staticmethod
    def _run(worked: set[int], day: int, direction: int) -> int:
        length, current = 0, day + direction
        while current in worked:
            length, current = length + 1, current + direction
        return length

    def cost(self, person: Staff, service: str, day: int, start: int, end: int) -> tuple:
        """Lower is better: owed contract hours, then sparing weekends and new working days, then preferences."""
        ledger = self.ledgers[person.id]
        owed = person.contract.min_hours_week * 60 - ledger.minutes_by_week[day // 7]
        work = Assignment(day, start, end, person.id, service, Kind.PRESENCE)  # its kind does not matter here
        penalty = sum(p.weight if p.kind == "avoid" else -p.weight for p in person.preferences if p.counts(work))
        worked = {d for d, busy in ledger.busy.items() if busy}
        weekend = day % 7 in WEEKEND
        # Weekends are the scarcest capacity (max_weekends): use people already working this one first.
        new_weekend = weekend and not any(d // 7 == day // 7 and d % 7 in WEEKEND for d in worked)
        weekends_used = len({d // 7 for d in worked if d % 7 in WEEKEND}) if weekend else 0
        return (-min(owed, end - start) if owed > 0 else 0, new_weekend, day not in worked, penalty,
                weekends_used, ledger.minutes_by_week[day // 7])

    def give(self, person: Staff, service: str, day: int, start: int, end: int, kind: Kind) -> None:
        """Record the work."""
        ledger = self.ledgers[person.id]
        ledger.busy[day].append((start, end))
        ledger.minutes_by_week[day // 7] += end - start
        if kind == Kind.PRESENCE:
            ledger.presence_blocks.add((service, day))
            self.on_duty[(service, day)].append((start, end, person.role))
        else:
            self.check_starts[(service, day)].append(start)
        self.assignments.append(Assignment(day, start, end, person.id, service, kind))

    # --- presence ------------------------------------------------------------------------------

    def cover_presence(self) -> None:
        """Fill every presence segment, earliest uncovered minute first."""
        rules, step = self.problem.rules, self.step
        for day in range(self.problem.days):
            for service in self.problem.services.values():
                for segment in service.segments_on(day % 7):
                    for layer in range(segment.min):
                        self._cover_once(service.id, day, segment.window.start, segment.window.end, segment.roles,
                                         layer, rules.presence_min_minutes, rules.presence_max_minutes, step)

    def _cover_once(self, service: str, day: int, seg_start: int, seg_end: int, roles, layer: int, shortest: int,
                    longest: int, step: int) -> None:
        """One layer of cover for a segment: blocks placed from its start to its end where fewer than
        layer + 1 people of its roles are on duty already."""
        position = seg_start
        while position < seg_end:
            on_duty = sum(1 for s, e, role in self.on_duty[(service, day)]
                          if role in roles and s <= position < e)
            if on_duty > layer:
                position += step
                continue
            best = None
            for person in self.problem.staff.values():
                if person.role not in roles or (service, day) in self.ledgers[person.id].presence_blocks:
                    continue
                for window in self.problem.windows(person, day):
                    start = max(position, window.start)
                    start = -(-start // step) * step
                    if start > position:
                        continue  # would leave a hole at `position`
                    end = min(window.end, seg_end, start + longest) // step * step
                    if end - start < shortest:
                        start = max(seg_start, end - shortest)  # reach back over covered time to make 3 hours
                    if end - start < shortest or start > position or not self.can_take(person, service, day,
                                                                                       start, end):
                        continue
                    candidate = (-(end - position), self.cost(person, service, day, start, end), person.id, start, end)
                    if best is None or candidate < best:
                        best = candidate
            if best is None:
                position += step  # nobody can cover this minute; try from the next one
                continue
            _, _, staff, start, end = best
            self.give(self.problem.staff[staff], service, day, start, end, Kind.PRESENCE)
            position = end

    # --- checks --------------------------------------------------------------------------------

    def place_checks(self) -> None:
        """Evenly spread checks for each low-risk service and day, moving a check if nobody can do it then."""
        step = check_grid(self.step)
        for day in range(self.problem.days):
            for service in self.problem.services.values():
                checks = service.checks
                if checks is None:
                    continue
                span = checks.window_end - checks.window_start
                previous = checks.window_start
                for i in range(checks.per_day):
                    ideal = checks.window_start + span * (i + 1) // (checks.per_day + 1)
                    latest = min(previous + checks.max_gap, checks.window_end - checks.minutes)
                    placed = self._place_check(service.id, day, checks, round(ideal / step) * step, previous,
                                               latest, step)
                    if placed is not None:
                        previous = placed

    def can_keep(self, a: Assignment) -> bool:
        """Whether work from an earlier rota still fits: its own rules (1-4), the grid and everything given so far."""
        person = self.problem.staff.get(a.staff)
        if a.kind == Kind.ON_CALL or person is None or check_assignment(self.problem, a):
            return False
        grid = self.step if a.kind == Kind.PRESENCE else check_grid(self.step)
        if a.start % grid or a.end % self.step:
            return False
        if a.kind == Kind.PRESENCE and (a.service, a.day) in self.ledgers[a.staff].presence_blocks:
            return False  # the model has one presence block per person, service and day
        return self.can_take(person, a.service, a.day, a.start, a.end)

    def _place_check(self, service: str, day: int, checks, ideal: int, earliest: int, latest: int,
                     step: int) -> int | None:
        """A check as near the ideal time as someone can do it, reusing one already there (a seeded rota's)."""
        offsets = sorted(range(-180, 181, step), key=abs)
        for offset in offsets:
            start = ideal + offset
            if start <= earliest and earliest != checks.window_start or start > latest \
                    or start < checks.window_start:
                continue
            if start in self.check_starts[(service, day)]:
                return start
            end = start + checks.minutes
            candidates = [(self.cost(p, service, day, start, end), p.id) for p in self.problem.staff.values()
                          if p.role in checks.roles and self.can_take(p, service, day, start, end)]
            if candidates:
                _, staff = min(candidates)
                self.give(self.problem.staff[staff], service, day, start, end, Kind.CHECK)
                return start
        return None

    def give_rota(self, rota: Rota) -> None:
        """Record an existing rota's work; on call is not work, and unknown people are the validator's to report."""
        for a in sorted(rota.assignments):
            if a.kind != Kind.ON_CALL and a.staff in self.problem.staff:
                self.give(self.problem.staff[a.staff], a.service, a.day, a.start, a.end, a.kind)

    def rota(self) -> Rota:
        """The rota built so far."""
        return Rota(tuple(sorted(self.assignments)))

    # --- repair --------------------------------------------------------------------------------

    def fill_gaps(self) -> None:
        """Give uncovered windows the work that covers most of each without breaking a rule, until none can be."""
        while self._fill_each_gap_once():
            pass

    def _fill_each_gap_once(self) -> bool:
        filled = False
        for gap in uncovered_gaps(self.problem, self.rota()):
            best = None
            for person in self.problem.staff.values():
                if person.role not in gap.roles or gap.kind == "presence" \
                        and (gap.service, gap.day) in self.ledgers[person.id].presence_blocks:
                    continue
                grid = self.step if gap.kind == "presence" else check_grid(self.step)
                for start, end in candidate_shifts(self.problem, person, gap, grid):
                    if self.can_take(person, gap.service, gap.day, start, end):
                        middle = abs((start + end) - (gap.start + gap.end))  # checks: split the gap evenly
                        covered = min(end, gap.end) - max(start, gap.start)
                        candidate = (-covered if gap.kind == "presence" else middle,
                                     self.cost(person, gap.service, gap.day, start, end), person.id, start, end)
                        best = candidate if best is None or candidate < best else best
            if best is not None:
                *_, staff, start, end = best
                self.give(self.problem.staff[staff], gap.service, gap.day, start, end,
                          Kind.PRESENCE if gap.kind == "presence" else Kind.CHECK)
                filled = True
        return filled


def candidate_shifts(problem: Problem, person: Staff, gap: Gap, step: int) -> list[tuple[int, int]]:
    """Shifts (start, end) on a `step` grid that would cover part of an uncovered window, whatever the rules say."""
    if gap.kind == "presence":
        segments = problem.services[gap.service].segments_on(gap.day % 7)
        opens, closes = min(s.window.start for s in segments), max(s.window.end for s in segments)
        points = {*range(opens, closes + 1, CANDIDATE_GRID), gap.start, gap.end, opens, closes}
        for window in problem.windows(person, gap.day):
            points |= {window.start, window.end}
        points = sorted(p for p in points if opens <= p <= closes and p % step == 0)
        rules = problem.rules
        return [(s, e) for s in points for e in points
                if rules.presence_min_minutes <= e - s <= rules.presence_max_minutes and s < gap.end and gap.start < e]
    checks = problem.services[gap.service].checks
    last = checks.window_end - checks.minutes
    if gap.kind == "missing checks":
        first, last = checks.window_start, last
    else:  # a check strictly inside the over-long gap shortens it
        first, last = gap.start + 1, min(gap.end - 1, last)
    return [(t, t + checks.minutes) for t in range(-(-first // step) * step, last + 1, step)]


def greedy_rota(problem: Problem, step: int, seed: Rota | None = None) -> Rota:
    """A valid rota (times on a `step`-minute grid) covering as much as one greedy pass can; no on-call yet.

    With a seed (the published rota, on a re-solve), its work is kept wherever the rules still allow it
    and only what it no longer covers is filled.
    """
    builder = Builder(problem, step)
    for a in sorted(seed.assignments) if seed else ():
        if builder.can_keep(a):
            builder.give(problem.staff[a.staff], a.service, a.day, a.start, a.end, a.kind)
    builder.cover_presence()
    builder.place_checks()
    builder.fill_gaps()
    return builder.rota()


def repair(problem: Problem, rota: Rota, step: int) -> Rota:
    """The rota with work added, rule-abiding, wherever it leaves a window that someone could still cover."""
    builder = Builder(problem, step)
    builder.give_rota(rota)
    builder.fill_gaps()
    return builder.rota()
