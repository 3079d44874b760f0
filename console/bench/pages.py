"""Page speed benchmark: `python -m console.bench.pages` (figures go in docs/benchmarks.md, not in timed tests).

Builds a trust of 120 rostered staff over 12 services (6 high-risk, 6 low-risk) in a fresh, migrated SQLite
file, with a published 4-week rota and a draft of the next 4 weeks, and a person with a year of published
shifts.
Then it times, through the real app and a signed-in test client (server time, no network):

- the draft page: the 4-week grid of 120 people by days, services by time of day, every rule checked;
- "My shifts" of a volunteer, open shifts included;
- building one person's calendar feed holding a year of shifts.

Each is run `--repeat` times after one warm-up; the median and slowest are printed in milliseconds.
"""

import argparse
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import flask_migrate

from console import create_app
from console.accounts.models import StaffMember
from console.accounts.passwords import hash_password
from console.extensions import db
from console.permissions import Role
from console.rotas import calendar
from console.rotas import problem as problems
from console.rotas.models import RotaVersion, Shift, VersionStatus
from console.staffing.models import AvailabilityWindow, Contract
from console.services.models import Service
from rota.constraints import time_step
from rota.construct import greedy_rota
from rota.solver import add_on_call

PASSWORD = "benchmark-password-1"
SERVICES = 12
# 120 people: the mix of a trust's moderators (clinical, non-clinical, peers, champions, volunteers).
MIX = [(Role.CLINICAL_MODERATOR, 30), (Role.NON_CLINICAL_MODERATOR, 30), (Role.PEER_MODERATOR, 20),
       (Role.DIGITAL_CHAMPION, 20), (Role.VOLUNTEER, 20)]
HOURS = {Role.CLINICAL_MODERATOR: (8, 22), Role.NON_CLINICAL_MODERATOR: (8, 20), Role.PEER_MODERATOR: (9, 20),
         Role.DIGITAL_CHAMPION: (12, 22), Role.VOLUNTEER: (17, 22)}


def _monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def build_trust(start: date) -> tuple[int, int, int]:
    """The trust, a published rota from start, a draft after it and a year of a clinician's shifts; returns
    (manager id, draft id, volunteer id)."""
    services = [Service(name=f"Service {i + 1}", slug=f"service-{i + 1}", risk_tier="high" if i < 6 else "low",
                        area="Bench", mailbox=f"service-{i + 1}@bench.example.org") for i in range(SERVICES)]
    db.session.add_all(services)
    manager = StaffMember(name="Bench Manager", email="manager@bench.example.org",
                          password_hash=hash_password(PASSWORD))
    manager.roles, manager.services = [Role.TEAM_MANAGER], services
    db.session.add(manager)
    number = 0
    for role, count in MIX:
        for _ in range(count):
            number += 1
            person = StaffMember(name=f"Person {number:03d}", email=f"person{number}@bench.example.org",
                                 password_hash=hash_password(PASSWORD))
            person.roles = [role]
            person.services = [services[number % SERVICES], services[(number + 1) % SERVICES]]
            db.session.add(person)
            db.session.flush()
            first, last = HOURS[role]
            db.session.add(Contract(staff_id=person.id, max_hours_week=37.5 if role != Role.VOLUNTEER else 10))
            db.session.add_all(AvailabilityWindow(staff_id=person.id, weekday=d, start_minute=first * 60,
                                                  end_minute=last * 60) for d in range(7))
    db.session.commit()
    versions = []
    for offset, status in ((0, VersionStatus.PUBLISHED), (28, VersionStatus.DRAFT)):
        problem = problems.build_problem(services, start + timedelta(days=offset), 28)
        rota = add_on_call(problem, greedy_rota(problem, time_step(problem)))
        version = RotaVersion(start_date=problem.start, days=28, created_by_id=manager.id, services=services,
                              status=status.value, shifts=problems.shifts_of(rota, problem),
                              published_at=db.func.now() if status == VersionStatus.PUBLISHED else None)
        db.session.add(version)
        db.session.commit()
        versions.append(version)
    volunteer = next(p for p in problems.rostered_staff(services) if Role.VOLUNTEER in p.roles)
    return manager.id, versions[1].id, volunteer.id


def year_of_shifts(service_id: int, staff_id: int, manager_id: int, start: date) -> None:
    """A published year of five day shifts a week for one person who subscribes to their calendar, every one in
    it."""
    shifts = [Shift(staff_id=staff_id, service_id=service_id, kind="presence", day=start + timedelta(days=d),
                    start_minute=8 * 60, end_minute=17 * 60) for d in range(365) if d % 7 < 5]
    version = RotaVersion(start_date=start, days=365, created_by_id=manager_id, status="published",
                          published_at=db.func.now(), services=[db.session.get(Service, service_id)], shifts=shifts)
    db.session.add(version)
    db.session.commit()
    calendar.new_token(db.session.get(StaffMember, staff_id))  # events are kept rendered for subscribers
    calendar.sync_events(staff_ids=[staff_id], start=start, last=start + timedelta(days=364))
    db.session.commit()


def timed(action, repeat: int) -> tuple[float, float]:
    """Median and slowest wall time of an action in milliseconds, after one warm-up run."""
    action()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        action()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    """Build the trust, time the pages, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="console-bench-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}", "WTF_CSRF_ENABLED": False,
                      "TASK_QUEUE_URL": f"sqlite:///{folder / 'tasks.db'}", "SECRET_KEY": "bench", "MAIL_SERVER": "",
                      "RATELIMIT_ENABLED": False})
    start = _monday(date.today())
    with app.app_context():
        flask_migrate.upgrade()
        manager_id, draft_id, volunteer_id = build_trust(start)
        clinician = next(p for p in problems.rostered_staff(db.session.get(RotaVersion, draft_id).services)
                         if Role.CLINICAL_MODERATOR in p.roles)
        year_of_shifts(clinician.services[0].id, clinician.id, manager_id, start + timedelta(days=56))
        emails = {"manager": db.session.get(StaffMember, manager_id).email,
                  "volunteer": db.session.get(StaffMember, volunteer_id).email}
        shifts = db.session.query(Shift).filter(Shift.version_id == draft_id).count()
        clinician_id = clinician.id

    def signed_in(who: str):
        client = app.test_client()
        response = client.post("/auth/login", data={"email": emails[who], "password": PASSWORD})
        assert response.status_code == 302 and response.headers["Location"] == "/", "sign-in failed"
        return client

    def page(client, path: str):
        def fetch():
            response = client.get(path)
            assert response.status_code == 200, f"{path}: {response.status_code}"
        return fetch

    manager, volunteer = signed_in("manager"), signed_in("volunteer")
    print(f"120 rostered staff, {SERVICES} services, draft of 28 days with {shifts} shifts (SQLite)")
    for name, action in [("draft page, 4-week grid of 120 people", page(manager, f"/rota/versions/{draft_id}")),
                         ("My shifts with open shifts (volunteer)", page(volunteer, "/rota/mine"))]:
        median, worst = timed(action, args.repeat)
        print(f"{name}: median {median:.0f} ms, slowest {worst:.0f} ms")
    with app.app_context():
        person = db.session.get(StaffMember, clinician_id)
        events = len(calendar.feed(person).split(b"BEGIN:VEVENT")) - 1
        median, worst = timed(lambda: calendar.feed(db.session.get(StaffMember, clinician_id)), args.repeat)
    print(f"calendar feed with a year of shifts ({events} events): median {median:.1f} ms, slowest {worst:.1f} ms")


if __name__ == "__main__":
    main()
