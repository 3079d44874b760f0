"""A problem too large to search whole is improved a group of services at a time (rota.parts, rota.solver): each
part sees its people's work for the other services as fixed commitments, and the whole rota keeps a part's answer
only when it is valid and better."""

from rota import parts
from rota import solver as solver_module
from rota.construct import greedy_rota
from rota.domain import Contract, Kind, Preference, Window
from rota.score import score
from rota.solver import add_on_call, solve
from rota.validate import validate
from tests.rota.builders import EVERY_DAY, H, high_risk, low_risk, person, problem, rota, shift


def hub():
    """Two high-risk services and a low-risk one; Ann and Ben work in two services each."""
    return problem([high_risk("h1"), high_risk("h2"), low_risk("l1")], [
        person("ann", "clinical", ("h1", "h2")), person("ben", "clinical", ("h2", "l1")),
        person("cat", "clinical", ("h1",)), person("dan", "non_clinical", ("h2",)),
        person("eve", "champion", ("h1",), start=16 * H), person("fay", "champion", ("h2",), start=16 * H),
        person("gus", "clinical", ("l1",)),
    ])


def test_a_part_holds_its_services_and_sees_the_work_for_the_others_as_commitments():
    p = hub()
    whole = rota(shift("ann", 0, 8, 17, "h2"), shift("ann", 1, 8, 17, "h1"), shift("ben", 0, 9, 9.5, "l1", Kind.CHECK),
                 shift("ben", 1, 8, 17, "h2"))
    sub, own = parts.part(p, whole, frozenset({"h1"}))
    assert set(sub.services) == {"h1"} and set(sub.staff) == {"ann", "cat", "eve"}
    assert sub.staff["ann"].services == {"h1"}
    assert [(c.day, c.start, c.end, c.where) for c in sub.staff["ann"].committed] == [(0, 8 * H, 17 * H,
                                                                                        "Eating disorders")]
    assert own.assignments == (shift("ann", 1, 8, 17, "h1"),)
    assert parts.merge(whole, frozenset({"h1"}), rota()).assignments == tuple(
        sorted(a for a in whole.assignments if a.service != "h1"))


def test_a_group_takes_the_services_sharing_most_staff_while_its_model_stays_small_enough():
    p = hub()
    one = parts.units(p, frozenset({"h1"}))
    assert one == 7 * 3  # Ann, Cat and Eve, seven days
    assert parts.group(p, "h1", one) == {"h1"}
    assert parts.group(p, "h1", parts.units(p, frozenset({"h1", "h2"}))) == {"h1", "h2"}, "Ann works in both"
    assert parts.group(p, "h1", parts.units(p)) == {"h1", "h2", "l1"}


def test_a_problem_too_large_to_search_whole_is_improved_a_group_of_services_at_a_time(monkeypatch):
    """As if this machine set models up a hundred times slower: the whole week would take 2.1 s to set up, more
    than half of the 4 s allowed, so the greedy rota is improved a group at a time. Cat would rather not work
    mornings; the greedy rota gives her some (she owes contract hours and is first in line), the part's search
    moves them to Ann, who has room."""
    monkeypatch.setattr(solver_module, "BUILD_SECONDS_PER_UNIT", 0.05)
    monkeypatch.setattr(solver_module, "PART_SECONDS", 3.0)
    monkeypatch.setattr(solver_module, "LEAST_PART_SECONDS", 1.0)
    p = hub()
    mornings = Preference("avoid", Window(EVERY_DAY, 8 * H, 12 * H), 5)
    p.staff["cat"] = person("cat", "clinical", ("h1",), preferences=(mornings,),
                            contract=Contract(min_hours_week=20, max_hours_week=40, max_days_week=7,
                                              max_consecutive_days=7, max_weekends=4))
    first = add_on_call(p, greedy_rota(p, 15))
    assert score(p, first).preference_penalty > 0, "the greedy rota gives Cat mornings"
    reports = []
    result = solve(p, time_limit_s=4, workers=2, on_progress=reports.append)
    assert result.search_skipped_seconds is not None and result.phases == []
    assert [r.seconds for r in reports] == sorted(r.seconds for r in reports) and len(reports) > 2, \
        "time moves on while a part is searched"
    assert reports[0].figures["preference_penalty"] == score(p, first).preference_penalty
    assert reports[-1].figures["preference_penalty"] == result.score.preference_penalty
    assert result.parts_tried >= 1 and result.parts_improved >= 1
    assert validate(p, result.rota) == [] and result.score.uncovered_minutes == 0
    assert result.score < score(p, first) and result.score.preference_penalty < score(p, first).preference_penalty
