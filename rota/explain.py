"""Why a rota leaves a window uncovered, in words a team manager can act on.

For each uncovered window (rota.score.uncovered_gaps) and each person whose role could fill it,
every shift that would cover part of the window is checked against the hard rules with the rest
of the rota as it stands (rota.construct.Builder.broken_rules). A small CP-SAT model then finds,
per person, the smallest set of rules that together rule out every such shift: "on leave" when
that alone explains it, "not available then and at their weekly hours limit" when it takes both.
People whose rules allow part of the window are named too: a manager can add that shift by hand.
"""

from collections import Counter
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota.construct import Builder, candidate_shifts
from rota.domain import Problem, Reason, Rota
from rota.scenario import format_time
from rota.score import Gap, uncovered_gaps

ROLE_NAMES = {"clinical": "clinical moderator", "non_clinical": "non-clinical moderator", "peer": "peer moderator",
              "champion": "digital champion", "volunteer": "volunteer"}
# Ties between equally small sets of rules go to the plainer reason: the order of Reason.
REASON_ORDER = {reason: i for i, reason in enumerate(Reason)}


@dataclass(frozen=True)
class Unmet:
    """One uncovered window of a standard, with why nobody eligible could fill it."""

    gap: Gap
    needs: str  # "Eating disorders, Sat 27 Mar 17:00-22:00: needs 1 digital champion or volunteer"
    blocked: dict[str, tuple[Reason, ...]]  # person id -> the smallest set of rules that stops them
    could: tuple[str, ...]  # ids of people whose rules allow part of the window
    names: dict[str, str]  # person id -> name, for the people above

    def summary(self) -> str:
        """The reasons counted: "3 on leave, 2 at their weekend limit"."""
        counts = Counter(self.blocked.values())
        # People without the training are listed last: they are rarely the answer a manager needs.
        parts = [f"{n} {' and '.join(reason.value for reason in reasons)}"
                 for reasons, n in sorted(counts.items(), key=lambda item: (Reason.NOT_TRAINED in item[0],
                                                                            -item[1], _rank(item[0])))]
        if self.could:
            # Shifts the optimiser's patterns leave out (a second block the same day, a check off the half hour).
            parts.append(f"{len(self.could)} could still take part of it by the rules "
                         f"({', '.join(self.names[pid] for pid in self.could)})")
        return ", ".join(parts) if parts else "nobody in the team has that role"

    def __str__(self) -> str:
        return f"{self.needs}; {'none' if not self.could else 'not all'} available: {self.summary()}"


def _rank(reasons: tuple[Reason, ...]) -> tuple:
    return tuple(REASON_ORDER[reason] for reason in reasons)


def roles_in_words(roles) -> str:
    """A set of roles as "digital champion, peer moderator or volunteer"."""
    names = sorted(ROLE_NAMES.get(role, role) for role in roles)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def describe_gap(problem: Problem, gap: Gap) -> str:
    """What the window needs: "Eating disorders, Sat 27 Mar 17:00–22:00: needs 1 volunteer"."""
    service = problem.services[gap.service]
    when = f"{problem.date_of(gap.day):%a %d %b} {format_time(gap.start)}–{format_time(gap.end)}"
    roles = roles_in_words(gap.roles)
    if gap.kind == "presence":
        need = f"needs {gap.missing} {roles} on duty"
    elif gap.kind == "missing checks":
        need = f"needs {gap.missing} more check{'s' if gap.missing > 1 else ''} by a {roles}"
    else:
        need = (f"{gap.uncovered_minutes} minutes past the {service.checks.max_gap // 60:g}-hour limit between "
                f"checks; needs a check by a {roles} in between")
    return f"{service.name}, {when}: {need}"


def smallest_blocking_rules(reason_sets: dict[str, set[frozenset[Reason]]]) -> dict[str, tuple[Reason, ...] | None]:
    """Per person, the fewest rules that break every one of their candidate shifts (None: a shift breaks none).

    Each candidate shift is a set of the rules it breaks; a set of rules explains the person when it
    meets every candidate's set: a minimum hitting set, which CP-SAT solves exactly (a few rules a person).
    """
    model = cp_model.CpModel()
    chosen: dict[tuple[str, Reason], cp_model.IntVar] = {}
    free = set()
    for person, sets in reason_sets.items():
        if frozenset() in sets:
            free.add(person)
            continue
        for broken in sets:
            for reason in broken:
                if (person, reason) not in chosen:
                    chosen[(person, reason)] = model.new_bool_var(f"blames[{person},{reason.name}]")
            model.add_bool_or([chosen[(person, reason)] for reason in broken])
    # Fewest rules first; among equally few, the plainer reasons.
    model.minimize(sum((len(Reason) + REASON_ORDER[reason]) * var for (_, reason), var in chosen.items()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 10
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # cannot happen: every rule chosen is a solution
        raise RuntimeError(f"explanation model: {solver.status_name(status)}")
    result: dict[str, tuple[Reason, ...] | None] = {person: None for person in free}
    for (person, reason), var in chosen.items():
        if solver.boolean_value(var):
            result[person] = tuple(sorted((*(result.get(person) or ()), reason), key=REASON_ORDER.get))
    return result


def explain_gap(problem: Problem, builder: Builder, gap: Gap) -> Unmet:
    """Why nobody whose role fits covers this window, given the rest of the rota in the builder."""
    reason_sets: dict[str, set[frozenset[Reason]]] = {}
    for person in problem.staff.values():
        if person.role not in gap.roles:
            continue
        reason_sets[person.id] = {frozenset(builder.broken_rules(person, gap.service, gap.day, start, end))
                                  for start, end in candidate_shifts(problem, person, gap, problem.rules.granularity)}
    blocking = smallest_blocking_rules(reason_sets)
    return Unmet(gap=gap, needs=describe_gap(problem, gap),
                 blocked={pid: reasons for pid, reasons in blocking.items() if reasons is not None},
                 could=tuple(sorted(pid for pid, reasons in blocking.items() if reasons is None)),
                 names={pid: problem.staff[pid].name for pid in blocking})


def explain(problem: Problem, rota: Rota, gaps: list[Gap] | None = None) -> list[Unmet]:
    """Every uncovered window of the rota (or the given ones), each explained."""
    builder = Builder(problem, problem.rules.granularity)
    builder.give_rota(rota)
    return [explain_gap(problem, builder, gap) for gap in (uncovered_gaps(problem, rota) if gaps is None else gaps)]
