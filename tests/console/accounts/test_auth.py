"""Signing in: passwords, lockout, rate limits, MFA challenge, enrolment, recovery codes, sign-out."""

import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from console.accounts.models import SignInFailures, StaffMember
from console.audit.models import AuditEntry
from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from tests.factories import PASSWORD, make_staff
from tests.helpers import AuthActions, csrf_token, totp_now

SECRET = pyotp.random_base32()


def audit_actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.fixture
def moderator(app):
    with app.app_context():
        return make_staff().email


@pytest.fixture
def clinician(app):
    """A clinical moderator with an authenticator enrolled."""
    with app.app_context():
        return make_staff("sam.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR],
                          mfa_secret=SECRET, name="Sam Clinician").email


def test_sign_in_with_right_password_opens_dashboard(client, auth, moderator):
    response = auth.login(moderator, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Hello, Alex" in page


def test_wrong_password_is_refused_with_a_clear_message_and_audited(app, client, auth, moderator):
    response = auth.login(moderator, "not-the-password")
    assert response.status_code == 400
    assert "The email address or password is not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    assert audit_actions(app)[-1] == "auth.login_failed"


def test_unknown_email_gets_the_same_message(client, auth, moderator):
    response = auth.login("nobody@trust.example.org", "whatever-password")
    assert "The email address or password is not right" in response.get_data(as_text=True)


def test_malformed_email_is_a_field_error_not_a_crash(client, auth, moderator):
    response = auth.post("/auth/login", {"email": "not an email", "password": "x"})
    assert response.status_code == 400
    assert "Enter an email address like name@nhs.net." in response.get_data(as_text=True)


def test_five_failures_lock_the_account_even_for_the_right_password(app, client, auth, moderator):
    for _ in range(4):
        auth.login(moderator, "wrong-password")
    response = auth.login(moderator, "wrong-password")
    assert "This account is locked" in response.get_data(as_text=True)
    response = auth.login(moderator, PASSWORD)
    assert "This account is locked" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    actions = audit_actions(app)
    assert "auth.locked" in actions and actions[-1] == "auth.login_refused_locked"


def test_lock_expires(app, client, auth, moderator):
    for _ in range(5):
        auth.login(moderator, "wrong-password")
    with app.app_context():
        lock = db.session.scalar(sa.select(SignInFailures))
        lock.locked_until = lock.locked_until.replace(year=2000)
        db.session.commit()
    assert auth.login(moderator, PASSWORD).headers["Location"] == "/"


def client_at(app, address: str) -> AuthActions:
    """A browser on another client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def test_a_stranger_cannot_lock_someone_out_from_elsewhere(app, auth, moderator):
    stranger = client_at(app, "127.0.0.66")
    for _ in range(5):
        stranger.login(moderator, "wrong-password")
    assert "This account is locked" in stranger.login(moderator, PASSWORD).get_data(as_text=True)
    assert client_at(app, "127.0.0.7").login(moderator, PASSWORD).headers["Location"] == "/"


def test_an_address_with_no_account_locks_like_a_real_one(app, moderator):
    answers = {}
    for email in (moderator, "nobody.here@trust.example.org"):
        guesser = client_at(app, "127.0.0.66")
        pages = [guesser.login(email, "wrong-password").get_data(as_text=True) for _ in range(6)]
        answers[email] = ["locked" if "This account is locked" in page else
                          "wrong" if "The email address or password is not right" in page else page for page in pages]
    assert answers[moderator] == answers["nobody.here@trust.example.org"] == ["wrong"] * 4 + ["locked"] * 2


def test_a_reset_request_takes_as_long_and_says_the_same_for_any_address(app, client, auth, moderator):
    answers = []
    for email in (moderator, "nobody.here@trust.example.org"):
        started = time.monotonic()
        response = auth.post("/auth/reset", {"email": email}, follow_redirects=True)
        answers.append((time.monotonic() - started, response.status_code,
                        re.findall(r'role="status"[^>]*>(.*?)<', response.get_data(as_text=True), re.S)))
    (known_time, *known), (unknown_time, *unknown) = answers
    assert known == unknown
    assert known_time >= 0.25 and unknown_time >= 0.25


def test_sign_in_attempts_are_rate_limited_per_address(app, client, auth, moderator):
    app.config["LOCKOUT_THRESHOLD"] = 1000  # isolate the rate limit from the lockout
    token = csrf_token(client, "/auth/login")
    statuses = [client.post("/auth/login", data={"csrf_token": token, "email": f"x{i}@trust.example.org",
                                                 "password": "guess"}).status_code for i in range(25)]
    assert statuses[:20] == [400] * 20
    assert statuses[-1] == 429
    response = client.post("/auth/login", data={"csrf_token": token, "email": moderator, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts in a short time" in response.get_data(as_text=True)


def test_mfa_user_needs_a_code_after_the_password(client, auth, clinician):
    response = auth.login(clinician, PASSWORD)
    assert response.headers["Location"] == "/auth/mfa"
    assert client.get("/").status_code == 302  # password alone is not a session
    response = auth.post("/auth/mfa", {"code": totp_now(SECRET)})
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_mfa_code_is_refused(client, auth, clinician):
    auth.login(clinician, PASSWORD)
    wrong = f"{(int(totp_now(SECRET)) + 1) % 1_000_000:06d}"
    response = auth.post("/auth/mfa", {"code": wrong})
    assert response.status_code == 400
    assert "That code is not right" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_an_mfa_code_cannot_be_used_twice(app, auth, clinician):
    auth.login(clinician, PASSWORD)
    code = totp_now(SECRET)
    assert auth.post("/auth/mfa", {"code": code}).headers["Location"] == "/"
    other = AuthActions(app.test_client())
    other.login(clinician, PASSWORD)
    response = other.post("/auth/mfa", {"code": code})
    assert "That code is not right" in response.get_data(as_text=True)


def test_mfa_page_without_a_password_step_sends_you_to_sign_in(client, clinician):
    response = client.get("/auth/mfa", follow_redirects=True)
    assert "Your sign-in took too long or was not started" in response.get_data(as_text=True)


def enrol(auth, client) -> list[str]:
    """Complete the enrolment page with a code from the secret it shows; returns the recovery codes."""
    page = client.get("/auth/mfa/setup").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page).group(1).replace(" ", "")
    assert 'src="data:image/svg+xml' in page
    response = auth.post("/auth/mfa/setup", {"code": totp_now(secret)})
    assert response.status_code == 200
    return secret, re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>",
                              response.get_data(as_text=True))


def test_roles_that_require_mfa_must_enrol_before_getting_in(app, client, auth):
    with app.app_context():
        make_staff("new.admin@trust.example.org", roles=[Role.CLINICAL_ADMIN], name="New Admin")
    response = auth.login("new.admin@trust.example.org", PASSWORD)
    assert response.headers["Location"] == "/auth/mfa/setup"
    assert client.get("/").status_code == 302
    secret, codes = enrol(auth, client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    assert "mfa.enrolled" in audit_actions(app)


def test_a_recovery_code_signs_in_once(app, client, auth):
    with app.app_context():
        make_staff("new.admin@trust.example.org", roles=[Role.OWNER], name="New Owner")
    auth.login("new.admin@trust.example.org", PASSWORD)
    _, codes = enrol(auth, client)
    auth.logout()
    auth.login("new.admin@trust.example.org", PASSWORD)
    assert auth.post("/auth/mfa", {"code": codes[0].upper().replace("-", "")}).headers["Location"] == "/"
    auth.logout()
    auth.login("new.admin@trust.example.org", PASSWORD)
    response = auth.post("/auth/mfa", {"code": codes[0]})
    assert "That recovery code is not right, or has been used already." in response.get_data(as_text=True)
    assert "9 unused recovery codes" not in response.get_data(as_text=True)


def test_optional_mfa_can_be_turned_on_and_off_by_a_volunteer(client, auth, moderator):
    auth.login(moderator, PASSWORD)
    enrol(auth, client)
    assert "You have 10 unused recovery codes" in client.get("/auth/account").get_data(as_text=True)
    response = auth.post("/auth/mfa/disable", form_page="/auth/account", follow_redirects=True)
    assert "Multi-factor authentication is turned off." in response.get_data(as_text=True)


def test_required_mfa_cannot_be_turned_off(client, auth, clinician):
    auth.login(clinician, PASSWORD, totp_secret=SECRET)
    response = auth.post("/auth/mfa/disable", form_page="/auth/account", follow_redirects=True)
    assert "Your role requires MFA, so it cannot be turned off." in response.get_data(as_text=True)


def test_sign_out_ends_the_session(client, auth, moderator):
    auth.login(moderator, PASSWORD)
    response = auth.logout()
    assert response.headers["Location"] == "/auth/login"
    assert client.get("/").status_code == 302


def test_a_cookie_copied_before_sign_out_no_longer_signs_in(app, client, auth, moderator):
    auth.login(moderator, PASSWORD)
    copied = client.get_cookie("console_session").value
    thief = app.test_client()
    thief.set_cookie("console_session", copied)
    assert thief.get("/").status_code == 200  # the copy works while the session lasts
    auth.logout()
    assert thief.get("/").status_code == 302  # and not after "Sign out"
    auth.login(moderator, PASSWORD)
    assert client.get("/").status_code == 200 and thief.get("/").status_code == 302


def test_signing_out_one_browser_keeps_the_others(app, auth, moderator):
    phone = AuthActions(app.test_client())
    phone.login(moderator, PASSWORD)
    auth.login(moderator, PASSWORD)
    auth.logout()
    assert phone.client.get("/").status_code == 200


def test_a_sign_in_ends_twelve_hours_after_it_began_however_often_it_is_used(client, auth, moderator):
    with time_machine.travel(utcnow(), tick=False) as clock:
        auth.login(moderator, PASSWORD)
        # Used through the day: each answer renews the cookie for another 12 hours, but not the sign-in.
        for hours, minutes in ((6, 0), (5, 59)):
            clock.shift(timedelta(hours=hours, minutes=minutes))
            assert client.get("/services").status_code == 200
        clock.shift(timedelta(minutes=2))
        response = client.get("/services?view=all")
        assert response.status_code == 302
        assert response.headers["Location"] == "/auth/login?next=%2Fservices%3Fview%3Dall"
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "You were signed in for 12 hours: sign in again." in page
        assert client.get("/services").status_code == 302  # signed out, not only for one request
        again = auth.post(response.headers["Location"], {"email": moderator, "password": PASSWORD})
        assert again.headers["Location"] == "/services?view=all"  # back where they were
        assert client.get("/services").status_code == 200


def test_a_form_sent_after_the_sign_in_ended_returns_to_its_page_and_the_limit_is_a_setting(app, client, auth,
                                                                                          moderator):
    app.config["SESSION_MAX_HOURS"] = 1
    with time_machine.travel(utcnow(), tick=False) as clock:
        auth.login(moderator, PASSWORD)
        token = csrf_token(client, "/auth/account")
        clock.shift(timedelta(hours=1, minutes=1))
        response = client.post("/auth/logout-everywhere", data={"csrf_token": token},
                               headers={"Referer": "http://localhost/auth/account"})
        assert response.headers["Location"] == "/auth/login?next=%2Fauth%2Faccount"
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        assert "You were signed in for 1 hour: sign in again." in page
        # The second review: a moderator whose note or decision was refused this way must not believe it went through.
        assert "What you had just sent was not saved: do it again once you are signed in." in page


def stale_mfa(client) -> None:
    """As if the last MFA code was given long ago."""
    with client.session_transaction() as session:
        session["mfa_at"] = 0


def test_new_recovery_codes_need_a_fresh_mfa_code(app, client, auth):
    with app.app_context():
        make_staff("new.admin@trust.example.org", roles=[Role.OWNER], name="New Owner")
    auth.login("new.admin@trust.example.org", PASSWORD)
    secret, old_codes = enrol(auth, client)
    stale_mfa(client)
    refused = auth.post("/auth/mfa/recovery-codes", form_page="/auth/account", follow_redirects=True)
    assert "Enter the code from your authenticator app" in refused.get_data(as_text=True)
    assert 'id="codes-code"' in client.get("/auth/account").get_data(as_text=True)
    made = auth.post("/auth/mfa/recovery-codes", {"code": totp_now(secret, steps_ahead=1)},
                     form_page="/auth/account").get_data(as_text=True)
    new_codes = re.findall(r"<li><code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code></li>", made)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)


def test_switching_mfa_off_needs_a_fresh_mfa_code(client, auth, moderator):
    auth.login(moderator, PASSWORD)
    secret, _ = enrol(auth, client)
    stale_mfa(client)
    refused = auth.post("/auth/mfa/disable", form_page="/auth/account", follow_redirects=True)
    assert "Enter the code from your authenticator app" in refused.get_data(as_text=True)
    assert "You have 10 unused recovery codes" in client.get("/auth/account").get_data(as_text=True)
    done = auth.post("/auth/mfa/disable", {"code": totp_now(secret, steps_ahead=1)}, form_page="/auth/account",
                     follow_redirects=True)
    assert "Multi-factor authentication is turned off." in done.get_data(as_text=True)


def test_totp_secrets_are_sealed_at_rest(app, clinician):
    with app.app_context():
        stored = db.session.scalar(sa.text("SELECT mfa_secret FROM staff_members WHERE mfa_secret IS NOT NULL"))
    assert stored and SECRET not in stored


def test_sign_out_everywhere_ends_other_sessions(app, client, auth, moderator):
    auth.login(moderator, PASSWORD)
    laptop = AuthActions(app.test_client())
    laptop.login(moderator, PASSWORD)
    assert laptop.client.get("/").status_code == 200
    auth.post("/auth/logout-everywhere", form_page="/auth/account")
    assert laptop.client.get("/").status_code == 302
    assert client.get("/").status_code == 302


def test_changing_password_keeps_this_session_and_ends_others(app, client, auth, moderator):
    auth.login(moderator, PASSWORD)
    laptop = AuthActions(app.test_client())
    laptop.login(moderator, PASSWORD)
    response = auth.post("/auth/password", {"current": PASSWORD, "password": "a brand new passphrase",
                                            "confirm": "a brand new passphrase"}, form_page="/auth/account")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert laptop.client.get("/").status_code == 302
    assert laptop.login(moderator, PASSWORD).status_code == 400
    assert laptop.login(moderator, "a brand new passphrase").headers["Location"] == "/"


def test_changing_password_with_wrong_current_password_says_so(client, auth, moderator):
    auth.login(moderator, PASSWORD)
    response = auth.post("/auth/password", {"current": "wrong", "password": "a brand new passphrase",
                                            "confirm": "a brand new passphrase"}, form_page="/auth/account")
    assert response.status_code == 400
    assert "Your current password is not right." in response.get_data(as_text=True)


def test_after_sign_in_you_return_to_the_page_you_asked_for_but_never_off_site(client, auth, moderator):
    assert client.get("/staff").status_code == 302
    response = auth.post("/auth/login?next=/services", {"email": moderator, "password": PASSWORD},
                         form_page="/auth/login")
    assert response.headers["Location"] == "/services"
    auth.logout()
    response = auth.post("/auth/login?next=//evil.example.com/", {"email": moderator, "password": PASSWORD},
                         form_page="/auth/login")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example",
                                    "%09//evil.example", "/\\evil.example", "/%5Cevil.example",
                                    "https://evil.example/", "javascript:alert(1)", "/%7F/evil.example",
                                    "%20//evil.example"])
def test_no_disguised_address_after_sign_in_leads_off_site(client, auth, moderator, target):
    response = auth.post(f"/auth/login?next={target}", {"email": moderator, "password": PASSWORD},
                         form_page="/auth/login")
    assert response.headers["Location"] == "/"


def test_deactivated_staff_cannot_sign_in(app, auth, moderator):
    with app.app_context():
        staff = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == moderator))
        staff.active = False
        db.session.commit()
    response = auth.login(moderator, PASSWORD)
    assert "The email address or password is not right" in response.get_data(as_text=True)
