"""Security headers, CSRF, oversize and malformed input: clear answers, never a 500; nothing secret in logs."""

import logging
import re

import pyotp
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from console import create_app
from console.extensions import db, limiter
from console.permissions import Role
from escalation_pathways import vault
from tests.conftest import base_config
from tests.factories import PASSWORD, make_staff
from tests.helpers import AuthActions, totp_now

ADMIN_SECRET = pyotp.random_base32()


def csp_directives(header: str) -> dict[str, set[str]]:
    """A Content-Security-Policy header as each directive's set of sources."""
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


def test_pages_carry_security_headers_and_a_csp_without_inline_script(client):
    response = client.get("/auth/login")
    assert response.status_code == 200 and 'name="password"' in response.get_data(as_text=True)
    headers = response.headers
    csp = csp_directives(headers["Content-Security-Policy"])
    assert csp["script-src"] == {"'self'"} and csp["frame-ancestors"] == {"'none'"}
    assert not any("'unsafe-inline'" in sources or "*" in sources for sources in csp.values())
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def test_pages_have_no_inline_script_or_style(app, client, auth):
    with app.app_context():
        make_staff()
    auth.login("alex.moderator@trust.example.org", PASSWORD)
    for path in ["/", "/auth/account", "/services", "/auth/mfa/setup"]:
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "<main" in page, path
        assert INLINE_SCRIPT.findall(page) == [] and INLINE_STYLE.findall(page) == [], path


def test_the_inline_checks_catch_inline_script_and_style():
    assert INLINE_SCRIPT.findall('<script type="module">alert(1)</script>') and \
        INLINE_SCRIPT.findall("<SCRIPT>alert(1)</SCRIPT>")
    assert not INLINE_SCRIPT.findall('<script src="/static/console.js" defer></script>')
    assert INLINE_STYLE.findall('<p style="color:red">') and INLINE_STYLE.findall("<style>p{}</style>")


