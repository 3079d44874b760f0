"""Administration of services and staff: validation, audit trail, account actions and who may grant which role."""

import re
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from console.accounts.models import StaffMember
from console.audit.models import AuditEntry
from console.database import local_today
from console.extensions import db
from console.permissions import Role
from console.services.models import Service
from tests.factories import PASSWORD, make_service, make_staff
from tests.helpers import AuthActions, made_and_signed_in, run_queued_tasks, text_of, totp_now

ADMIN_SECRET = pyotp.random_base32()
SERVICE_FORM = {"name": "Carers' support", "slug": "carers", "risk_tier": "low", "area": "Berkshire East",
                "mailbox": "carers-moderation@trust.example.org"}


@pytest.fixture
def ada(app):
    """Ada Admin, a non-clinical administrator made in an empty trust (not the demo's: these tests count its staff,
    services and audit entries), with an authenticator whose codes the tests make, signed in on a browser of her
    own."""
    return made_and_signed_in(app, "ada.admin@trust.example.org", [Role.NON_CLINICAL_ADMIN], name="Ada Admin",
                              secret=ADMIN_SECRET)


def last_audit(app) -> AuditEntry:
    with app.app_context():
        return db.session.scalar(sa.select(AuditEntry).order_by(AuditEntry.id.desc()))


def test_admin_adds_a_service_and_it_is_audited(app, ada):
    response = ada.post("/admin/services/new", SERVICE_FORM, follow_redirects=True)
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
def test_bad_service_fields_get_a_message_next_to_the_field_and_save_nothing(app, ada, field, value, message):
    response = ada.post("/admin/services/new", {**SERVICE_FORM, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Service)) == 0


def test_duplicate_service_slug_is_refused_clearly(app, ada):
    with app.app_context():
        make_service("Carers", "carers", "low")
    response = ada.post("/admin/services/new", {**SERVICE_FORM, "name": "Another"})
    assert "already used by the service Carers" in response.get_data(as_text=True)


def test_editing_a_service_records_before_and_after(app, ada):
    with app.app_context():
        service_id = make_service().id
    ada.post(f"/admin/services/{service_id}/edit", {**SERVICE_FORM, "slug": "eating-disorders",
                                                     "bank_holidays": "SCT"})
    entry = last_audit(app)
    assert entry.action == "service.updated"
    assert entry.details["before"]["risk_tier"] == "high" and entry.details["after"]["risk_tier"] == "low"
    assert (entry.details["before"]["bank_holidays"], entry.details["after"]["bank_holidays"]) == ("ENG", "SCT")
    refused = ada.post(f"/admin/services/{service_id}/edit", {**SERVICE_FORM, "bank_holidays": "XX"})
    assert refused.status_code == 400 and "Not a valid choice" in refused.get_data(as_text=True)


def test_deactivating_a_service_hides_it_from_its_staff(app, ada):
    with app.app_context():
        service = make_service()
        make_staff(services_=[service])
        service_id = service.id
    ada.post(f"/admin/services/{service_id}/active", {"active": "0"}, form_page="/admin/services")
    assert last_audit(app).action == "service.deactivated"
    moderator = AuthActions(app.test_client())
    moderator.login("alex.moderator@trust.example.org", PASSWORD)
    assert "Eating disorders" not in moderator.client.get("/services").get_data(as_text=True)


def test_editing_staff_roles_is_audited_and_signs_them_out(app, ada):
    with app.app_context():
        service_id = make_service().id
        staff_id = make_staff().id
    moderator = AuthActions(app.test_client())
    moderator.login("alex.moderator@trust.example.org", PASSWORD)
    response = ada.post(f"/admin/staff/{staff_id}/edit", {
        "name": "Alex Moderator", "email": "alex.moderator@trust.example.org",
        "roles": ["team_manager"], "services": [str(service_id)]})
    assert response.status_code == 302
    entry = last_audit(app)
    assert entry.action == "staff.updated"
    assert entry.details["before"]["roles"] == ["non_clinical_moderator"]
    assert entry.details["after"]["roles"] == ["team_manager"]
    assert moderator.client.get("/").status_code == 302  # signed out: new permissions need a new sign-in


