"""Small builders for test data, going through the same services the console uses: people and services, the demo
trust's people, drafts and published rotas, and posts signed as the platform signs them."""

import hashlib
import hmac
import json
from datetime import timedelta

import sqlalchemy as sa

from console import demo
from console.accounts import staff_records
from console.accounts.models import StaffMember
from console.accounts.passwords import hash_password
from console.alerts.models import Alert
from console.database import local_today, utcnow
from console.extensions import db
from console.permissions import Role
from console.rotas import problem as problems
from console.rotas import publishing
from console.rotas.models import RotaVersion, Shift
from console.services.models import Service
from console.staffing.models import Contract
from console.services.service import create as create_service
from rota.constraints import time_step
from rota.construct import greedy_rota
from rota.solver import add_on_call

PASSWORD = "correct-horse-battery"


def make_service(name: str = "Eating disorders", slug: str = "eating-disorders", risk_tier: str = "high"):
    """A service, created as an administrator would."""
    return create_service(name=name, slug=slug, risk_tier=risk_tier, area="Berkshire",
                          mailbox=f"{slug}@trust.example.org")


def make_staff(email: str = "alex.moderator@trust.example.org", *, roles=(Role.NON_CLINICAL_MODERATOR,),
               services_=(), password: str | None = PASSWORD, mfa_secret: str | None = None,
               name: str = "Alex Moderator"):
    """A staff member with a password already chosen (unless password=None, as if only invited)."""
    staff = staff_records.create(name=name, email=email, roles=roles, service_ids=[s.id for s in services_], actor=None)
    staff.password_hash = hash_password(password) if password else None
    staff.mfa_secret = mfa_secret
    db.session.commit()
    return staff


# --- The demo trust (tests that ask for demo_data) ----------------------------------------------------------------

PRIYAS_SERVICES = ("eating-disorders", "early-intervention-psychosis", "demo-low")


def next_monday():
    """The Monday after today (London)."""
    today = local_today()
    return today + timedelta(days=7 - today.weekday())


def person(role) -> StaffMember:
    """The demo person who signs in with that role."""
    email = next(p.email for p in demo.demo_logins() if p.role == role)
    return db.session.scalar(sa.select(StaffMember).where(StaffMember.email == email))


def services(*slugs) -> list[Service]:
    """Services by slug, by name."""
    return list(db.session.scalars(sa.select(Service).where(Service.slug.in_(slugs)).order_by(Service.name)))


def service_id_of(app, slug: str) -> int:
    """A service's id, by its slug, in an app context of its own (so a test can build an address outside one)."""
    with app.app_context():
        return services(slug)[0].id


def make_draft(slugs=PRIYAS_SERVICES, start=None) -> int:
    """A draft made by the demo team manager from the engine's greedy rota (valid, and quick to make)."""
    chosen = services(*slugs)
    start = start or next_monday()
    problem = problems.build_problem(chosen, start, 28)
    rota = add_on_call(problem, greedy_rota(problem, time_step(problem)))
    version = RotaVersion(start_date=start, days=28, created_by_id=person(Role.TEAM_MANAGER).id, services=chosen,
                          shifts=problems.shifts_of(rota, problem))
    db.session.add(version)
    db.session.commit()
    return version.id


def draft_without_an_evening() -> tuple[int, object, int, int]:
    """A draft (make_draft) with one of Eating disorders' evening presence shifts taken off: the draft's id, and
    the day, start and end (minutes) of the window it leaves uncovered."""
    version_id = make_draft()
    version = db.session.get(RotaVersion, version_id)
    evening = next(s for s in version.shifts if s.kind == "presence" and s.start_minute >= 17 * 60
                   and s.service.slug == "eating-disorders")
    day, start, end = evening.day, evening.start_minute, evening.end_minute
    version.shifts.remove(evening)
    db.session.commit()
    return version_id, day, start, end


