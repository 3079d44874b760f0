"""A problem too large to model whole (a regional hub's quarter: 36 services, 695 people, 84 days) is improved a
part at a time: a group of services that share staff, with everyone's work for the other services fixed as
commitments (rota.domain.Commitment), which count towards their contract limits, rest and weekends exactly as work
published for another service does. The engine solves the part from the rota's own work for those services, and
the whole rota keeps the part's answer only if it is valid and scores better (rota.solver).
"""

from collections import Counter
from dataclasses import replace

from rota.domain import Commitment, Problem, Rota
from rota.score import WORK_KINDS, unmet_preferences


def units(problem: Problem, services: frozenset[str] | None = None) -> int:
    """What setting up the model grows with: days times, for each person, the services (of `services`, or all) they
    are trained for."""
    return problem.days * sum(len(person.services if services is None else person.services & services)
                              for person in problem.staff.values())


def seeds(problem: Problem, rota: Rota) -> list[str]:
    """Services in the order their parts are worth solving: most unmet preference points among the people trained
    for them first (the greedy rota covers everything; wishes are what it leaves), then by id."""
    missed = Counter()
    for staff, preference, _day in unmet_preferences(problem, rota):
        for service in problem.staff[staff].services:
            missed[service] += preference.weight
    return sorted(problem.services, key=lambda service: (-missed[service], service))


def group(problem: Problem, seed: str, most_units: int) -> frozenset[str]:
    """The seed service and then, one at a time, the service sharing the most staff with the group so far, while
    the group's model stays within `most_units` (the seed alone at least)."""
    chosen = frozenset({seed})
    while True:
        shared = Counter(service for person in problem.staff.values() if person.services & chosen
                         for service in person.services - chosen)
        for service, _count in sorted(shared.items(), key=lambda item: (-item[1], item[0])):
            if units(problem, chosen | {service}) <= most_units:
                chosen |= {service}
                break
        else:
            return chosen


def part(problem: Problem, rota: Rota, services: frozenset[str]) -> tuple[Problem, Rota]:
    """The problem of the services alone, and the rota's work for them: the people trained for any of them, each
    with their work for the other services as commitments."""
    names = {service.id: service.name for service in problem.services.values()}
    elsewhere: dict[str, list[Commitment]] = {}
    for a in rota.assignments:
        if a.service not in services and a.kind in WORK_KINDS:
            elsewhere.setdefault(a.staff, []).append(Commitment(a.day, a.start, a.end, names[a.service]))
    staff = {pid: replace(person, services=person.services & services,
                          committed=person.committed + tuple(sorted(elsewhere.get(pid, []),
                                                                    key=lambda c: (c.day, c.start))))
             for pid, person in problem.staff.items() if person.services & services}
    sub = replace(problem, name=f"{problem.name} ({', '.join(sorted(services))})",
                  services={sid: problem.services[sid] for sid in sorted(services)}, staff=staff,
                  history={pid: past for pid, past in problem.history.items() if pid in staff})
    return sub, only(rota, services)


def only(rota: Rota, services: frozenset[str]) -> Rota:
    """The rota's work for the services."""
    return Rota(tuple(a for a in rota.assignments if a.service in services))


def merge(rota: Rota, services: frozenset[str], solved: Rota) -> Rota:
    """The rota with its work for the services replaced by a part's answer."""
    return Rota(tuple(sorted((*(a for a in rota.assignments if a.service not in services), *solved.assignments))))
