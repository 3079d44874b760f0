"""A fast greedy rota that keeps every hard rule: the optimiser's starting point and its fallback.

It covers presence segments from the earliest uncovered minute onwards, then places each
low-risk service's checks at evenly spread times, each time choosing the person for whom the
work costs least (contract hours still owed first, then preferences and weekend fairness).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from rota.domain import Assignment, Kind, Problem, Rota, Staff, Window

WEEKEND = (5, 6)


@dataclass
class _Ledger:
    """What one person has been given so far, to check each new piece of work against their contract."""

    busy: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    minutes_by_week: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    presence_blocks: set[tuple[str, int]] = field(default_factory=set)


class Builder:
    """Builds a rota piece by piece, refusing anything that would break a hard rule."""

    def __init__(self, problem: Problem, step: int):
        self.problem, self.step = problem, step
        self.ledgers = {person.id: _Ledger() for person in problem.staff.values()}
        self.assignments: list[Assignment] = []

    # --- what a person may still take --------------------------------------------------------

    def _window(self, person: Staff, day: int, start: int, end: int) -> Window | None:
        return next((w for w in person.windows_on(day % 7) if w.contains(start, end)), None)

    def _supervisable(self, service: str, day: int, start: int, end: int) -> bool:
        """Whether one supervisor could be on call for the whole of [start, end)."""
        return any(window.contains(start, end) for _, window in self.problem.supervisor_windows(service, day))

    def can_take(self, person: Staff, service: str, day: int, start: int, end: int) -> bool:
        """Whether giving the person this work keeps every hard rule."""
        problem, ledger, contract = self.problem, self.ledgers[person.id], person.contract
        if service not in person.services or problem.date_of(day) in person.leave:
            return False
        if self._window(person, day, start, end) is None:
            return False
        if any(s < end and start < e for s, e in ledger.busy[day]):
            return False
        week = day // 7
        if ledger.minutes_by_week[week] + (end - start) > contract.max_hours_week * 60:
            return False
        if not ledger.busy[day]:
            worked = {d for d, intervals in ledger.busy.items() if intervals}
            if len([d for d in worked if d // 7 == week]) + 1 > contract.max_days_week:
                return False
            run = 1 + self._run(worked, day, -1) + self._run(worked, day, 1)
            if run > contract.max_consecutive_days:
                return False
            if day % 7 in WEEKEND and week not in {d // 7 for d in worked if d % 7 in WEEKEND}:
                if len({d // 7 for d in worked if d % 7 in WEEKEND}) + 1 > contract.max_weekends:
                    return False
        rest = contract.min_rest_hours * 60
        before, after = ledger.busy.get(day - 1), ledger.busy.get(day + 1)
        if before and problem.real_minutes_between(day - 1, max(e for _, e in before), day, start) < rest:
            return False
        if after and problem.real_minutes_between(day, max([end, *(e for _, e in ledger.busy[day])]), day + 1,
                                                  min(s for s, _ in after)) < rest:
            return False
        if person.role in problem.rules.supervised_roles and not self._supervisable(service, day, start, end):
            return False
        return True

    @staticmethod
    def _run(worked: set[int], day: int, direction: int) -> int:
        length, current = 0, day + direction
        while current in worked:
            length, current = length + 1, current + direction
        return length

    def cost(self, person: Staff, day: int, start: int, end: int) -> tuple:
        """Lower is better: owed contract hours, then sparing weekends and new working days, then preferences."""
        ledger = self.ledgers[person.id]
        owed = person.contract.min_hours_week * 60 - ledger.minutes_by_week[day // 7]
        penalty = 0
        for preference in person.preferences:
            window = preference.window
            if day % 7 in window.days and window.start < end and start < window.end:
                penalty += preference.weight if preference.kind == "avoid" else -preference.weight
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
        self.assignments.append(Assignment(day, start, end, person.id, service, kind))

    # --- presence ------------------------------------------------------------------------------

    def cover_presence(self) -> None:
        """Fill every presence segment, earliest uncovered minute first."""
        rules, step = self.problem.rules, self.step
        for day in range(self.problem.days):
            for service in self.problem.services.values():
                for segment in service.segments_on(day % 7):
                    for _ in range(segment.min):
                        self._cover_once(service.id, day, segment.window.start, segment.window.end,
                                         segment.roles, rules.presence_min_minutes, rules.presence_max_minutes, step)

    def _cover_once(self, service: str, day: int, seg_start: int, seg_end: int, roles, shortest: int,
                    longest: int, step: int) -> None:
        """One layer of cover for a segment: blocks placed from its start to its end."""
        position = seg_start
        while position < seg_end:
            best = None
            for person in self.problem.staff.values():
                if person.role not in roles or (service, day) in self.ledgers[person.id].presence_blocks:
                    continue
                for window in person.windows_on(day % 7):
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
                    candidate = (-(end - position), self.cost(person, day, start, end), person.id, start, end)
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
        step = self.step
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

    def _place_check(self, service: str, day: int, checks, ideal: int, earliest: int, latest: int,
                     step: int) -> int | None:
        offsets = sorted(range(-180, 181, step), key=abs)
        for offset in offsets:
            start = ideal + offset
            if start <= earliest and earliest != checks.window_start or start > latest \
                    or start < checks.window_start:
                continue
            end = start + checks.minutes
            candidates = [(self.cost(p, day, start, end), p.id) for p in self.problem.staff.values()
                          if p.role in checks.roles and self.can_take(p, service, day, start, end)]
            if candidates:
                _, staff = min(candidates)
                self.give(self.problem.staff[staff], service, day, start, end, Kind.CHECK)
                return start
        return None

    def rota(self) -> Rota:
        """The rota built so far."""
        return Rota(tuple(sorted(self.assignments)))


def greedy_rota(problem: Problem, step: int) -> Rota:
    """A valid rota (times on a `step`-minute grid) covering as much as one greedy pass can; no on-call yet."""
    builder = Builder(problem, step)
    builder.cover_presence()
    builder.place_checks()
    return builder.rota()
