"""Coverage standards by tier and their checks in words."""

from dataclasses import replace

import pytest

from rota.domain import PresenceSegment, Window
from rota.standards import StandardError, check_standard, service_for_tier


def test_tier_defaults_follow_the_seed_model():
    low, high = service_for_tier("l1", "Carers", "low"), service_for_tier("h1", "Eating disorders", "high")
    checks = low.checks
    assert (checks.per_day, checks.max_gap, checks.window_start, checks.window_end) == (4, 240, 480, 1320)
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
