"""What the rota pages show: the draft page's cover of each service by day, as a timeline and in words."""

from collections import defaultdict
from dataclasses import dataclass

from console.rotas.versions import Review
from console.words import duration
from rota.domain import Kind
from rota.scenario import format_time


@dataclass(frozen=True)
class Bar:
    """A stretch of one service's day on the coverage timeline."""

    start: int
    end: int
    kind: str  # "covered", "uncovered" or "check"


@dataclass(frozen=True)
class DayCover:
    """One service's day: bars for the timeline, and the same in words."""

    bars: list[Bar]
    uncovered: list[str]  # what is missing, in words; empty when the standard is met
    checks: str = ""  # for a checks standard: "4 of 4 checks; longest gap 3 h 30 min"

    @property
    def summary(self) -> str:
        """The day in words, for everyone (the timeline is a picture of it)."""
        return "; ".join([*([self.checks] if self.checks else []), *self.uncovered]) or "Covered"


def _checks_in_words(checks, starts: list[int]) -> str:
    """How a day's checks stand against the standard: "3 of 4 checks; longest gap 5 h"."""
    points = [checks.window_start, *sorted(starts), checks.window_end]
    longest = max(later - earlier for earlier, later in zip(points, points[1:], strict=False))
    return f"{len(starts)} of {checks.per_day} checks; longest gap {duration(longest)}"


def _minus(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    for hole_start, hole_end in holes:
        spans = [(s, e) for start, end in spans
                 for s, e in ((start, min(end, hole_start)), (max(start, hole_end), end)) if s < e]
    return spans


def coverage_by_service(checked: Review, gaps: list) -> dict[tuple[str, int], DayCover]:
    """(service id, day) -> the day's cover against the standard: covered and uncovered windows, checks done."""
    problem, result = checked.problem, {}
    by_day = defaultdict(list)
    for gap in gaps:
        by_day[(gap.service, gap.day)].append(gap)
    checks = defaultdict(list)
    for a in checked.rota.assignments:
        if a.kind == Kind.CHECK:
            checks[(a.service, a.day)].append(a)
    for slug, service in problem.services.items():
        for day in range(problem.days):
            weekday, missing = problem.date_of(day).weekday(), by_day[(slug, day)]
            needed = sorted({(seg.window.start, seg.window.end) for seg in service.segments_on(weekday)})
            uncovered = [(g.start, g.end) for g in missing if g.kind in ("presence", "check gap")]
            bars = [Bar(s, e, "covered") for s, e in _minus(needed, uncovered)]
            bars += [Bar(s, e, "uncovered") for s, e in uncovered]
            bars += [Bar(a.start, a.end, "check") for a in checks[(slug, day)]]
            words = [f"{format_time(g.start)}-{format_time(g.end)} "
                     + ("nobody on duty" if g.kind == "presence" else "too long without a check")
                     for g in missing if g.kind != "missing checks"]
            in_words = _checks_in_words(service.checks, [a.start for a in checks[(slug, day)]]) \
                if service.checks else ""
            result[(slug, day)] = DayCover(sorted(bars, key=lambda bar: bar.start), words, in_words)
    return result
