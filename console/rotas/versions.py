"""Rota versions: which ones a manager reaches, how the audit log names one, what the engine's validator and score
make of one against the rota in force (and the other services' work it was checked with), and the drafts waiting to
be published."""

from collections import Counter
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from console.accounts.teams import services_managed_by
from console.errors import NotFound
from console.extensions import db
from console.rotas import problem as problems
from console.rotas.models import RotaVersion, RuleOverride, VersionStatus
from console.services.models import Service
from rota.domain import Problem, Rota
from rota.score import Score, needed_minutes, score, uncovered_gaps
from rota.validate import Violation, validate


def version_target(version: RotaVersion) -> str:
    """How a rota version is named in the audit log."""
    return f"rota_version:{version.id}"


def get_or_raise(viewer, *, version_id: int) -> RotaVersion:
    """A version of a rota the viewer manages, or NotFound."""
    version = db.session.get(RotaVersion, version_id)
    managed = {service.id for service in services_managed_by(viewer)}
    if version is None or not {service.id for service in version.services} <= managed:
        raise NotFound("There is no rota at this address that you manage.")
    return version


@dataclass(frozen=True)
class Review:
    """A version checked by the engine: its problem, rota, score, broken rules and the changes from what is in force."""

    problem: Problem
    rota: Rota
    published: Rota  # the published rota of the version's services and period
    score: Score
    violations: list[Violation]
    added: Counter  # staff id -> shifts added against the published rota
    removed: Counter
    overridden: dict[str, RuleOverride]  # broken soft rules a manager accepted, by the validator's message

    @cached_property
    def needed_minutes(self) -> int:
        """The fewest presence and check minutes a rota covering every standard of the version must have (worked
        out once: the draft page reads it three times)."""
        return needed_minutes(self.problem)

    @property
    def blocking(self) -> list[Violation]:
        """Broken rules that stop approval and publishing: all but the soft ones accepted with a reason."""
        return [v for v in self.violations if v.message not in self.overridden]


def review(version: RotaVersion) -> Review:
    """Check a version with the engine's validator and compare it with the published rota of its period."""
    problem = problems.build_problem(list(version.services), version.start_date, version.days)
    rota = problems.rota_of(version.shifts, problem)
    published = problems.published_rota(problem)
    added, removed = rota.changes_from(published) if version.status != VersionStatus.PUBLISHED.value else ([], [])
    return Review(problem, rota, published, score(problem, rota), validate(problem, rota),
                  Counter(a.staff for a in added), Counter(a.staff for a in removed),
                  {o.message: o for o in version.overrides})


@dataclass(frozen=True)
class Elsewhere:
    """The work people on a rota already have for other services in its period, which it was checked with."""

    services: list[str]
    shifts: int
    people: int


def work_elsewhere(problem: Problem) -> Elsewhere | None:
    """What of other services' rotas a version was planned around and checked with (None when nothing)."""
    committed = [(person.id, c) for person in problem.staff.values() for c in person.committed]
    if not committed:
        return None
    return Elsewhere(sorted({c.where for _, c in committed}), len(committed), len({p for p, _ in committed}))


def uncovered_minutes(checked: Review) -> int:
    """Minutes of the standard a version leaves uncovered."""
    return sum(gap.uncovered_minutes for gap in uncovered_gaps(checked.problem, checked.rota))


def drafts(services: list[Service]) -> list[RotaVersion]:
    """Drafts and approved versions waiting to be published for any of these services, newest first."""
    wanted = {service.id for service in services}
    versions = db.session.scalars(sa.select(RotaVersion).where(RotaVersion.status.in_(
        [VersionStatus.DRAFT.value, VersionStatus.APPROVED.value])).order_by(RotaVersion.id.desc()))
    return [version for version in versions if {s.id for s in version.services} & wanted]
