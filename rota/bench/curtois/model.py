"""The CP-SAT model of a Curtois & Qu instance: every hard rule as a constraint, the penalty as the objective. The
runs rules (longest and shortest run of work, shortest rest) are stated rule by rule, as a textbook model states them,
or as one path of stretches per employee, whose linear relaxation knows them whole."""

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from rota import cpsat
from rota.bench.curtois.instance import OFF, Employee, Instance, Roster


@dataclass
class RosterModel:
    """The CP-SAT model of an instance and its decisions: x[(employee, day, shift)] is worked."""

    model: cp_model.CpModel
    x: dict[tuple[str, int, str], cp_model.IntVar]
    objective: cp_model.LinearExprT

    def roster(self, instance: Instance, values: list[int]) -> Roster:
        """The roster of a solution (every variable's value by index)."""
        return {eid: [next((s for s in instance.shifts if values[self.x[(eid, d, s)].index]), OFF)
                      for d in range(instance.days)] for eid in instance.employees}

    def values(self, instance: Instance, roster: Roster) -> list[int]:
        """A roster as every variable's value in this model: its shifts fixed, the model's own variables follow from
        them by propagation alone."""
        carried = cpsat.complete(self.model, {var: int(roster[eid][day] == shift)
                                              for (eid, day, shift), var in self.x.items()})
        if carried is None:
            raise RuntimeError(f"{instance.name}: a roster breaks a rule of the model")
        return carried


def _forbid_short_runs(model: cp_model.CpModel, work: list, shortest: int, value: bool) -> None:
    """No run of days with work == value shorter than `shortest`, unless it touches either end of the horizon."""
    days = len(work)
    for length in range(1, shortest):
        for start in range(1, days - length):
            inside = work[start:start + length]
            # Not (edge before, the run, edge after): one of those literals must flip.
            edge = work[start - 1], work[start + length]
            if value:
                model.add_bool_or([edge[0], *(~w for w in inside), edge[1]])
            else:
                model.add_bool_or([~edge[0], *inside, ~edge[1]])


def _stretches(model: cp_model.CpModel, eid: str, employee: Employee, days: int) -> list:
    """Whether the employee works each day, as one path through their days: a path of work stretches (each as long
    as the rules allow) and rest stretches (each at least the shortest rest), in turn. The runs rules then hold by
    construction, and the search's linear relaxation knows them whole (every mix of paths is a mix of rosters that
    keep them), where the rule-by-rule form only forbids one short run at a time."""
    shortest, longest, rest = employee.min_consecutive, employee.max_consecutive, employee.min_days_off
    # Nodes at each boundary b (before day b): "work" (a work stretch starts at b), "rest" (a rest starts at b) and
    # "rested" (rested long enough: more rest, or work from here). Arcs carry one unit of flow from "rested" at 0
    # (a roster may start either way) to the end.
    flow_in, flow_out = defaultdict(list), defaultdict(list)
    covering = defaultdict(list)

    def arc(tail, head, name, worked=range(0)):
        var = model.new_bool_var(f"{name}[{eid}]")
        flow_out[tail].append(var)
        flow_in[head].append(var)
        for d in worked:
            covering[d].append(var)

    end = ("end", days)
    for b in range(days):
        for length in range(1, min(longest, days - b) + 1):
            if length >= shortest or b == 0 or b + length == days:  # a run touching either end may be short
                arc(("work", b), end if b + length == days else ("rest", b + length), f"w{b}+{length}",
                    range(b, b + length))
        arc(("rest", b), end if b + rest >= days else ("rested", b + rest), f"r{b}")
        arc(("rested", b), ("rested", b + 1) if b + 1 < days else end, f"o{b}")
        arc(("rested", b), ("work", b), f"s{b}")
    nodes = set(flow_in) | set(flow_out)
    for node in nodes:
        supply = 1 if node == ("rested", 0) else -1 if node == end else 0
        model.add(sum(flow_out[node]) - sum(flow_in[node]) == supply)
    return [sum(covering[d]) for d in range(days)]


def build_model(instance: Instance, stretches: bool = False) -> RosterModel:
    """Every hard rule as a constraint, the penalty as the objective. The runs rules rule by rule, as a textbook
    model states them, or with `stretches` as paths of stretches (`_stretches`)."""
    model, days, shifts = cp_model.CpModel(), instance.days, instance.shifts
    x = {(e, d, s): model.new_bool_var(f"x[{e},{d},{s}]") for e in instance.employees for d in range(days)
         for s in shifts}
    for eid, employee in instance.employees.items():
        work = []
        path = _stretches(model, eid, employee, days) if stretches else None
        for d in range(days):
            worked = model.new_bool_var(f"work[{eid},{d}]")
            model.add(sum(x[(eid, d, s)] for s in shifts) == worked)
            if path is not None:
                model.add(path[d] == worked)
            work.append(worked)
            if d in instance.days_off.get(eid, ()):
                model.add(worked == 0)
            if d + 1 < days:
                for s in shifts:
                    for t in instance.cannot_follow[s]:
                        model.add_bool_or([~x[(eid, d, s)], ~x[(eid, d + 1, t)]])
        for s in shifts:
            model.add(sum(x[(eid, d, s)] for d in range(days)) <= employee.max_shifts.get(s, days))
        total = sum(instance.minutes[s] * x[(eid, d, s)] for d in range(days) for s in shifts)
        model.add_linear_constraint(total, employee.min_minutes, employee.max_minutes)
        if path is None:
            for start in range(days - employee.max_consecutive):
                model.add(sum(work[start:start + employee.max_consecutive + 1]) <= employee.max_consecutive)
            _forbid_short_runs(model, work, employee.min_consecutive, True)
            _forbid_short_runs(model, work, employee.min_days_off, False)
        weekends = []
        for w in range(days // 7):
            weekend = model.new_bool_var(f"weekend[{eid},{w}]")
            model.add_max_equality(weekend, [work[7 * w + 5], work[7 * w + 6]])
            weekends.append(weekend)
        model.add(sum(weekends) <= employee.max_weekends)
    terms = [r.weight * (1 - x[(r.employee, r.day, r.shift)]) for r in instance.on_requests]
    terms += [r.weight * x[(r.employee, r.day, r.shift)] for r in instance.off_requests]
    for c in instance.cover:
        have = sum(x[(e, c.day, c.shift)] for e in instance.employees)
        short = model.new_int_var(0, c.requirement, f"under[{c.day},{c.shift}]")
        extra = model.new_int_var(0, len(instance.employees), f"over[{c.day},{c.shift}]")
        model.add(have + short - extra == c.requirement)
        terms += [c.under * short, c.over * extra]
    objective = sum(terms)
    model.minimize(objective)
    return RosterModel(model, x, objective)
