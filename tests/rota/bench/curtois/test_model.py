"""The CP-SAT model of a Curtois & Qu instance, in both its forms, against the independent checker."""

from hypothesis import given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from rota import cpsat
from rota.bench.curtois.check import broken_rules
from rota.bench.curtois.instance import parse_instance
from rota.bench.curtois.model import build_model


@settings(max_examples=80, deadline=None)
@given(row=st.lists(st.booleans(), min_size=9, max_size=9), longest=st.integers(1, 4), shortest=st.integers(1, 3),
       rest=st.integers(1, 3))
def test_both_models_of_the_runs_rules_accept_exactly_the_rows_the_checker_accepts(row, longest, shortest, rest):
    """The rule-by-rule model (the plain model's) and the model of stretches (the engine's) against the independent
    checker, on one employee's nine days with any limits on runs of work and rest."""
    instance = parse_instance("\n".join([
        "SECTION_HORIZON", "9", "SECTION_SHIFTS", "D,480,",
        "SECTION_STAFF", f"A,D=9,9999,0,{longest},{shortest},{rest},9",
        "SECTION_COVER", "0,D,1,100,1"]), "runs")
    worked = {"A": ["D" if w else "-" for w in row]}
    valid = broken_rules(instance, worked) == []
    for stretches in (False, True):
        m = build_model(instance, stretches=stretches)
        fixed = m.model.clone()
        for (eid, day, shift), variable in m.x.items():
            cpsat.fix(fixed, variable, int(worked[eid][day] == shift))
        status = cp_model.CpSolver().solve(fixed)
        assert (status == cp_model.OPTIMAL) == valid, (stretches, broken_rules(instance, worked))
