"""Taking work nobody needs off a rota: each shift or check whose removal, or each shift whose shortening, leaves
everything above the rostered minutes in the score's order as it was.

The search's last phase trims rostered minutes too, but it starts from whatever the earlier phases left (far more
minutes than the standards need: docs/benchmarks.md) and has a few seconds. Most of that surplus is a check or a
shift that a standard has enough of without it, or the hours of a shift that overlap a colleague's: one piece of
work at a time, checked only where it counts, takes it off in a fraction of a second. A change is made
only when, for that piece's service and day, person and week, nothing gets worse: the service's cover, the
person's contract minimum, their preferences that day, and supervision of any supervised colleague (a supervisor's
work goes only if other supervisors still cover every supervised moment). Removing or shortening work never breaks
a limit (hours, days, rest, weekends) and never raises a fairness figure, so the trimmed rota is at least as good as
the rota in every component and breaks no rule the rota keeps. `trim` checks both on the whole rota before it
answers, and answers the rota unchanged otherwise; the solver's last phase, which trims the rota as its model sees
it (without on call), has the model check it instead.
"""

from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import replace

from rota.domain import Assignment, Kind, Problem, Rota, uncovered_parts
from rota.score import day_check_gaps, day_presence_gaps, preference_unmet, score
from rota.validate import validate


class _Trimmer:
    """A rota being trimmed, indexed by what a change can affect."""

    def __init__(self, problem: Problem, rota: Rota):
        self.problem = problem
        self.work: set[Assignment] = set()
        self.by_service_day: dict[tuple[str, int], set[Assignment]] = defaultdict(set)
        self.by_person_day: dict[tuple[str, int], set[Assignment]] = defaultdict(set)
        self.week_minutes: dict[tuple[str, int], int] = defaultdict(int)
        for person in problem.staff.values():
            for commitment in person.committed:
                self.week_minutes[(person.id, commitment.day // 7)] += commitment.end - commitment.start
        for a in rota.assignments:
            self._add(a)

    def _add(self, a: Assignment) -> None:
        self.work.add(a)
        self.by_service_day[(a.service, a.day)].add(a)
        self.by_person_day[(a.staff, a.day)].add(a)
        if a.kind != Kind.ON_CALL:
            self.week_minutes[(a.staff, a.day // 7)] += a.minutes

    def _remove(self, a: Assignment) -> None:
        self.work.discard(a)
        self.by_service_day[(a.service, a.day)].discard(a)
        self.by_person_day[(a.staff, a.day)].discard(a)
        if a.kind != Kind.ON_CALL:
            self.week_minutes[(a.staff, a.day // 7)] -= a.minutes

    # --- what a change could make worse, for one piece of work's service and day, person and week ------------------

    def _uncovered(self, service_id: str, day: int) -> int:
        service, here = self.problem.services[service_id], self.by_service_day[(service_id, day)]
        gaps = day_presence_gaps(self.problem, service, day, [a for a in here if a.kind == Kind.PRESENCE])
        if service.checks is not None:
            gaps += day_check_gaps(service, day, [a.start for a in here if a.kind == Kind.CHECK])
        return sum(gap.uncovered_minutes for gap in gaps)

    def _contract_short(self, staff_id: str, week: int) -> int:
        minimum = round(self.problem.staff[staff_id].contract.min_hours_week * 60)
        return max(0, minimum - self.week_minutes[(staff_id, week)])

    def _preference_penalty(self, staff_id: str, day: int) -> int:
        that_day = list(self.by_person_day[(staff_id, day)])
        return sum(p.weight for p in self.problem.staff[staff_id].preferences if preference_unmet(p, day, that_day))

    def _unsupervised_minutes(self, service_id: str, day: int) -> int:
        rules, here = self.problem.rules, self.by_service_day[(service_id, day)]
        supervisors = [(a.start, a.end) for a in here if self.problem.staff[a.staff].role in rules.supervisor_roles]
        return sum(end - start for a in here if self.problem.staff[a.staff].role in rules.supervised_roles
                   and a.kind != Kind.ON_CALL for start, end in uncovered_parts(a.start, a.end, supervisors))

    def _standing(self, a: Assignment) -> tuple[int, int, int, int]:
        return (self._uncovered(a.service, a.day), self._contract_short(a.staff, a.day // 7),
                self._preference_penalty(a.staff, a.day), self._unsupervised_minutes(a.service, a.day))

    def fits(self, a: Assignment, by: Assignment | None) -> bool:
        """Whether taking `a` off the rota, or putting `by` (a shorter piece of the same work) in its place, leaves
        everything it affects as good as it was."""
        before = self._standing(a)
        self.swap(a, by)
        fits = all(now <= was for now, was in zip(self._standing(a), before, strict=True))
        self.swap(by, a)
        return fits

    def replace(self, a: Assignment, by: Assignment | None) -> bool:
        """Take `a` off the rota, or put `by` in its place, if that fits; whether it did."""
        if not self.fits(a, by):
            return False
        self.swap(a, by)
        return True

    def swap(self, old: Assignment | None, new: Assignment | None) -> None:
        """Take `old` off the rota and put `new` on, without asking whether it fits."""
        if old is not None:
            self._remove(old)
        if new is not None:
            self._add(new)


def trim(problem: Problem, rota: Rota, keep: Collection[Assignment] = ()) -> Rota:
    """The rota with the work nobody needs taken off (`take_off_unneeded`), or the rota itself when that would
    break a rule the rota keeps or score no better."""
    trimmed = take_off_unneeded(problem, rota, keep)
    if trimmed == rota or validate(problem, trimmed) or not score(problem, trimmed) < score(problem, rota):
        return rota
    return trimmed


def take_off_unneeded(problem: Problem, rota: Rota, keep: Collection[Assignment] = (),
                      allowed: Callable[[Assignment], bool] | None = None) -> Rota:
    """The rota with checks and shifts removed, longest first, then shifts cut at their start and at their end by
    as much as leaves nothing worse (to `allowed` shapes only, when given), until nothing more comes off. Work in `keep`
    (on a re-solve, the published rota's) stays as it is."""
    trimmer, rules = _Trimmer(problem, rota), problem.rules
    changed = True
    while changed:
        changed = False
        for a in sorted(trimmer.work, key=lambda a: (-a.minutes, a)):
            if a.kind != Kind.ON_CALL and a not in keep and trimmer.replace(a, None):
                changed = True
        for a in sorted(trimmer.work):
            if a.kind != Kind.PRESENCE or a in keep:
                continue
            for side in ("start", "end"):
                # Each cut takes off more than the one before: once one makes something worse, so do the rest.
                deepest = None
                for shorter in _cuts(a, side, rules.presence_min_minutes, rules.granularity):
                    if allowed is not None and not allowed(shorter):
                        continue
                    if not trimmer.fits(a, shorter):
                        break
                    deepest = shorter
                if deepest is not None:  # already known to fit
                    trimmer.swap(a, deepest)
                    a, changed = deepest, True
    return Rota(tuple(sorted(trimmer.work)))


def _cuts(a: Assignment, side: str, shortest: int, step: int) -> list[Assignment]:
    """The same shift cut at its start or its end, a step more each time, down to `shortest` minutes."""
    if side == "start":
        return [replace(a, start=start) for start in range(a.start + step, a.end - shortest + 1, step)]
    return [replace(a, end=end) for end in range(a.end - step, a.start + shortest - 1, -step)]
