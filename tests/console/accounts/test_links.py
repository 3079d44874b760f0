"""Invitation and password-reset links: emailed for real, single use, expiring."""

import re
from datetime import timedelta

import pyotp
import sqlalchemy as sa

from console.accounts.models import AccountToken
from console.database import utcnow
from console.extensions import db
from console.notifications import service as outbox
from console.notifications.models import OutboxEmail
from console.permissions import Role
from tests.factories import PASSWORD, make_service, make_staff
from tests.helpers import AuthActions, run_queued_tasks, text_of

NEW_PASSWORD = "plum orchard lantern"
ADMIN_SECRET = pyotp.random_base32()


def link_in(message) -> str:
    """The console path in an email's link, which is under PUBLIC_URL whatever host the request named."""
    body = text_of(message)
    return re.search(r"http://127\.0\.0\.1:5000(/auth/\S+)", body).group(1)


def invite_new_volunteer(app, auth) -> str:
    """An administrator adds a volunteer through the admin form; returns the invitation path."""
    with app.app_context():
        service = make_service()
        make_staff("ada.admin@trust.example.org", roles=[Role.NON_CLINICAL_ADMIN], name="Ada Admin",
                   mfa_secret=ADMIN_SECRET)
        service_id = service.id
    auth.login("ada.admin@trust.example.org", PASSWORD, totp_secret=ADMIN_SECRET)
    response = auth.post("/admin/staff/new", {"name": "Vic Volunteer", "email": "Vic.Volunteer@trust.example.org",
                                              "roles": ["volunteer"], "services": [str(service_id)]})
    assert response.status_code == 302
    run_queued_tasks(app)  # the outbox's sender, as the task queue's consumer runs it
    return response


def test_invitation_is_emailed_and_lets_the_person_choose_a_password(app, auth, smtp_server):
    invite_new_volunteer(app, auth)
    message = smtp_server.last_to("vic.volunteer@trust.example.org")
    assert message["Subject"] == "Your moderation console account"
    path = link_in(message)
    newcomer = AuthActions(app.test_client())
    page = newcomer.client.get(path).get_data(as_text=True)
    assert "Welcome, Vic Volunteer" in page
    response = newcomer.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.headers["Location"] == "/auth/login"
    assert newcomer.login("vic.volunteer@trust.example.org", NEW_PASSWORD).headers["Location"] == "/"
    assert "Eating disorders" in newcomer.client.get("/").get_data(as_text=True)


def test_invitation_link_works_only_once(app, auth, smtp_server):
    invite_new_volunteer(app, auth)
    path = link_in(smtp_server.last_to("vic.volunteer@trust.example.org"))
    newcomer = AuthActions(app.test_client())
    newcomer.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    response = newcomer.client.get(path)
    assert response.status_code == 400
    assert "This link has already been used" in response.get_data(as_text=True)


def test_resending_an_invitation_revokes_the_old_link(app, auth, smtp_server):
    invite_new_volunteer(app, auth)
    old_path = link_in(smtp_server.last_to("vic.volunteer@trust.example.org"))
    with app.app_context():
        staff_id = db.session.scalar(sa.select(AccountToken.staff_id))
    auth.post(f"/admin/staff/{staff_id}/invite", form_page=f"/admin/staff/{staff_id}/edit")
    run_queued_tasks(app)
    new_path = link_in(smtp_server.last_to("vic.volunteer@trust.example.org"))
    assert new_path != old_path
    assert "already been used or replaced" in app.test_client().get(old_path).get_data(as_text=True)
    assert app.test_client().get(new_path).status_code == 200


def test_expired_invitation_says_when_it_expired(app, auth, smtp_server):
    invite_new_volunteer(app, auth)
    path = link_in(smtp_server.last_to("vic.volunteer@trust.example.org"))
    with app.app_context():
        token = db.session.scalar(sa.select(AccountToken))
        db.session.execute(sa.update(AccountToken).values(expires_at=token.created_at - timedelta(minutes=1)))
        db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 400
    assert "This link expired at" in response.get_data(as_text=True)


def test_made_up_link_is_refused_clearly(client):
    response = client.get("/auth/invite/not-a-real-token")
    assert response.status_code == 400
    assert "This link is not valid" in response.get_data(as_text=True)


