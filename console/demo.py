"""Demo data: one trust with seven services and about forty staff over every role."""

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from console import crypto
from console.accounts.models import StaffMember
from console.accounts.passwords import hash_password
from console.audit import service as audit
from console.database import local_today, utcnow
from console.extensions import db
from console.permissions import MFA_REQUIRED_ROLES, Role
from console.platform import ingest
from console.queue import reasons, terms
from console.queue.models import IngestSecret
from console.staffing.models import AvailabilityWindow, Contract, StaffPreference
from console.services.models import Service
from escalation_pathways import vault

DOMAIN = "demo-trust.example.org"
DEMO_PASSWORD = "Moderate-Demo-2026"
# Every demo account whose role needs MFA uses this authenticator secret; `flask demo totp` shows its code.
DEMO_TOTP_SECRET = "DEMOCONSOLEMFASECRETFORTESTING23"

# (name, slug, risk tier, area, mailbox local part)
SERVICES = [
    ("Eating disorders", "eating-disorders", "high", "Berkshire", "ed-moderation"),
    ("Early intervention in psychosis", "early-intervention-psychosis", "high", "Berkshire", "eip-moderation"),
    ("Demo low-risk service", "demo-low", "low", "Demo", "demo-moderation"),
    ("Perinatal mental health", "perinatal", "low", "Berkshire West", "perinatal-moderation"),
    ("Carers' support", "carers", "low", "Berkshire East", "carers-moderation"),
    ("Young people's wellbeing", "young-people", "low", "Berkshire", "cyp-moderation"),
    ("Autism and ADHD peer support", "autism-adhd", "low", "Berkshire West", "neuro-moderation"),
]


@dataclass(frozen=True)
class DemoPerson:
    """One demo staff member."""

    name: str
    role: Role
    services: tuple[str, ...]

    @property
    def email(self) -> str:
        """first.last@ the demo trust's domain."""
        return ".".join(self.name.lower().replace("'", "").split()) + "@" + DOMAIN


ALL = tuple(slug for _, slug, *_ in SERVICES)
HIGH = ("eating-disorders", "early-intervention-psychosis")
LOW = tuple(slug for slug in ALL if slug not in HIGH)

