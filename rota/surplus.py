"""Why a rota rosters more presence and check minutes than its standards need (rota.score.needed_minutes).

Each reason is found by taking off the work it alone keeps on the rota (rota.trim.take_off_unneeded), one reason
set aside after another, so every minute is counted once, under the first reason in this order that lets it go:

1. work nothing needs: it comes off with nothing worse (a shift added by hand, a check too many);
2. work kept as the published rota has it (a re-solve moves as few people as it can);
3. contract minimums: the hours a person's contract asks for, where no standard needs them;
4. preferences: work at a time someone prefers, on a day they work anyway;
5. supervision: a clinician on duty where a peer or volunteer works;
6. what is left once all those are set aside: checks beyond the checks a day, to keep them close enough together,
   and for presence, shifts overlapping or running past a window, since a shift has a shortest length.

Nothing here changes the rota: the result only says where its minutes go.
"""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, replace

from rota.domain import Assignment, Kind, Problem, Rota
from rota.score import needed_minutes, rostered_minutes
from rota.trim import take_off_unneeded


@dataclass(frozen=True)
class Surplus:
    """Rostered minutes beyond what the standards need, by reason (each a number of minutes)."""

    minutes: int  # rostered minus needed, 0 when not above
    unneeded: int = 0
    kept: int = 0
    minimums: int = 0
    bound: tuple[str, ...] = ()  # the people whose contract minimums keep those minutes, most minutes first
    preferences: int = 0
    supervision: int = 0
    extra_checks: int = 0
    shift_lengths: int = 0


def _work(rota: Rota) -> Counter:
    """Presence and check minutes by person."""
    by_person = Counter()
    for a in rota.assignments:
        if a.kind != Kind.ON_CALL:
            by_person[a.staff] += a.minutes
    return by_person


def _without_minimums(problem: Problem) -> Problem | None:
    """The problem with no contract minimums, or None when it has none."""
    if not any(person.contract.min_hours_week > 0 for person in problem.staff.values()):
        return None
    return replace(problem, staff={pid: replace(person, contract=replace(person.contract, min_hours_week=0.0))
                                   for pid, person in problem.staff.items()})


def _without_preferences(problem: Problem) -> Problem | None:
    """The problem with nobody's preferences, or None when nobody has any."""
    if not any(person.preferences for person in problem.staff.values()):
        return None
    return replace(problem, staff={pid: replace(person, preferences=()) for pid, person in problem.staff.items()})


def _without_supervision(problem: Problem) -> Problem | None:
    """The problem with nobody needing a supervisor, or None when nobody does already."""
    if not problem.rules.supervised_roles:
        return None
    return replace(problem, rules=replace(problem.rules, supervised_roles=frozenset()))


def surplus(problem: Problem, rota: Rota, keep: Collection[Assignment] = ()) -> Surplus:
    """Where the rota's minutes beyond what its standards need come from; `keep` is the published rota's work a
    draft of the same period keeps as it is."""
    needed = needed_minutes(problem)
    total = rostered_minutes(rota) - needed
    if total <= 0:
        return Surplus(0)
    # Each stage takes off what its reason alone kept, from what the stages before left, with the reasons before it
    # still set aside. A stage whose reason the problem does not have (None) takes nothing off, and so does every
    # stage once nothing beyond the need is left: both are skipped, as the draft page runs this on every visit.
    no_minimums = _without_minimums(problem)
    no_preferences = _without_preferences(no_minimums or problem)
    no_supervision = _without_supervision(no_preferences or no_minimums or problem)
    stages = [("unneeded", problem, keep), ("kept", problem if keep else None, ()),
              ("minimums", no_minimums, ()), ("preferences", no_preferences, ()), ("supervision", no_supervision, ())]
    taken, by_minimum, current = {}, Counter(), rota
    for reason, relaxed, kept in stages:
        after = current
        if relaxed is not None and rostered_minutes(current) > needed:
            after = take_off_unneeded(relaxed, current, kept)
        taken[reason] = rostered_minutes(current) - rostered_minutes(after)
        if reason == "minimums":
            by_minimum = _work(current) - _work(after)
        current = after
    bound = tuple(sorted((pid for pid in by_minimum if problem.staff[pid].contract.min_hours_week > 0),
                         key=lambda pid: (-by_minimum[pid], problem.staff[pid].name)))
    # What is left is in the work's shape: checks a standard's longest gap asks for beyond its checks a day, and
    # shifts of at least the shortest length where a window is shorter or shared between people.
    left = rostered_minutes(current) - needed
    checks = Counter((a.service, a.day) for a in current.assignments if a.kind == Kind.CHECK)
    beyond = sum(max(0, count - problem.services[service].checks.per_day) * problem.services[service].checks.minutes
                 for (service, _day), count in checks.items())
    extra_checks = max(0, min(left, beyond))
    return Surplus(total, bound=bound, extra_checks=extra_checks, shift_lengths=max(0, left - extra_checks),
                   **taken)