def test_short_or_mismatched_password_is_a_field_error(app, auth, smtp_server):
    invite_new_volunteer(app, auth)
    path = link_in(smtp_server.last_to("vic.volunteer@trust.example.org"))
    newcomer = AuthActions(app.test_client())
    short = newcomer.post(path, {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "Use 12 to 128 characters." in short.get_data(as_text=True)
    mismatch = newcomer.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    own_name = newcomer.post(path, {"password": "vic.volunteer-2026", "confirm": "vic.volunteer-2026"})
    assert "Do not use your name or email address" in own_name.get_data(as_text=True)
    assert newcomer.client.get(path).status_code == 200  # the link still works after a rejected try


def test_password_reset_by_email(app, client, auth, smtp_server):
    with app.app_context():
        make_staff()
    response = auth.post("/auth/reset", {"email": "alex.moderator@trust.example.org"}, follow_redirects=True)
    assert "If an account uses that address, we have emailed it a reset link." in response.get_data(as_text=True)
    run_queued_tasks(app)
    path = link_in(smtp_server.last_to("alex.moderator@trust.example.org"))
    assert path.startswith("/auth/reset/")
    auth.post(path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert auth.login("alex.moderator@trust.example.org", PASSWORD).status_code == 400
    assert auth.login("alex.moderator@trust.example.org", NEW_PASSWORD).headers["Location"] == "/"


def test_reset_for_an_unknown_address_says_the_same_and_sends_nothing(app, auth, smtp_server):
    response = auth.post("/auth/reset", {"email": "stranger@trust.example.org"}, follow_redirects=True)
    assert "If an account uses that address" in response.get_data(as_text=True)
    run_queued_tasks(app)
    assert smtp_server.messages == []


def test_mail_server_down_keeps_the_account_and_the_invitation_goes_later(app, auth, smtp_server):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    response = invite_new_volunteer(app, auth)
    page = auth.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vic Volunteer has been added; an invitation is on its way" in page
    assert smtp_server.messages == []
    app.config["MAIL_PORT"] = smtp_server.port
    with app.app_context():
        db.session.execute(sa.update(OutboxEmail).values(next_attempt_at=utcnow()))  # the retry is due
        db.session.commit()
        assert outbox.send_outbox() == (1, 0)
    assert app.test_client().get(link_in(smtp_server.last_to("vic.volunteer@trust.example.org"))).status_code == 200


FOREIGN_HOST = {"Host": "attacker.example"}


def test_reset_links_come_from_public_url_whatever_the_host_header_says(app, smtp_server):
    with app.app_context():
        make_staff()
    client = app.test_client()
    page = client.get("/auth/reset", headers=FOREIGN_HOST).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/auth/reset", data={"csrf_token": token, "email": "alex.moderator@trust.example.org"},
                headers=FOREIGN_HOST)
    run_queued_tasks(app)
    body = text_of(smtp_server.last_to("alex.moderator@trust.example.org"))
    assert "attacker.example" not in body
    assert "http://127.0.0.1:5000/auth/reset/" in body


def test_public_url_keeps_its_path_prefix(app):
    from console.links import public_url
    app.config["PUBLIC_URL"] = "https://moderation.trust.example.org/console"
    with app.app_context():
        assert public_url("auth.reset_password", token="abc") == \
            "https://moderation.trust.example.org/console/auth/reset/abc"


def test_trusted_hosts_refuse_a_foreign_host_with_400(app, client):
    app.config["TRUSTED_HOSTS"] = ["127.0.0.1", "localhost"]
    assert client.get("/auth/login").status_code == 200
    assert client.get("/auth/login", headers=FOREIGN_HOST).status_code == 400


def test_a_form_returns_only_to_a_page_of_this_site():
    from console.links import back_to
    assert back_to("http://127.0.0.1:5000/escalation/cases/3?tab=x", "/escalation/") == "/escalation/cases/3?tab=x"
    assert back_to("https://evil.example/escalation/", "/escalation/") == "/escalation/"  # its path, on this site
    assert back_to("http://x/%09/evil.example".replace("%09", "\t"), "/escalation/") == "/escalation/"
    assert back_to(None, "/escalation/") == "/escalation/"