# The first person of each role is that role's documented demo login.
PEOPLE = [
    DemoPerson("Amara Okafor", Role.OWNER, ALL),
    DemoPerson("Helen Marsh", Role.CLINICAL_ADMIN, ALL),
    DemoPerson("Tom Reid", Role.NON_CLINICAL_ADMIN, ALL),
    DemoPerson("Priya Shah", Role.TEAM_MANAGER, ("eating-disorders", "early-intervention-psychosis", "demo-low")),
    DemoPerson("Gareth Lloyd", Role.TEAM_MANAGER, ("perinatal", "carers")),
    DemoPerson("Nadia Rahman", Role.TEAM_MANAGER, ("young-people", "autism-adhd")),
    DemoPerson("Sarah Bennett", Role.CLINICAL_MODERATOR, HIGH + ("demo-low",)),
    DemoPerson("Daniel Cho", Role.CLINICAL_MODERATOR, HIGH),
    DemoPerson("Fiona Gallagher", Role.CLINICAL_MODERATOR, ("eating-disorders", "perinatal")),
    DemoPerson("Kwame Asante", Role.CLINICAL_MODERATOR, ("early-intervention-psychosis", "young-people")),
    DemoPerson("Rachel Green", Role.CLINICAL_MODERATOR, ("carers", "autism-adhd", "demo-low")),
    DemoPerson("Imran Patel", Role.CLINICAL_MODERATOR, ("eating-disorders",)),
    DemoPerson("Laura Evans", Role.CLINICAL_MODERATOR, ("young-people", "perinatal")),
    DemoPerson("Mark Thompson", Role.CLINICAL_MODERATOR, ("early-intervention-psychosis",)),
    DemoPerson("Chloe Davies", Role.NON_CLINICAL_MODERATOR, HIGH + ("demo-low",)),
    DemoPerson("Ben Walker", Role.NON_CLINICAL_MODERATOR, ("eating-disorders", "carers")),
    DemoPerson("Aisha Mohammed", Role.NON_CLINICAL_MODERATOR, ("early-intervention-psychosis", "perinatal")),
    DemoPerson("Oliver Hughes", Role.NON_CLINICAL_MODERATOR, ("young-people", "autism-adhd")),
    DemoPerson("Megan Price", Role.NON_CLINICAL_MODERATOR, ("eating-disorders",)),
    DemoPerson("Sam Turner", Role.NON_CLINICAL_MODERATOR, ("carers", "demo-low")),
    DemoPerson("Jess Morgan", Role.PEER_MODERATOR, ("eating-disorders", "demo-low")),
    DemoPerson("Leon Harris", Role.PEER_MODERATOR, ("early-intervention-psychosis",)),
    DemoPerson("Zara Ali", Role.PEER_MODERATOR, ("perinatal",)),
    DemoPerson("Ryan O'Connor", Role.PEER_MODERATOR, ("young-people",)),
    DemoPerson("Emily Clarke", Role.PEER_MODERATOR, ("carers", "autism-adhd")),
    DemoPerson("Joe Baker", Role.PEER_MODERATOR, ("eating-disorders",)),
    DemoPerson("Hannah Wright", Role.DIGITAL_CHAMPION, HIGH + ("demo-low",)),
    DemoPerson("Dev Kapoor", Role.DIGITAL_CHAMPION, ("eating-disorders",)),
    DemoPerson("Grace Kelly", Role.DIGITAL_CHAMPION, ("early-intervention-psychosis",)),
    DemoPerson("Lewis Scott", Role.DIGITAL_CHAMPION, ("eating-disorders", "young-people")),
    DemoPerson("Maya Jones", Role.DIGITAL_CHAMPION, ("early-intervention-psychosis", "carers")),
    DemoPerson("Owen Phillips", Role.DIGITAL_CHAMPION, ("eating-disorders", "early-intervention-psychosis")),
    DemoPerson("Ella Robinson", Role.VOLUNTEER, HIGH + ("demo-low",)),
    DemoPerson("Callum Wood", Role.VOLUNTEER, ("eating-disorders",)),
    DemoPerson("Sophie King", Role.VOLUNTEER, ("early-intervention-psychosis",)),
    DemoPerson("Yusuf Demir", Role.VOLUNTEER, ("eating-disorders", "perinatal")),
    DemoPerson("Lily Cooper", Role.VOLUNTEER, ("early-intervention-psychosis", "young-people")),
    DemoPerson("Adam Fisher", Role.VOLUNTEER, ("carers",)),
    DemoPerson("Ruby Ward", Role.VOLUNTEER, ("eating-disorders", "autism-adhd")),
    DemoPerson("Nathan Bell", Role.VOLUNTEER, ("early-intervention-psychosis",)),
    DemoPerson("Isla Murray", Role.VOLUNTEER, ("perinatal", "young-people")),
]


# What each moderating role offers in the demo: contract limits, then (weekdays, from, to) of availability.
# Clinicians are available into the evening so they can be on call for the volunteers and peers they supervise.
# Nobody has a minimum: moderation is part of a wider job, so the optimiser rosters only what the standards need.
EVERY_DAY, WEEKDAYS = range(7), range(5)
ROTA_TERMS = {
    Role.CLINICAL_MODERATOR: (dict(max_hours_week=37.5), (EVERY_DAY, 8 * 60, 22 * 60)),
    Role.NON_CLINICAL_MODERATOR: (dict(max_hours_week=37.5), (EVERY_DAY, 8 * 60, 20 * 60)),
    Role.PEER_MODERATOR: (dict(max_hours_week=20, max_days_week=4), (WEEKDAYS, 9 * 60, 20 * 60)),
    Role.DIGITAL_CHAMPION: (dict(max_hours_week=20, max_days_week=4), (EVERY_DAY, 12 * 60, 22 * 60)),
    Role.VOLUNTEER: (dict(max_hours_week=10, max_days_week=3), (EVERY_DAY, 17 * 60, 22 * 60)),
}