def draft_with_a_minimum_beyond_the_standard() -> tuple[int, object]:
    """A draft of the demo low-risk service (make_draft) whose first Monday's checks are all Sarah Bennett's, 16 of
    them from 08:00 every 45 minutes, with a contract asking for 15 h a week: 6 h more than the standard's 4 checks
    a day need, which only her minimum keeps on the rota. The draft's id and that Monday."""
    version_id = make_draft(("demo-low",))
    version = db.session.get(RotaVersion, version_id)
    sarah, low, monday = person(Role.CLINICAL_MODERATOR), version.services[0], next_monday()
    db.session.get(Contract, sarah.id).min_hours_week = 15
    for shift in [s for s in version.shifts if s.day == monday and s.kind == "check"]:
        version.shifts.remove(shift)
    version.shifts.extend(Shift(staff_id=sarah.id, service_id=low.id, kind="check", day=monday,
                                start_minute=8 * 60 + 45 * k, end_minute=8 * 60 + 45 * k + 30) for k in range(16))
    db.session.commit()
    return version_id, monday


def version_with(slug: str, shifts: list[tuple[int, int, int]], staff_id: int, status: str) -> int:
    """A version of one service's rota from next Monday with one person's presence shifts (day, start, end)."""
    service = services(slug)[0]
    version = RotaVersion(start_date=next_monday(), days=28, created_by_id=person(Role.TEAM_MANAGER).id,
                          services=[service], status=status,
                          published_at=utcnow() if status == "published" else None,
                          approved_at=utcnow() if status == "approved" else None,
                          shifts=[Shift(staff_id=staff_id, service_id=service.id, kind="presence",
                                        day=next_monday() + timedelta(days=day), start_minute=start, end_minute=end)
                                  for day, start, end in shifts])
    db.session.add(version)
    db.session.commit()
    return version.id


def publish_draft(version_id: int) -> None:
    """Approve and publish a draft as the demo owner (with a reason, in case it leaves gaps)."""
    owner = person(Role.OWNER)
    version = db.session.get(RotaVersion, version_id)
    publishing.approve(version, owner, reason="Open shifts are offered for the gaps")
    publishing.publish(version, owner, reason="Open shifts are offered for the gaps")


def period_form(app, start, slugs=PRIYAS_SERVICES, **extra) -> dict:
    """The make-a-rota form for some of Priya's services (all three unless told), four weeks from start."""
    with app.app_context():
        ids = [str(service.id) for service in services(*slugs)]
    return {"services": ids, "start": start.isoformat(), "weeks": "4", **extra}


def publish_with_a_gap() -> Shift:
    """Publish Priya's rota without the demo volunteer's first evening shift; return that shift."""
    version_id = make_draft()
    version = db.session.get(RotaVersion, version_id)
    ella = person(Role.VOLUNTEER)
    gone = next(s for s in version.shifts if s.staff_id == ella.id and s.kind == "presence")
    version.shifts.remove(gone)
    db.session.commit()
    publish_draft(version_id)
    return gone


def overdue_checks_alert(slug: str, subject: str, *, raised_at=None, due: bool = False,
                         target_endpoint: str = "queue.checks_page") -> int:
    """A "checks overdue" alert of a demo service, raised at `raised_at` (now by default), its first step due then
    if `due`; returns its id."""
    alert = Alert(service_id=services(slug)[0].id, kind="checks_missed", subject=subject, summary="Checks overdue.",
                  target_endpoint=target_endpoint, target_args={}, raised_at=raised_at or utcnow())
    alert.next_step_at = alert.raised_at if due else None
    db.session.add(alert)
    db.session.commit()
    return alert.id


# --- Posts from the platform --------------------------------------------------------------------------------------

URL = "/api/v1/services/demo-low/posts"
SECRET = demo.DEMO_INGEST_SECRET


def post_json(client, data, *, secret=SECRET, url=URL, raw: bytes | None = None, signature: str | None = None):
    """POST to the ingest API, signed with the service's secret (or as told)."""
    body = raw if raw is not None else json.dumps(data).encode()
    headers = {"Content-Type": "application/json"}
    if signature is None and secret is not None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    if signature is not None:
        headers["X-Signature"] = signature
    return client.post(url, data=body, headers=headers)


def item(external_id="p-1", body="Had a better day today", **extra) -> dict:
    """A post as the platform sends it."""
    return {"external_id": external_id, "thread_id": "t-1", "kind": "post", "author_pseudonym": "User A",
            "body": body, "created_at": "2026-11-25T14:05:00+00:00", **extra}