def test_staff_need_at_least_one_role(app, ada):
    response = ada.post("/admin/staff/new", {"name": "No Role", "email": "no.role@trust.example.org"})
    assert response.status_code == 400
    assert "Choose at least one role." in response.get_data(as_text=True)


def test_duplicate_staff_email_is_refused(app, ada):
    with app.app_context():
        make_staff()
    response = ada.post("/admin/staff/new", {"name": "Alex Again", "email": "ALEX.moderator@trust.example.org",
                                             "roles": ["volunteer"]}, follow_redirects=True)
    assert "alex.moderator@trust.example.org already belongs to another account" in response.get_data(as_text=True)


def test_unknown_service_in_a_staff_form_is_a_choice_error(app, ada):
    response = ada.post("/admin/staff/new", {"name": "Vic", "email": "vic@trust.example.org",
                                             "roles": ["volunteer"], "services": ["999"]})
    assert response.status_code == 400
    assert "not a valid choice" in response.get_data(as_text=True)


def test_deactivating_staff_signs_them_out_at_once(app, ada):
    with app.app_context():
        staff_id = make_staff().id
    moderator = AuthActions(app.test_client())
    moderator.login("alex.moderator@trust.example.org", PASSWORD)
    response = ada.post(f"/admin/staff/{staff_id}/active", {"active": "0"},
                        form_page=f"/admin/staff/{staff_id}/edit", follow_redirects=True)
    assert "Alex Moderator is deactivated and has been signed out." in response.get_data(as_text=True)
    assert moderator.client.get("/").status_code == 302
    assert last_audit(app).action == "staff.deactivated"


def test_an_administrator_cannot_deactivate_themselves(app, ada):
    with app.app_context():
        own_id = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.email == "ada.admin@trust.example.org"))
    response = ada.post(f"/admin/staff/{own_id}/active", {"active": "0"},
                        form_page=f"/admin/staff/{own_id}/edit", follow_redirects=True)
    assert "You cannot deactivate your own account." in response.get_data(as_text=True)


def test_unlock_lets_a_locked_person_sign_in(app, ada):
    with app.app_context():
        staff_id = make_staff().id
    moderator = AuthActions(app.test_client())
    for _ in range(5):
        moderator.login("alex.moderator@trust.example.org", "wrong")
    assert "Locked until" in ada.client.get(f"/admin/staff/{staff_id}/edit").get_data(as_text=True)
    ada.post(f"/admin/staff/{staff_id}/unlock", form_page=f"/admin/staff/{staff_id}/edit")
    assert moderator.login("alex.moderator@trust.example.org", PASSWORD).headers["Location"] == "/"


def test_a_lockout_of_someone_more_trusted_is_lifted_only_by_those_who_may_manage_them(app, ada):
    with app.app_context():
        staff_id = make_staff("cal.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR],
                              name="Cal Clinician").id
    clinician = AuthActions(app.test_client())
    for _ in range(5):
        clinician.login("cal.clinician@trust.example.org", "wrong")
    page = ada.client.get(f"/admin/staff/{staff_id}/edit").get_data(as_text=True)
    assert "Locked until" in page and ">Unlock</button>" not in page
    refused = ada.post(f"/admin/staff/{staff_id}/unlock", form_page=f"/admin/staff/{staff_id}/edit",
                       follow_redirects=True).get_data(as_text=True)
    assert "Cal Clinician holds a role yours cannot grant (Clinical moderator), so you cannot change their sign-in." \
        in refused
    assert "This account is locked after too many failed sign-in attempts." in clinician.login(
        "cal.clinician@trust.example.org", PASSWORD).get_data(as_text=True)
    owner = made_and_signed_in(app, "olive.owner@trust.example.org", [Role.OWNER], secret=ADMIN_SECRET)
    owner.post(f"/admin/staff/{staff_id}/unlock", form_page=f"/admin/staff/{staff_id}/edit")
    # Signed in: a clinician is then asked to set up their authenticator.
    assert clinician.login("cal.clinician@trust.example.org", PASSWORD).headers["Location"] == "/auth/mfa/setup"