def _rota_terms(staff: StaffMember, role: Role) -> list:
    """A demo person's contract, weekly availability, and one preference for the demo's first volunteer."""
    if role not in ROTA_TERMS:
        return []
    limits, (days, start, end) = ROTA_TERMS[role]
    rows = [Contract(staff_id=staff.id, **limits)]
    rows += [AvailabilityWindow(staff_id=staff.id, weekday=day, start_minute=start, end_minute=end) for day in days]
    if role == Role.VOLUNTEER:
        rows.append(StaffPreference(staff_id=staff.id, kind="avoid", weekdays="5,6", start_minute=start,
                                    end_minute=end, weight=1))
    return rows


def demo_logins() -> list[DemoPerson]:
    """The documented demo login of each role, in role order."""
    first_of_role = {}
    for person in PEOPLE:
        first_of_role.setdefault(person.role, person)
    return [first_of_role[role] for role in Role]


def is_empty() -> bool:
    """Whether the database has no services and no staff yet."""
    return not db.session.scalar(sa.select(sa.func.count()).select_from(StaffMember)) and \
        not db.session.scalar(sa.select(sa.func.count()).select_from(Service))


# The README's curl example signs with this; real services get a random secret from their settings page.
DEMO_INGEST_SECRET = "demo-ingest-secret"


# A thread in Eating disorders to try the queue and escalation on, and who its first writer is, kept in the PID
# vault only. Every value is made up: the NHS number is from the range set aside for testing, the phone numbers
# and postcode are from ranges for drama.
DEMO_THREAD = "demo-thread-1"
# Posted this many minutes before the demo is loaded, so a fresh `make run` shows them just in, not days overdue.
DEMO_POSTS = [
    ({"external_id": "demo-1", "thread_id": DEMO_THREAD, "kind": "post", "author_pseudonym": "Willow",
      "body": "I've been skipping meals all week and tonight I just want to die. I don't know who to tell."}, 3),
    ({"external_id": "demo-2", "thread_id": DEMO_THREAD, "kind": "reply", "author_pseudonym": "Maple",
      "body": "Willow, I'm glad you posted. Please talk to the moderators, they can help tonight."}, 1),
]
DEMO_PSEUDONYM = "Willow"
DEMO_IDENTITY = {"name": "Robin Fakename", "date_of_birth": "1994-03-02", "nhs_number": "943 476 5919",
                 "phone": "0118 496 0123", "email": "robin.fakename@example.org", "address": "1 Test Street, Reading",
                 "postcode": "RG1 5AN", "gp_practice": "Demo Street Surgery", "emergency_contact": "Sam Fakename",
                 "emergency_phone": "0118 496 0456"}


def load() -> None:
    """Load the demo trust into an empty database, in one transaction."""
    services = {
        slug: Service(name=name, slug=slug, risk_tier=tier, area=area, mailbox=f"{mailbox}@{DOMAIN}")
        for name, slug, tier, area, mailbox in SERVICES
    }
    db.session.add_all(services.values())
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: forty argon2 runs would slow `make run`
    for person in PEOPLE:
        staff = StaffMember(name=person.name, email=person.email, password_hash=password_hash,
                            mfa_secret=DEMO_TOTP_SECRET if person.role in MFA_REQUIRED_ROLES else None)
        staff.roles = [person.role]
        staff.services = [services[slug] for slug in person.services]
        db.session.add(staff)
        db.session.flush()
        db.session.add_all(_rota_terms(staff, person.role))
    db.session.flush()
    for service in services.values():
        terms.add_default_terms(service)
        reasons.add_suggested_reasons(service)
    db.session.add(IngestSecret(service_id=services["demo-low"].id, sealed=crypto.seal(DEMO_INGEST_SECRET)))
    audit.record("demo.loaded", actor="system", details={"services": len(services), "staff": len(PEOPLE)})
    db.session.commit()


def load_thread() -> None:
    """Add the demo thread to the Eating disorders queue through the queue's own ingest (its critical post alerts
    the service mailbox), and its first writer's identity to the PID vault."""
    eating_disorders = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
    with current_app.test_request_context():  # for the alert's link (url_for), as the API builds it
        now = utcnow()
        ingest.ingest(eating_disorders, [{**post, "created_at": (now - timedelta(minutes=ago)).isoformat()}
                                         for post, ago in DEMO_POSTS])
    vault.get().save(eating_disorders.id, DEMO_PSEUDONYM, vault.validated(DEMO_IDENTITY, today=local_today()),
                     vault.Access(vault.Actor(None, "system"), reason="demo data"))
