"""Demo data and the commands that load it and print the logins."""

from datetime import timedelta

import pyotp
import sqlalchemy as sa

from console import demo
from console.accounts.models import StaffMember
from console.database import utcnow
from console.extensions import db
from console.permissions import MFA_REQUIRED_ROLES, Role
from console.notifications.models import OutboxEmail
from console.queue.models import Post, Priority
from console.services.models import Service
from escalation_pathways import vault
from tests.helpers import text_of


def test_demo_load_makes_a_trust_with_every_role(app, runner):
    result = runner.invoke(args=["demo", "load"])
    assert "Loaded the demo trust: 7 services, 41 staff, and a thread to escalate in Eating disorders." in \
        result.output
    with app.app_context():
        posts = db.session.scalars(sa.select(Post).order_by(Post.external_id)).all()
        assert [(p.author_pseudonym, p.priority, p.service.slug) for p in posts] == [
            ("Willow", Priority.CRITICAL, "eating-disorders"), ("Maple", Priority.NORMAL, "eating-disorders")]
        assert vault.get().holds(posts[0].service_id, "Willow")
        assert all(utcnow() - timedelta(minutes=10) < p.created_at <= utcnow() for p in posts), \
            "posted just before the demo was loaded: a fresh run shows them just in, not days overdue"
        (alert,) = db.session.scalars(sa.select(OutboxEmail)).all()  # the critical post's, to the service mailbox
        assert f"{app.config['PUBLIC_URL']}/queue/items/{posts[0].id}\n" in alert.body
        services = db.session.scalars(sa.select(Service)).all()
        staff = db.session.scalars(sa.select(StaffMember)).all()
        high = ("eating-disorders", "early-intervention-psychosis")
        assert {s.risk_tier for s in services if s.slug in high} == {"high"}
        assert "demo-low" in {s.slug for s in services}
        assert set().union(*(person.roles for person in staff)) == set(Role)
        assert all(person.mfa_enabled == bool(person.roles & MFA_REQUIRED_ROLES) for person in staff)


def test_demo_load_leaves_a_database_with_data_alone(app, runner):
    runner.invoke(args=["demo", "load"])
    result = runner.invoke(args=["demo", "load"])
    assert "already has services or staff; demo data not loaded" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffMember)) == len(demo.PEOPLE)


def test_demo_logins_lists_one_login_per_role(runner):
    output = runner.invoke(args=["demo", "logins"]).output
    assert demo.DEMO_PASSWORD in output
    for role in Role:
        assert role.label in output
    assert "priya.shah@demo-trust.example.org" in output


def test_demo_totp_prints_the_current_code(runner):
    code = runner.invoke(args=["demo", "totp"]).output.strip()
    assert pyotp.TOTP(demo.DEMO_TOTP_SECRET).verify(code, valid_window=1)


def test_demo_team_manager_signs_in_and_sees_services_and_staff(client, auth, demo_data):
    assert auth.login_demo(Role.TEAM_MANAGER).headers["Location"] == "/"
    dashboard = client.get("/").get_data(as_text=True)
    assert "Eating disorders" in dashboard and "Demo low-risk service" in dashboard
    staff = client.get("/staff").get_data(as_text=True)
    assert "Ella Robinson" in staff and "Sarah Bennett" in staff


def test_invite_owner_creates_the_first_owner_and_emails_the_link(app, runner, smtp_server):
    result = runner.invoke(args=["accounts", "invite-owner", "Olu Owner", "olu.owner@trust.example.org"])
    assert result.exit_code == 0, result.output
    body = text_of(smtp_server.last_to("olu.owner@trust.example.org"))
    assert "http://127.0.0.1:5000/auth/invite/" in body
    again = runner.invoke(args=["accounts", "invite-owner", "Olu Owner", "olu.owner@trust.example.org"])
    assert again.exit_code != 0 and "already belongs to another account" in again.output
