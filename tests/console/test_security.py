"""Security headers, CSRF, oversize and malformed input: clear answers, never a 500."""

import pyotp
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from console.extensions import limiter
from console.permissions import Role
from tests.conftest import AuthActions, totp_now
from tests.factories import PASSWORD, make_staff


def test_pages_carry_security_headers_and_a_csp_without_inline_script(client):
    headers = client.get("/auth/login").headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(app, client, auth):
    with app.app_context():
        make_staff()
    auth.login("alex.moderator@trust.example.org", PASSWORD)
    for path in ["/", "/auth/account", "/services", "/auth/mfa/setup"]:
        page = client.get(path).get_data(as_text=True)
        assert "<script>" not in page and " style=" not in page and "<style" not in page, path


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
