"""Administration of services and staff: validation, audit trail and account actions."""

import pyotp
import pytest
import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.audit.models import AuditEntry
from console.extensions import db
from console.permissions import Role
from console.services.models import Service
from tests.conftest import AuthActions
from tests.factories import PASSWORD, make_service, make_staff

ADMIN_SECRET = pyotp.random_base32()
SERVICE_FORM = {"name": "Carers' support", "slug": "carers", "risk_tier": "low", "area": "Berkshire East",
                "mailbox": "carers-moderation@trust.example.org"}


@pytest.fixture
def admin(app, auth):
    """A signed-in non-clinical administrator."""
    with app.app_context():
        make_staff("ada.admin@trust.example.org", roles=[Role.NON_CLINICAL_ADMIN], name="Ada Admin",
                   mfa_secret=ADMIN_SECRET)
    auth.login("ada.admin@trust.example.org", PASSWORD, totp_secret=ADMIN_SECRET)
    return auth


def last_audit(app) -> AuditEntry:
    with app.app_context():
        return db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))


def test_admin_adds_a_service_and_it_is_audited(app, admin):
    response = admin.post("/admin/services/new", SERVICE_FORM, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Carers&#39; support has been added." in page
    assert "carers-moderation@trust.example.org" in page
    entry = last_audit(app)
    assert entry.action == "service.created" and entry.actor == "ada.admin@trust.example.org"
    assert entry.details["slug"] == "carers"


@pytest.mark.parametrize("field,value,message", [
    ("slug", "Carers Support!", "Use lower-case letters, digits and single hyphens only"),
    ("mailbox", "not-an-email", "Enter an email address like team@nhs.net."),
    ("risk_tier", "extreme", "Not a valid choice"),
    ("name", "", "Enter the service&#39;s name."),
    ("name", "x" * 500, "Field cannot be longer than 120 characters."),
])
def test_bad_service_fields_get_a_message_next_to_the_field_and_save_nothing(app, admin, field, value, message):
    response = admin.post("/admin/services/new", {**SERVICE_FORM, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


def test_duplicate_service_slug_is_refused_clearly(app, admin):
    with app.app_context():
        make_service("Carers", "carers", "low")
    response = admin.post("/admin/services/new", {**SERVICE_FORM, "name": "Another"})
    assert "already used by the service Carers" in response.get_data(as_text=True)


def test_editing_a_service_records_before_and_after(app, admin):
    with app.app_context():
        service_id = make_service().id
    admin.post(f"/admin/services/{service_id}/edit", {**SERVICE_FORM, "slug": "eating-disorders"})
    entry = last_audit(app)
    assert entry.action == "service.updated"
    assert entry.details["before"]["risk_tier"] == "high" and entry.details["after"]["risk_tier"] == "low"


def test_deactivating_a_service_hides_it_from_its_staff(app, admin):
    with app.app_context():
        service = make_service()
        make_staff(services_=[service])
        service_id = service.id
    admin.post(f"/admin/services/{service_id}/active", {"active": "0"}, form_page="/admin/services")
    assert last_audit(app).action == "service.deactivated"
    moderator = AuthActions(app.test_client())
    moderator.login("alex.moderator@trust.example.org", PASSWORD)
    assert "Eating disorders" not in moderator.client.get("/services").get_data(as_text=True)


def test_editing_staff_roles_is_audited_and_signs_them_out(app, admin):
    with app.app_context():
        service_id = make_service().id
        staff_id = make_staff().id
    moderator = AuthActions(app.test_client())
    moderator.login("alex.moderator@trust.example.org", PASSWORD)
    response = admin.post(f"/admin/staff/{staff_id}/edit", {
        "name": "Alex Moderator", "email": "alex.moderator@trust.example.org",
        "roles": ["team_manager"], "services": [str(service_id)]})
    assert response.status_code == 302
    entry = last_audit(app)
    assert entry.action == "staff.updated"
    assert entry.details["before"]["roles"] == ["non_clinical_moderator"]
    assert entry.details["after"]["roles"] == ["team_manager"]
    assert moderator.client.get("/").status_code == 302  # signed out: new permissions need a new sign-in


def test_staff_need_at_least_one_role(app, admin):
    response = admin.post("/admin/staff/new", {"name": "No Role", "email": "no.role@trust.example.org"})
    assert response.status_code == 400
    assert "Choose at least one role." in response.get_data(as_text=True)


def test_duplicate_staff_email_is_refused(app, admin):
    with app.app_context():
        make_staff()
    response = admin.post("/admin/staff/new", {"name": "Alex Again", "email": "ALEX.moderator@trust.example.org",
                                               "roles": ["volunteer"]}, follow_redirects=True)
    assert "alex.moderator@trust.example.org already belongs to another account" in response.get_data(as_text=True)


def test_unknown_service_in_a_staff_form_is_a_choice_error(app, admin):
    response = admin.post("/admin/staff/new", {"name": "Vic", "email": "vic@trust.example.org",
                                               "roles": ["volunteer"], "services": ["999"]})
    assert response.status_code == 400
    assert "not a valid choice" in response.get_data(as_text=True)


def test_deactivating_staff_signs_them_out_at_once(app, admin):
    with app.app_context():
        staff_id = make_staff().id
    moderator = AuthActions(app.test_client())
    moderator.login("alex.moderator@trust.example.org", PASSWORD)
    response = admin.post(f"/admin/staff/{staff_id}/active", {"active": "0"},
                          form_page=f"/admin/staff/{staff_id}/edit", follow_redirects=True)
    assert "Alex Moderator is deactivated and has been signed out." in response.get_data(as_text=True)
    assert moderator.client.get("/").status_code == 302
    assert last_audit(app).action == "staff.deactivated"


def test_an_administrator_cannot_deactivate_themselves(app, admin):
    with app.app_context():
        own_id = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.email == "ada.admin@trust.example.org"))
    response = admin.post(f"/admin/staff/{own_id}/active", {"active": "0"},
                          form_page=f"/admin/staff/{own_id}/edit", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)


def test_unlock_lets_a_locked_person_sign_in(app, admin):
    with app.app_context():
        staff_id = make_staff().id
    moderator = AuthActions(app.test_client())
    for _ in range(5):
        moderator.login("alex.moderator@trust.example.org", "wrong")
    assert "Locked until" in admin.client.get(f"/admin/staff/{staff_id}/edit").get_data(as_text=True)
    admin.post(f"/admin/staff/{staff_id}/unlock", form_page=f"/admin/staff/{staff_id}/edit")
    assert moderator.login("alex.moderator@trust.example.org", PASSWORD).headers["Location"] == "/"


def test_removing_an_authenticator_makes_the_person_enrol_again(app, admin):
    secret = pyotp.random_base32()
    with app.app_context():
        staff_id = make_staff("cal.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR],
                              mfa_secret=secret, name="Cal Clinician").id
    admin.post(f"/admin/staff/{staff_id}/reset-mfa", form_page=f"/admin/staff/{staff_id}/edit")
    assert last_audit(app).action == "staff.mfa_reset"
    clinician = AuthActions(app.test_client())
    assert clinician.login("cal.clinician@trust.example.org", PASSWORD).headers["Location"] == "/auth/mfa/setup"


def test_audit_log_page_lists_and_filters(app, admin):
    admin.post("/admin/services/new", SERVICE_FORM)
    page = admin.client.get("/admin/audit?action=service.created").get_data(as_text=True)
    assert "service.created" in page and "auth.login" not in page.split("<tbody>")[1]
    assert "auth.login" in admin.client.get("/admin/audit").get_data(as_text=True)
    assert admin.client.get("/admin/audit?page=abc").status_code == 200
    assert admin.client.get("/admin/audit?page=-3").status_code == 200
