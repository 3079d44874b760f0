"""Large neighbourhood search over a CP-SAT model, shared by the moderation engine and the Curtois & Qu model.

Each round frees a few of the model's decisions (the rest stay as in the best solution so far), and CP-SAT
solves that small model from the best solution as its hint. Which decisions a round frees is the caller's: a
`pick` function returns a predicate over the decisions' keys, or None when there is nothing left to aim at.
An `Adaptive` size per kind of neighbourhood grows while rounds are solved to the end within their time and
shrinks while they are not (as CP-SAT's own neighbourhoods do), so rounds stay small enough to finish and large
enough to matter.
"""

import random
import threading
import time
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from rota import cpsat

Free = Callable[[Hashable], bool]
Pick = Callable[[list[int], int], Free | None]


@dataclass
class Outcome:
    """How a round went, for the neighbourhoods that learn from it."""

    proven: bool  # CP-SAT finished the neighbourhood within the round's time: it holds nothing better
    improved: bool


def search(model: cp_model.CpModel, decisions: Mapping[Hashable, cp_model.IntVar], solved: list[int], value: int,
           pick: Pick, deadline: float, workers: int, stop: threading.Event,
           improved: Callable[[int, list[int]], None], *, objective: cp_model.LinearExprT | None = None,
           round_seconds: float = 3.0, accept_equal: bool = False, learn: Callable[[Outcome], None] | None = None,
           parameters: Mapping[str, object] | None = None, quiet_rounds: int | None = None) -> tuple[list[int], int]:
    """Neighbourhood search from `solved` (every variable's value by index, whose objective is `value`) until the
    deadline, `stop`, or `pick` has nothing left; returns the best solution found and its value, and passes each
    better value and solution to `improved` as it is found. `objective` replaces the model's own in every round;
    `accept_equal` moves to a different solution of the same value, so the next rounds look somewhere new;
    `parameters` are CP-SAT's, for every round; the search gives up after `quiet_rounds` rounds in a row that found
    nothing better."""
    best = solved
    rounds = quiet = 0
    while not stop.is_set() and deadline - time.monotonic() > min(1.0, round_seconds) and \
            (quiet_rounds is None or quiet < quiet_rounds):
        free = pick(best, rounds)
        if free is None:
            break
        rounds += 1
        sub = model.clone()
        cpsat.fix_all(sub, ((variable, best[variable.index]) for key, variable in decisions.items() if not free(key)))
        cpsat.hint_all(sub, best)
        if objective is not None:
            sub.minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.1, min(round_seconds, deadline - time.monotonic()))
        solver.parameters.num_workers = workers
        cpsat.configure(solver, parameters or {})
        status = solver.solve(sub)
        better = status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and round(solver.objective_value) < value
        if better or (accept_equal and status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
                      and round(solver.objective_value) == value):
            best = cpsat.solution_values(solver)
        quiet = 0 if better else quiet + 1
        if better:
            value = round(solver.objective_value)
            improved(value, best)
        if learn is not None:
            learn(Outcome(proven=status in (cp_model.OPTIMAL, cp_model.INFEASIBLE), improved=better))
    return best, value


@dataclass
class Adaptive:
    """The share of its decisions a kind of neighbourhood frees: up after a round CP-SAT finished, down after one it
    did not, within [least, most]."""

    share: float
    least: float = 0.01
    most: float = 1.0
    step: float = 1.15

    def learn(self, outcome: Outcome) -> None:
        self.share = min(self.most, self.share * self.step) if outcome.proven else \
            max(self.least, self.share / self.step)

    def count(self, of: int) -> int:
        """How many of `of` things to free (at least one)."""
        return max(1, min(of, round(self.share * of)))


@dataclass
class Rotation:
    """Takes turns between kinds of neighbourhood, each with its own adaptive size; `pick` and `learn` go to the
    search above."""

    kinds: dict[str, Callable[[list[int], Adaptive, random.Random], Free | None]]
    sizes: dict[str, Adaptive]
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    last: str | None = None

    def pick(self, values: list[int], round_: int) -> Free | None:
        names = list(self.kinds)
        for turn in range(len(names)):
            self.last = names[(round_ + turn) % len(names)]
            free = self.kinds[self.last](values, self.sizes[self.last], self.rng)
            if free is not None:
                return free
        return None

    def learn(self, outcome: Outcome) -> None:
        if self.last is not None:
            self.sizes[self.last].learn(outcome)