def test_removing_an_authenticator_makes_the_person_enrol_again(app):
    secret = pyotp.random_base32()
    with app.app_context():
        staff_id = make_staff("cal.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR],
                              mfa_secret=secret, name="Cal Clinician").id
    owner = made_and_signed_in(app, "olive.owner@trust.example.org", [Role.OWNER], secret=ADMIN_SECRET)
    owner.post(f"/admin/staff/{staff_id}/reset-mfa", form_page=f"/admin/staff/{staff_id}/edit")
    assert last_audit(app).action == "staff.mfa_reset"
    clinician = AuthActions(app.test_client())
    assert clinician.login("cal.clinician@trust.example.org", PASSWORD).headers["Location"] == "/auth/mfa/setup"


def lines_of(page: str) -> list[str]:
    """The audit log's entries as a person reads them: the sentence and its details, tags and spaces tidied."""
    listed = page.split('<ol class="audit-lines"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).replace(" .", ".").replace(" :", ":").strip()
            for item in listed.split("<li>")[1:]]


def test_the_audit_log_reads_as_sentences_with_names_and_links(app, ada):
    ada.post("/admin/services/new", SERVICE_FORM)
    with app.app_context():
        carers = db.session.scalar(sa.select(Service).where(Service.slug == "carers"))
        carers_id = carers.id
    ada.post(f"/admin/services/{carers_id}/edit", {**SERVICE_FORM, "name": "Carers' circle"},
             form_page=f"/admin/services/{carers_id}/edit")
    page = ada.client.get("/admin/audit").get_data(as_text=True)
    lines = lines_of(page)
    assert re.search(r"Ada Admin changed the service Carers&#39; circle\. Name Carers&#39; support → Carers&#39; "
                     r"circle$", lines[0]), lines[0]
    assert "Ada Admin added the service Carers&#39; circle." in lines[1]
    assert "Ada Admin signed in." in lines[-2]
    assert lines[-1].endswith("The console added Ada Admin. Name Ada Admin Email ada.admin@trust.example.org Roles "
                              "Non-clinical administrator")
    assert f'<a href="/admin/services/{carers_id}/edit">Carers&#39; circle</a>' in page
    assert "service.created" not in page.split("<ol", 1)[1] and "{" not in page.split("<ol", 1)[1], \
        "no codes, no JSON"