def test_session_cookie_is_secure_httponly_and_samesite(app, auth):
    with app.app_context():
        make_staff()
    auth.login("alex.moderator@trust.example.org", PASSWORD)
    cookie = auth.client.get_cookie("console_session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def test_forged_csrf_token_is_refused_with_a_clear_message(app, client):
    with app.app_context():
        make_staff()
    response = client.post("/auth/login", data={"csrf_token": "forged", "email": "alex.moderator@trust.example.org",
                                                "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired or did not come from this console." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_missing_csrf_token_on_an_action_is_refused(app, client, auth):
    with app.app_context():
        make_staff()
    auth.login("alex.moderator@trust.example.org", PASSWORD)
    response = client.post("/auth/logout-everywhere")
    assert response.status_code == 400
    assert client.get("/").status_code == 200  # nothing happened


def test_oversize_request_gets_413_with_a_message(client):
    response = client.post("/auth/login", data={"email": "a@b.org", "password": "x" * 300_000})
    assert response.status_code == 413
    assert "larger than this console accepts" in response.get_data(as_text=True)


def test_oversize_request_from_a_signed_in_person_gets_413_not_500(app, client, auth):
    with app.app_context():
        make_staff()
    auth.login("alex.moderator@trust.example.org", PASSWORD)
    response = client.post("/auth/password", data={"current": "x" * 300_000})
    assert response.status_code == 413
    assert "larger than this console accepts" in response.get_data(as_text=True)
    assert "Sign out" in response.get_data(as_text=True)


def test_numbers_too_large_for_the_database_in_addresses_are_not_found_not_a_crash(app, client, auth):
    with app.app_context():
        make_staff("ada.admin@trust.example.org", roles=[Role.NON_CLINICAL_ADMIN], name="Ada Admin",
                   mfa_secret=ADMIN_SECRET)
    auth.login("ada.admin@trust.example.org", PASSWORD, totp_secret=ADMIN_SECRET)
    assert client.get(f"/admin/staff/{2**63}/edit").status_code == 404
    assert client.get(f"/admin/staff/{2**31}/edit").status_code == 404
    assert client.get(f"/admin/audit?page={10**30}").status_code == 200


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_wrong_method_is_a_friendly_405(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "cannot be used that way" in response.get_data(as_text=True)


@pytest.fixture
def no_csrf_no_limits(app):
    """Fuzzing is about the handling of field values; CSRF and rate limits are tested on their own."""
    app.config["WTF_CSRF_ENABLED"] = False
    limiter.enabled = False
    yield
    limiter.enabled = True


FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(email=st.text(max_size=300), password=st.text(max_size=300))
def test_any_sign_in_input_gets_an_answer_not_a_crash(app, no_csrf_no_limits, email, password):
    response = app.test_client().post("/auth/login", data={"email": email, "password": password})
    assert response.status_code == 400


@pytest.fixture
def admin_client(app, no_csrf_no_limits):
    """A client signed in (password and MFA, through the real forms) as an administrator."""
    secret = pyotp.random_base32()
    with app.app_context():
        make_staff("ada.admin@trust.example.org", roles=[Role.NON_CLINICAL_ADMIN], name="Ada Admin", mfa_secret=secret)
    admin = AuthActions(app.test_client())
    admin.client.post("/auth/login", data={"email": "ada.admin@trust.example.org", "password": PASSWORD})
    admin.client.post("/auth/mfa", data={"code": totp_now(secret)})
    assert admin.client.get("/admin/services").status_code == 200
    return admin.client


@FUZZ
@given(name=st.text(max_size=200), slug=st.text(max_size=80), tier=st.text(max_size=10),
       area=st.text(max_size=200), mailbox=st.text(max_size=300))
@example(name="Nul\x00name", slug="nul", tier="low", area="A\x00rea", mailbox="a@b.org")
def test_any_service_form_input_gets_an_answer_not_a_crash(admin_client, name, slug, tier, area, mailbox):
    response = admin_client.post("/admin/services/new", data={"name": name, "slug": slug, "risk_tier": tier,
                                                              "area": area, "mailbox": mailbox})
    assert response.status_code in (302, 400)


def test_tokens_in_addresses_never_reach_the_access_log(app, client, caplog):
    caplog.set_level(logging.INFO, logger="console.access")
    client.get("/auth/reset/secret-reset-token-123")
    client.get("/calendar/secret-calendar-token-456.ics")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "GET /auth/reset/<token> 400" in logged and "GET /calendar/<token>.ics 410" in logged
    assert "secret-reset-token-123" not in logged and "secret-calendar-token-456" not in logged


def behind_the_proxy(app, address: str) -> AuthActions:
    """A browser on HTTPS whose requests reach the console through one proxy (which adds X-Forwarded-*)."""
    client = app.test_client()
    client.environ_base.update({"HTTP_X_FORWARDED_FOR": address, "HTTP_X_FORWARDED_PROTO": "https",
                                "HTTP_REFERER": "https://localhost/auth/login"})  # CSRF on HTTPS checks it
    return AuthActions(client)


def test_behind_a_proxy_the_client_address_and_https_come_from_it(database_url, vault_url):
    app = create_app(base_config(database_url, PID_DATABASE_URL=vault_url, PROXY_HOPS=1))
    with app.app_context():
        make_staff()
    guesser = behind_the_proxy(app, "192.0.2.66")
    for _ in range(5):
        guesser.login("alex.moderator@trust.example.org", "wrong-password")
    assert "This account is locked" in guesser.login("alex.moderator@trust.example.org", PASSWORD).get_data(
        as_text=True)
    colleague = behind_the_proxy(app, "192.0.2.7")  # the same proxy, another client behind it
    response = colleague.login("alex.moderator@trust.example.org", PASSWORD)
    assert response.headers["Location"] == "/"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with app.app_context():
        db.engine.dispose()
        vault.get().close()
