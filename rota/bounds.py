"""Lower bounds from each person alone: the best any rota could do, and why the worst-off figure is what it is.

Cover is the only rule that ties people together. Without it, a rota problem falls apart into one small problem
per person: the least contract shortfall their own rules allow, then the fewest preference points at that
shortfall, then the fewest weekend days at both (history included). No rota can do better than everyone at their
own best, so the sums bound the whole rota's contract shortfall and preference points from below; and a rota that
reaches both sums has everyone at their own best, so there the largest weekend figure bounds the most weekend
days anyone works. CP-SAT's own bound for the weighted objective is far weaker (on the shared trust benchmark it
stays well below these, which the engine reaches: docs/benchmarks.md).

The bounds hold for the candidate work the engine's model offers (rota.constraints). On trust-12-services a model
with every quarter-hour shift and check gives the same figures.
"""

import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota import constraints
from rota.domain import Assignment, Problem, Staff
from rota.score import Score


@dataclass(frozen=True)
class PersonBound:
    """The best one person's own rules allow, each figure at the best of the ones before it."""

    staff: str
    contract_short_minutes: int
    preference_penalty: int
    weekend_days: int  # history included
    proven: bool  # False when time ran out first: the figures are then only what could be proven, still bounds


@dataclass(frozen=True)
class Bounds:
    """Lower bounds for a whole rota, from every person's own best."""

    problem: Problem
    people: dict[str, PersonBound]

    @property
    def complete(self) -> bool:
        """Everyone's own best was worked out in the time (else some count at nothing, still a bound)."""
        return all(bound.proven for bound in self.people.values())

    @property
    def contract_short_minutes(self) -> int:
        """No rota leaves fewer contract minutes short."""
        return sum(bound.contract_short_minutes for bound in self.people.values())

    @property
    def preference_penalty(self) -> int:
        """No rota with the least contract shortfall misses fewer preference points."""
        return sum(bound.preference_penalty for bound in self.people.values())

    @property
    def max_weekend_days(self) -> int:
        """No rota reaching both sums above has anyone on fewer weekend days at most than this."""
        return max((bound.weekend_days for pid, bound in self.people.items()
                    if self.problem.staff[pid].role != "volunteer"), default=0)

    def weekend_bound(self, contract_short_minutes: int, preference_penalty: int) -> int:
        """The fewest weekend days the worst-off non-volunteer can have in a rota with these two figures."""
        if (contract_short_minutes, preference_penalty) == (self.contract_short_minutes, self.preference_penalty):
            return self.max_weekend_days
        return max((self.problem.past(pid).weekend_days for pid, person in self.problem.staff.items()
                    if person.role != "volunteer"), default=0)

    def busiest_weekends(self) -> list[Staff]:
        """The people whose own rules and wishes need the most weekend days (the reason for max_weekend_days)."""
        most = self.max_weekend_days
        if most == 0:
            return []
        return [self.problem.staff[pid] for pid, bound in self.people.items()
                if bound.weekend_days == most and self.problem.staff[pid].role != "volunteer"]


def person_bounds(problem: Problem, deadline: float, extra: Iterable[Assignment] = (),
                  stop: threading.Event | None = None) -> Bounds:
    """Every person's own best among the candidate work of the engine's model (rota.constraints.build, with `extra`
    as its extra shifts), worked out one by one until `deadline` (time.monotonic()) or until `stop` is set; anyone
    not reached by then counts with no contract shortfall, no preference points and the weekend days already
    worked."""
    like = constraints.RotaModel(problem=problem, step=constraints.time_step(problem))
    extra = tuple(extra)
    people = {}
    for person in problem.staff.values():
        if time.monotonic() < deadline and not (stop and stop.is_set()):
            people[person.id] = _person_bound(problem, person, like, deadline, extra)
        else:
            people[person.id] = PersonBound(person.id, 0, 0, problem.past(person.id).weekend_days, False)
    return Bounds(problem, people)