def test_the_audit_log_filters_by_person_service_kind_and_date(app, ada):
    ada.post("/admin/services/new", SERVICE_FORM)
    with app.app_context():
        carers_id = db.session.scalar(sa.select(Service.id).where(Service.slug == "carers"))
        ada_id = db.session.scalar(sa.select(StaffMember.id).where(StaffMember.name == "Ada Admin"))
        other = make_staff("bo.other@trust.example.org", roles=[Role.TEAM_MANAGER], name="Bo Other")
        other_service = make_service("Other service", "other-service")
        db.session.add(AuditEntry(action="service.updated", target=f"service:{other_service.id}", actor=other.email,
                                  actor_id=other.id, details={"before": {"area": "A"}, "after": {"area": "B"}}))
        db.session.commit()
    by_service = lines_of(ada.client.get(f"/admin/audit?service={carers_id}").get_data(as_text=True))
    assert len(by_service) == 2
    assert any("Ada Admin added the service Carers&#39; support." in line for line in by_service)
    assert any(re.search(r"Ada Admin added the default risk words for Carers&#39; support: \d+ words and "
                         r"phrases\.", line) for line in by_service)
    by_person = lines_of(ada.client.get(f"/admin/audit?person={ada_id}").get_data(as_text=True))
    assert by_person and all("Ada Admin" in line for line in by_person) and not any("Bo Other" in line
                                                                                     for line in by_person)
    by_kind = lines_of(ada.client.get("/admin/audit?kind=service.updated").get_data(as_text=True))
    assert len(by_kind) == 1 and "Bo Other changed the service Other service" in by_kind[0]
    assert "Area A → B" in by_kind[0]
    today = local_today()
    assert lines_of(ada.client.get(f"/admin/audit?first={today}&last={today}").get_data(as_text=True))[0] == \
        by_kind[0]
    nothing = ada.client.get(f"/admin/audit?last={today - timedelta(days=1)}").get_data(as_text=True)
    assert lines_of(nothing) == ["Nothing recorded matches these filters."]
    backwards = ada.client.get(f"/admin/audit?first={today}&last={today - timedelta(days=1)}")
    assert backwards.status_code == 400 and "The last day comes before the first." in backwards.get_data(as_text=True)
    assert ada.client.get("/admin/audit?person=abc").status_code == 400
    emptied = ada.client.get("/admin/audit?person=&service=&kind=&first=&last=&actor=")
    assert emptied.status_code == 200, "an empty filter means any"
    assert len(lines_of(emptied.get_data(as_text=True))) == len(lines_of(ada.client.get("/admin/audit").get_data(
        as_text=True))) > 1
    assert "Show everything" not in emptied.get_data(as_text=True), "nothing is filtered"
    assert ada.client.get("/admin/audit?page=abc").status_code == 200
    assert ada.client.get("/admin/audit?page=-3").status_code == 200
    second = ada.client.get(f"/admin/audit?service={carers_id}&page=1").get_data(as_text=True)
    assert lines_of(second) == by_service


# --- Who may grant which role (security review, finding 1) ---------------------------------------

def staff_id_of(app, email: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(StaffMember.id).where(StaffMember.email == email))


def roles_of(app, email: str) -> set[str]:
    with app.app_context():
        person = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == email))
        return {role.value for role in person.roles}


def edit_form(name: str, email: str, roles: list[str], **extra) -> dict:
    return {"name": name, "email": email, "roles": roles, **extra}


def test_an_administrator_cannot_give_themselves_roles_and_so_cannot_reach_pid(app, ada):
    own_id = staff_id_of(app, "ada.admin@trust.example.org")
    response = ada.post(f"/admin/staff/{own_id}/edit", edit_form(
        "Ada Admin", "ada.admin@trust.example.org", ["non_clinical_admin", "clinical_admin", "owner"]))
    assert response.status_code == 400
    assert "You cannot change your own roles." in response.get_data(as_text=True)
    assert roles_of(app, "ada.admin@trust.example.org") == {"non_clinical_admin"}
    assert ada.client.get("/escalation/subjects").status_code == 403


def test_the_form_shows_an_administrators_own_roles_as_fixed(app, ada):
    own_id = staff_id_of(app, "ada.admin@trust.example.org")
    page = ada.client.get(f"/admin/staff/{own_id}/edit").get_data(as_text=True)
    boxes = re.findall(r'<input[^>]*name="roles"[^>]*>', page)
    assert len(boxes) == 9 and all("disabled" in box for box in boxes)
    # Saving one's own name keeps one's roles although the browser sends none for disabled boxes.
    response = ada.post(f"/admin/staff/{own_id}/edit",
                        edit_form("Ada Admin-Jones", "ada.admin@trust.example.org", []))
    assert response.status_code == 302
    assert "Ada Admin-Jones has been saved." in ada.client.get(response.headers["Location"]).get_data(as_text=True)
    assert details_of(app, "ada.admin@trust.example.org")[:2] == ("Ada Admin-Jones", {"non_clinical_admin"})


