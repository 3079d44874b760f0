"""Coverage standards by tier, their checks in words, and go-live readiness over the coming 4 weeks."""

from dataclasses import replace

import pytest

from rota.domain import Kind, PresenceSegment, Window
from rota.score import score
from rota.standards import StandardError, check_standard, go_live_readiness, service_for_tier
from tests.rota.builders import person, problem, rota, shift


def test_tier_defaults_follow_the_seed_model():
    low, high = service_for_tier("l1", "Carers", "low"), service_for_tier("h1", "Eating disorders", "high")
    assert (low.checks.per_day, low.checks.max_gap, low.checks.window_start, low.checks.window_end) == (4, 240, 480, 1320)
    assert [(s.window.start, s.window.end, sorted(s.roles)) for s in high.presence] == [
        (480, 1020, ["clinical", "non_clinical"]), (1020, 1320, ["champion", "volunteer"])]
    assert check_standard(low) == [] and check_standard(high) == []
    with pytest.raises(StandardError, match="risk tier must be"):
        service_for_tier("x", "X", "medium")


def test_a_broken_standard_is_described():
    overnight = PresenceSegment(Window(frozenset({0}), 22 * 60, 6 * 60), frozenset({"nurse"}), min=0)
    service = replace(service_for_tier("h1", "Eating disorders", "high"), presence=(overnight,))
    assert check_standard(service) == [
        "presence segment 1 must start before it ends, within one day (no overnight span)",
        "presence segment 1 needs roles from: champion, clinical, non_clinical, peer, volunteer",
        "presence segment 1 needs at least 1 person"]
    crowded = service_for_tier("l1", "Carers", "low")
    crowded = replace(crowded, checks=replace(crowded.checks, per_day=30))
    assert check_standard(crowded) == ["30 checks of 30 minutes do not fit in the checks window"]


def test_a_service_without_evening_cover_cannot_go_live():
    high, low = service_for_tier("h1", "Eating disorders", "high"), service_for_tier("l1", "Carers", "low")
    p = problem([high, low], [person("ann"), person("bob", services=("l1",))], days=28)
    days = range(28)
    r = rota(*(shift("ann", d, 8, 17) for d in days),
             *(shift("bob", d, t, t + 0.5, "l1", Kind.CHECK) for d in days for t in (10, 13, 16, 19)))
    readiness = go_live_readiness(p, r)
    assert readiness["l1"].ready
    assert not readiness["h1"].ready
    assert readiness["h1"].uncovered_minutes == 28 * 5 * 60 == score(p, r).uncovered_minutes
    assert str(readiness["h1"].unmet[0]).startswith(
        "Eating disorders, Mon 22 Mar 17:00-22:00: needs 1 digital champion or volunteer on duty; none available")


def test_a_rota_shorter_than_four_weeks_is_refused():
    p = problem([service_for_tier("l1", "Carers", "low")], [], days=21)
    with pytest.raises(StandardError, match="a rota covers at least 4 weeks; this one covers 3"):
        go_live_readiness(p, rota())