def _person_bound(problem: Problem, person: Staff, like: constraints.RotaModel, deadline: float,
                  extra: tuple[Assignment, ...]) -> PersonBound:
    past = problem.past(person.id).weekend_days
    if not person.preferences and person.contract.min_hours_week <= 0:
        return PersonBound(person.id, 0, 0, past, True)  # nothing asked of them: a rota without them is their best
    rm = constraints.build_person(problem, person.id, like, extra)
    # One solve, the three figures weighted so each strictly outranks the next: three solves in turn take about twice
    # as long (docs/benchmarks.md).
    weekend_weight = 1
    preference_weight = weekend_weight * (problem.days + past + 1)
    contract_weight = preference_weight * (sum(p.weight for p in person.preferences) * problem.days + 1)
    objectives = rm.objectives
    rm.model.minimize(contract_weight * objectives["contract_short_minutes"]
                      + preference_weight * objectives["preference_penalty"]
                      + weekend_weight * objectives["max_weekend_days"])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, deadline - time.monotonic())
    solver.parameters.num_workers = 1
    if solver.solve(rm.model) != cp_model.OPTIMAL:
        # Out of time: what was proven still bounds the shortfall; the later figures rest on it, so they stay at
        # their trivial bounds.
        return PersonBound(person.id, max(0, math.floor(solver.best_objective_bound / contract_weight)), 0, past,
                           False)
    value = round(solver.objective_value)
    return PersonBound(person.id, value // contract_weight, value % contract_weight // preference_weight,
                       value % preference_weight // weekend_weight, True)


def summary(bounds: Bounds, reached: Score, minutes: Callable[[int], str] = lambda m: f"{m} minutes") -> list[str]:
    """How far a rota's contract shortfall, preference points and worst-off weekend figure are from the best any
    rota could do, in plain words (`minutes` says a length of time, e.g. "5 h"). Each figure is only compared once
    the ones before it are at their bounds (the later bounds hold only there), and a figure that is zero and could
    be nothing else goes unsaid."""
    lines = []
    for label, say, floor, found, least in (
            ("Contract hours", lambda n: f"{minutes(n)} short", lambda n: f"be less than {minutes(n)} short",
             reached.contract_short_minutes, bounds.contract_short_minutes),
            ("Preferences", lambda n: f"{n} point{'' if n == 1 else 's'} missed", lambda n: f"have fewer than {n}",
             reached.preference_penalty, bounds.preference_penalty)):
        if found == least and found > 0:
            lines.append(f"{label}: {say(found)}, the fewest possible (everyone's own best, added up).")
        elif found > least:
            lines.append(f"{label}: {say(found)}; no rota can {floor(least)}." if least else
                         f"{label}: {say(found)}; everyone's own rules would allow none." if bounds.complete else
                         f"{label}: {say(found)}; the least possible was not worked out in the time.")
        if found > least:
            return lines
    least = bounds.weekend_bound(reached.contract_short_minutes, reached.preference_penalty)
    busiest = _names([person.name for person in bounds.busiest_weekends()])
    if least and busiest:
        why = f"{busiest} cannot have fewer without missing weekends already worked, contract hours or own wishes"
        if reached.max_weekend_days == least:
            lines.append(f"Weekends: nobody works more than {least} weekend days, the fewest possible at those "
                         f"preferences ({why}).")
        else:
            lines.append(f"Weekends: the most anyone works is {reached.max_weekend_days} weekend days; at those "
                         f"preferences it cannot be fewer than {least} ({why}).")
    return lines


def _names(names: list[str], most: int = 4) -> str:
    """An English list of names: "A", "A and B", "A, B and C", or the first few and how many others."""
    if len(names) > most:
        names = [*names[:most - 1], f"{len(names) - most + 1} others"]
    return " and ".join(names) if len(names) < 3 else f"{', '.join(names[:-1])} and {names[-1]}"