@pytest.mark.parametrize("granted,allowed", [
    ("owner", False), ("clinical_admin", False), ("non_clinical_admin", False), ("clinical_moderator", False),
    ("team_manager", True), ("volunteer", True),
])
def test_a_non_clinical_administrator_grants_only_non_clinical_staff_roles(app, ada, granted, allowed):
    with app.app_context():
        target = make_staff().id
    response = ada.post(f"/admin/staff/{target}/edit", edit_form(
        "Alex Moderator", "alex.moderator@trust.example.org", ["non_clinical_moderator", granted]),
        follow_redirects=True)
    expected = {"non_clinical_moderator", granted} if allowed else {"non_clinical_moderator"}
    assert roles_of(app, "alex.moderator@trust.example.org") == expected
    if not allowed:
        assert "Your role does not let you give or take away" in response.get_data(as_text=True)


def test_a_clinical_administrator_grants_clinical_roles_but_not_administrative_ones(app):
    clinical_admin = made_and_signed_in(app, "cleo.clinadmin@trust.example.org", [Role.CLINICAL_ADMIN],
                                        secret=ADMIN_SECRET)
    with app.app_context():
        target = make_staff().id
    clinical_admin.post(f"/admin/staff/{target}/edit", edit_form(
        "Alex Moderator", "alex.moderator@trust.example.org", ["clinical_moderator"]))
    assert roles_of(app, "alex.moderator@trust.example.org") == {"clinical_moderator"}
    refused = clinical_admin.post(f"/admin/staff/{target}/edit", edit_form(
        "Alex Moderator", "alex.moderator@trust.example.org", ["clinical_moderator", "clinical_admin"]))
    assert "Clinical administrator" in refused.get_data(as_text=True)
    assert roles_of(app, "alex.moderator@trust.example.org") == {"clinical_moderator"}


def test_an_owner_makes_administrators(app):
    owner = made_and_signed_in(app, "olive.owner@trust.example.org", [Role.OWNER], secret=ADMIN_SECRET)
    with app.app_context():
        target = make_staff().id
    owner.post(f"/admin/staff/{target}/edit", edit_form(
        "Alex Moderator", "alex.moderator@trust.example.org", ["non_clinical_admin", "clinical_admin"]))
    assert roles_of(app, "alex.moderator@trust.example.org") == {"non_clinical_admin", "clinical_admin"}


def test_a_new_account_gets_only_roles_its_creator_may_grant(app, ada):
    response = ada.post("/admin/staff/new", edit_form("Owen Owner", "owen@trust.example.org", ["owner"]))
    assert response.status_code == 400
    assert "Your role does not let you give or take away: Owner." in response.get_data(as_text=True)
    assert staff_id_of(app, "owen@trust.example.org") is None


def test_an_administrator_cannot_take_over_a_more_trusted_account_by_its_email(app, ada, smtp_server):
    with app.app_context():
        target = make_staff("cal.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR],
                            name="Cal Clinician").id
    response = ada.post(f"/admin/staff/{target}/edit", edit_form(
        "Cal Clinician", "attacker@elsewhere.example.org", ["clinical_moderator"]))
    assert "you cannot change their email address" in response.get_data(as_text=True)
    assert staff_id_of(app, "cal.clinician@trust.example.org") == target
    for action in ("reset-mfa", "active"):
        ada.post(f"/admin/staff/{target}/{action}", {"active": "0"}, form_page=f"/admin/staff/{target}/edit")
    with app.app_context():
        person = db.session.get(StaffMember, target)
        assert person.active
    page = ada.client.get(f"/admin/staff/{target}/edit").get_data(as_text=True)
    assert "Ask an owner or a clinical administrator." in page
    assert "Remove their authenticator" not in page and ">Deactivate<" not in page


def test_changing_roles_needs_a_fresh_mfa_code(app, ada):
    with app.app_context():
        target = make_staff().id
    with ada.client.session_transaction() as session:
        session["mfa_at"] = 0  # the sign-in's code was long ago
    form = edit_form("Alex Moderator", "alex.moderator@trust.example.org", ["team_manager"])
    response = ada.post(f"/admin/staff/{target}/edit", form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter the code from your authenticator app" in page
    assert 'value="Alex Moderator"' in page  # nothing typed is lost
    assert roles_of(app, "alex.moderator@trust.example.org") == {"non_clinical_moderator"}
    ada.post(f"/admin/staff/{target}/edit", {**form, "code": totp_now(ADMIN_SECRET, steps_ahead=1)})
    assert roles_of(app, "alex.moderator@trust.example.org") == {"team_manager"}


def test_saving_a_name_needs_no_fresh_code(app, ada):
    with app.app_context():
        target = make_staff().id
    with ada.client.session_transaction() as session:
        session["mfa_at"] = 0
    response = ada.post(f"/admin/staff/{target}/edit", edit_form(
        "Alex Moderator-Smith", "alex.moderator@trust.example.org", ["non_clinical_moderator"]))
    assert response.status_code == 302
    staff_page = ada.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Alex Moderator-Smith has been saved." in staff_page
    assert '<th scope="row">Alex Moderator-Smith<br><span class="hint">alex.moderator@trust.example.org' in staff_page
    assert 'value="Alex Moderator-Smith"' in ada.client.get(f"/admin/staff/{target}/edit").get_data(as_text=True)
    assert details_of(app, "alex.moderator@trust.example.org")[:2] == ("Alex Moderator-Smith",
                                                                       {"non_clinical_moderator"})


# --- Every field of a more trusted account; a clinician's services (second review, finding 8) ----------------------

def details_of(app, email: str) -> tuple[str, set[str], list[str]]:
    """A person's name, roles and services (by short name), as saved."""
    with app.app_context():
        person = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == email))
        return person.name, {role.value for role in person.roles}, [service.slug for service in person.services]


def two_services(app) -> tuple[int, int]:
    with app.app_context():
        return make_service().id, make_service("Psychosis", "psychosis").id


@pytest.mark.parametrize("role", [Role.OWNER, Role.CLINICAL_ADMIN, Role.CLINICAL_MODERATOR])
def test_a_non_clinical_administrator_changes_no_field_of_someone_more_trusted(app, ada, role):
    home, other = two_services(app)
    with app.app_context():
        target = make_staff("cal.clinician@trust.example.org", roles=[role], name="Cal Clinician",
                            services_=[db.session.get(Service, home)]).id
    email, held = "cal.clinician@trust.example.org", [role.value]
    # Each of these is a form the page does not offer (its fields are disabled), sent as if it did.
    for form, refused in [
        (edit_form("Cal Someone-Else", email, held, services=[str(home)]), "their name"),
        (edit_form("Cal Clinician", email, held, services=[str(home), str(other)]), "their services"),
        (edit_form("Cal Clinician", email, [*held, "team_manager"], services=[str(home)]), "their roles"),
        (edit_form("Cal Someone-Else", email, held, services=[str(other)]), "their name and services"),
    ]:
        response = ada.post(f"/admin/staff/{target}/edit", form, form_page="/admin/staff/new")
        assert response.status_code == 400
        assert (f"Cal Clinician holds a role yours cannot grant ({role.label}), so you cannot change {refused}. "
                in response.get_data(as_text=True))
    assert details_of(app, email) == ("Cal Clinician", {role.value}, ["eating-disorders"])


def test_a_more_trusted_persons_details_are_shown_disabled_with_the_reason(app, ada):
    home, _ = two_services(app)
    with app.app_context():
        target = make_staff("cal.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR], name="Cal Clinician",
                            services_=[db.session.get(Service, home)]).id
        colleague = make_staff().id
    page = ada.client.get(f"/admin/staff/{target}/edit").get_data(as_text=True)
    fields = re.findall(r'<input[^>]*name="(?:name|email|roles|services)"[^>]*>', page)
    assert len(fields) == 2 + 9 + 2 and all(" disabled" in field for field in fields)
    assert ("Cal Clinician holds a role yours cannot grant (Clinical moderator), so you cannot change their details "
            "or sign-in. Ask an owner or a clinical administrator." in page)
    assert ">Save</button>" not in page
    # Someone whose every role the administrator may grant is theirs to change.
    page = ada.client.get(f"/admin/staff/{colleague}/edit").get_data(as_text=True)
    assert not any(" disabled" in field for field in re.findall(r'<input[^>]*name="(?:name|email|services)"[^>]*>',
                                                                 page))
    assert ">Save</button>" in page
    # The staff list says which records are hers to edit and which she can only view.
    listed = ada.client.get("/admin/staff").get_data(as_text=True)
    assert f'/admin/staff/{target}/edit">View<span class="visually-hidden"> Cal Clinician</span>' in listed
    assert f'/admin/staff/{colleague}/edit">Edit<span' in listed


def test_changing_a_clinicians_services_needs_a_fresh_mfa_code(app):
    home, other = two_services(app)
    with app.app_context():
        target = make_staff("cal.clinician@trust.example.org", roles=[Role.CLINICAL_MODERATOR], name="Cal Clinician",
                            services_=[db.session.get(Service, home)]).id
    owner = made_and_signed_in(app, "olive.owner@trust.example.org", [Role.OWNER], secret=ADMIN_SECRET)
    with owner.client.session_transaction() as session:
        session["mfa_at"] = 0  # the sign-in's code was long ago
    form = edit_form("Cal Clinician", "cal.clinician@trust.example.org", ["clinical_moderator"],
                     services=[str(home), str(other)])
    response = owner.post(f"/admin/staff/{target}/edit", form)
    assert response.status_code == 400
    assert "Enter the code from your authenticator app" in response.get_data(as_text=True)
    assert details_of(app, "cal.clinician@trust.example.org")[2] == ["eating-disorders"]
    owner.post(f"/admin/staff/{target}/edit", {**form, "code": totp_now(ADMIN_SECRET, steps_ahead=1)})
    assert details_of(app, "cal.clinician@trust.example.org")[2] == ["eating-disorders", "psychosis"]


def test_changing_the_services_of_someone_who_reveals_nobody_needs_no_fresh_code(app, ada):
    home, other = two_services(app)
    with app.app_context():
        target = make_staff().id
    with ada.client.session_transaction() as session:
        session["mfa_at"] = 0
    response = ada.post(f"/admin/staff/{target}/edit", edit_form(
        "Alex Moderator", "alex.moderator@trust.example.org", ["non_clinical_moderator"],
        services=[str(home), str(other)]))
    assert response.status_code == 302
    assert details_of(app, "alex.moderator@trust.example.org")[2] == ["eating-disorders", "psychosis"]

def test_an_invitation_never_replaces_a_chosen_password(app, ada, smtp_server):
    with app.app_context():
        target = make_staff().id
    response = ada.post(f"/admin/staff/{target}/invite", form_page=f"/admin/staff/{target}/edit",
                        follow_redirects=True)
    assert "has already chosen a password, so an invitation would replace it" in response.get_data(as_text=True)
    run_queued_tasks(app)
    assert smtp_server.messages == []


def test_an_old_invitation_link_stops_working_once_a_password_is_chosen(app, ada, smtp_server):
    with app.app_context():
        target = make_staff(password=None).id
    ada.post(f"/admin/staff/{target}/invite", form_page=f"/admin/staff/{target}/edit")
    run_queued_tasks(app)
    path = re.search(r"http://[^/]+(/auth/invite/\S+)",
                     text_of(smtp_server.last_to("alex.moderator@trust.example.org"))).group(1)
    with app.app_context():
        db.session.get(StaffMember, target).password_hash = "set-some-other-way"
        db.session.commit()
    response = app.test_client().get(path)
    assert response.status_code == 400
    assert "already has a password" in response.get_data(as_text=True)
