"""Revealing who a pseudonym is: clinical roles only, from an open case, with a reason and a fresh MFA code; two
people unless an owner has said why a service may do without, and then a second clinician's review afterwards;
break glass with its review; edits validated; subject rights; the vault being down; and the PID never leaving the
vault except on the reveal page and a subject access export."""

import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta

import flask_migrate
import psycopg
import pytest
import sqlalchemy as sa
import time_machine
from psycopg import sql

from console import create_app
from console.accounts.models import StaffMember
from console.alerts import conditions
from console.database import utcnow
from console.demo import DEMO_IDENTITY, DEMO_TOTP_SECRET, PEOPLE, SERVICES
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from console.services.models import Service
from console.words import local_time
from escalation_pathways import checklists, flows
from escalation_pathways import service as escalations
from escalation_pathways import vault
from escalation_pathways.models import Case, EscalationPlan, RevealRequest
from escalation_pathways.vault.sealing import Sealer, new_key
from escalation_pathways.vault.store import Vault
from tests.conftest import POSTGRES_ADMIN_URL, POSTGRES_TEST_DATABASE, _fresh_postgres_database, base_config, \
    main_database_dump, pid_found_in
from tests.escalation_pathways.conftest import MEGAN, SARAH, escalate_demo_post, sign_in
from tests.helpers import run_queued_tasks, text_of, totp_now

DANIEL = next(p for p in PEOPLE if p.name == "Daniel Cho")  # a second clinical moderator in eating disorders
HELEN = next(p for p in PEOPLE if p.role == Role.CLINICAL_ADMIN)
AMARA = next(p for p in PEOPLE if p.role == Role.OWNER)
REASON = "Imminent risk: need their GP to arrange a visit"
WHY_DIRECT = "Only one clinician is on shift overnight; reviews are done each morning"
PLAN = "/escalation/plans/eating-disorders"


def make_stale(client) -> None:
    """As if the MFA code was given ten minutes ago."""
    with client.session_transaction() as session:
        session["mfa_at"] = time.time() - 600


def vault_actions(app, case_id=None) -> list[str]:
    with app.app_context():
        service_id = db.session.scalar(sa.text("SELECT id FROM services WHERE slug = 'eating-disorders'"))
        return [e.action for e in vault.get().history(service_id, "Willow") if case_id is None or e.case_id == case_id]


def _direct(app) -> None:
    """The owner lets Eating disorders reveal without a second clinician first, saying why."""
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        owner = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == AMARA.email))
        escalations.save_plan(service, steps=escalations.plan_steps(service)[0], two_person_reveal=False,
                              direct_reveal_reason=WHY_DIRECT, actor=owner)


def plan_form(**extra) -> dict:
    """The plan editor's form with the default steps, as the page sends it (a ticked box sends "y")."""
    form = {}
    for n, step in enumerate(checklists.DEFAULT_STEPS):
        form |= {f"steps-{n}-key": step["key"], f"steps-{n}-title": step["title"], f"steps-{n}-role": step["role"],
                 f"steps-{n}-evidence": step["evidence"], f"steps-{n}-choices": "; ".join(step["choices"]),
                 f"steps-{n}-due_minutes": step["due_minutes"] or ""}
        if step["required"]:
            form[f"steps-{n}-required"] = "y"
    return form | extra


def test_a_clinician_reveals_with_a_reason_and_the_page_is_never_cached(app, client, auth, demo_thread):
    _direct(app)
    case_id = escalate_demo_post(app, client, auth)
    response = auth.post(f"/escalation/cases/{case_id}/reveal", {"justification": REASON},
                         form_page=f"/escalation/cases/{case_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Who “Willow” is" in page
    assert "Robin Fakename" in page and "943 476 5919" in page and "RG1 5AN" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert vault_actions(app, case_id) == ["reveal"]
    trail = client.get(f"/escalation/cases/{case_id}").get_data(as_text=True)
    assert "system (recorded or changed the identity): “demo data”" in trail
    assert f"{SARAH.name} (looked, case {case_id}): “{REASON}”" in trail and SARAH.email not in trail
    assert page.count("Robin Fakename") == 1, "the identity is shown once, to read"
    request_id = page.split("/escalation/reveals/")[1].split("/")[0]
    editing = auth.post(f"/escalation/reveals/{request_id}/open", {"edit": "1"},
                        form_page=f"/escalation/cases/{case_id}")
    form = editing.get_data(as_text=True)
    assert form.count("Robin Fakename") == 1 and 'name="name" type="text" value="Robin Fakename"' in form, \
        "to correct it, the same details once, as the form"


def test_a_reveal_and_a_clinical_note_tick_their_checklist_steps(app, client, auth, demo_thread):
    _direct(app)
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    auth.post(f"{base}/notes", {"body": "Spoke with the duty team; GP to call tomorrow."}, form_page=base)
    auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    page = client.get(base).get_data(as_text=True)
    identify = page.split('id="step-identify"')[1].split("</li>")[0]
    note = page.split('id="step-clinical_note"')[1].split("</li>")[0]
    assert "Done" in identify and "The identity was revealed from the vault" in identify
    assert f"by {SARAH.name}" in identify and '<a href="#reveal">See who has looked</a>' in identify
    assert "Done" in note and "A clinical note was added" in note
    assert '<a href="#notes">See the clinical notes</a>' in note
    again = auth.post(f"{base}/notes", {"body": "A second note."}, form_page=base)
    assert again.status_code == 302, "a second note is simply added"


def test_a_stale_mfa_code_is_asked_for_again_and_the_reason_is_kept(app, client, auth, demo_thread):
    _direct(app)
    case_id = escalate_demo_post(app, client, auth)
    make_stale(client)
    base = f"/escalation/cases/{case_id}"
    response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the code from your authenticator app: this needs one given within the last 5 minutes." in page
    assert REASON in page and "Robin Fakename" not in page
    # The code box is at the top of the page, by the message asking for it, not below the checklist.
    assert page.index('name="code"') < page.index("<h2>Checklist</h2>")
    assert "Who this is: not revealed yet" in page and 'autofocus' in page.split('name="code"')[0].rsplit("<", 1)[1] \
        + page.split('name="code"')[1].split(">")[0]
    response = auth.post(f"{base}/reveal", {"justification": REASON, "code": "000000"}, form_page=base)
    assert "That code is not right." in response.get_data(as_text=True)
    assert vault_actions(app, case_id) == []
    response = auth.post(f"{base}/reveal", {"justification": REASON,
                                            "code": totp_now(DEMO_TOTP_SECRET, steps_ahead=1)}, form_page=base)
    assert "Robin Fakename" in response.get_data(as_text=True)


def test_a_reveal_needs_a_real_reason_and_an_open_case(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    response = auth.post(f"{base}/reveal", {"justification": "need it"}, form_page=base)
    assert "Say why you need to know who this is (at least 10 characters)." in response.get_data(as_text=True)
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.state, case.closed_at = "closed", utcnow()
        db.session.commit()
    response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    assert response.status_code == 400 and "Robin Fakename" not in response.get_data(as_text=True)
    assert vault_actions(app, case_id) == []


def test_non_clinical_staff_cannot_reveal(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth, person=MEGAN)
    base = f"/escalation/cases/{case_id}"
    assert "Who this is" not in client.get(base).get_data(as_text=True)
    assert auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base).status_code == 403
    with app.app_context():  # and the service refuses too, whatever route calls it
        megan = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == MEGAN.email))
        with pytest.raises(UserError, match="Reveals are for clinical staff."):
            flows.request_reveal(megan, case_id=case_id, justification=REASON, emergency=True)


def test_where_two_people_are_needed_a_second_clinician_approves_first(app, client, auth, demo_thread, smtp_server):
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your request waits for a second clinician" in page and "Robin Fakename" not in page
    with app.app_context():
        request_id = db.session.scalar(sa.select(RevealRequest.id))
    assert auth.post(f"/escalation/reveals/{request_id}/open", form_page=base).status_code == 302
    assert vault_actions(app, case_id) == []
    run_queued_tasks(app)
    email = smtp_server.last_to(DANIEL.email)
    assert "Reveal waiting for a second clinician" in email["Subject"]
    assert "Willow" not in text_of(email) and "Robin" not in text_of(email)
    auth.logout()
    sign_in(auth, DANIEL)
    assert f"Case {case_id}, Eating disorders" in client.get("/escalation/").get_data(as_text=True)
    auth.post(f"/escalation/reveals/{request_id}/approve", form_page=base)
    auth.logout()
    sign_in(auth, SARAH, again=True)
    response = auth.post(f"/escalation/reveals/{request_id}/open", form_page=base)
    assert "Robin Fakename" in response.get_data(as_text=True)
    assert vault_actions(app, case_id) == ["reveal"]


def test_nobody_approves_their_own_request(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    with app.app_context():
        request_id = db.session.scalar(sa.select(RevealRequest.id))
    response = auth.post(f"/escalation/reveals/{request_id}/approve", form_page=base,
                         headers={"Referer": base})
    assert "you cannot approve your own request" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(RevealRequest, request_id).state == "pending"


def test_break_glass_reveals_at_once_and_a_second_clinician_must_review_it(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    response = auth.post(f"{base}/reveal", {"justification": "Ambulance needs the address now",
                                            "emergency": "y"}, form_page=base)
    assert "Robin Fakename" in response.get_data(as_text=True)
    auth.logout()
    sign_in(auth, DANIEL)
    assert "An emergency reveal to review" in client.get("/").get_data(as_text=True)
    with app.app_context():
        request_id = db.session.scalar(sa.select(RevealRequest.id))
    auth.post(f"/escalation/reveals/{request_id}/review", {"note": "Justified: ambulance dispatched at 08:20"},
              form_page=base)
    assert "An emergency reveal to review" not in client.get("/").get_data(as_text=True)
    assert "Justified: ambulance dispatched at 08:20" in client.get(base).get_data(as_text=True)


def test_an_identity_edit_is_validated_field_by_field_and_audited(app, client, auth, demo_thread):
    _direct(app)
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    with app.app_context():
        request_id = db.session.scalar(sa.select(RevealRequest.id))
    fields = {**DEMO_IDENTITY, "nhs_number": "943 476 5918", "postcode": "nowhere"}
    response = auth.post(f"/escalation/reveals/{request_id}/identity", fields, form_page=base)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "its last digit does not match" in page and "not a UK postcode (like RG1 5AN)." in page
    assert 'value="943 476 5918"' in page  # what was typed is kept to correct
    response = auth.post(f"/escalation/reveals/{request_id}/identity", {**DEMO_IDENTITY, "phone": "07911 123456"},
                         form_page=base)
    assert "Identity saved in the vault." in response.get_data(as_text=True)
    assert "<dt>Phone</dt><dd>07911 123456</dd>" in response.get_data(as_text=True)
    unreadable = auth.post(f"/escalation/reveals/{request_id}/identity", {**DEMO_IDENTITY, "phone": "0118 496"},
                           form_page=base)
    assert unreadable.status_code == 400 and "not a phone number that can be rung: give a UK number like " \
        "0118 496 0123" in unreadable.get_data(as_text=True) and 'value="0118 496"' in unreadable.get_data(as_text=True)
    assert vault_actions(app, case_id) == ["reveal", "edit"]


def test_the_reveal_page_shows_identity_details_in_uk_clinical_formats(app, client, auth, demo_thread):
    _direct(app)
    # 23:30 on 1 July in UTC is already 2 July in London, where the clinician reads the age.
    with time_machine.travel(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)):
        case_id = escalate_demo_post(app, client, auth)
        base = f"/escalation/cases/{case_id}"
        page = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base).get_data(as_text=True)
        details = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
        assert (details["NHS number"], details["Date of birth"], details["Phone"]) == (
            "943 476 5919", "2 March 1994 (age 32)", "0118 496 0123")
        with app.app_context():
            request_id = db.session.scalar(sa.select(RevealRequest.id))
        saved = auth.post(f"/escalation/reveals/{request_id}/identity",
                          {**DEMO_IDENTITY, "date_of_birth": "02/07/1994", "phone": "+33 1 23 45 67 89"},
                          form_page=base).get_data(as_text=True)
        details = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", saved))
        assert (details["Date of birth"], details["Phone"]) == ("2 July 1994 (age 32)", "+33 1 23 45 67 89")
        editing = auth.post(f"/escalation/reveals/{request_id}/open", {"edit": "1"}, form_page=base)
        form = editing.get_data(as_text=True)
        assert 'value="02/07/1994"' in form and 'value="943 476 5919"' in form, "corrected in the same formats"
        listed = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get(base).get_data(as_text=True)))
        assert f"Sarah Bennett Revealed (no second clinician needed) “{REASON}”" in listed
        assert "Approved" not in listed


def test_when_the_vault_is_down_the_reveal_says_so_and_the_case_still_works(app, client, auth, demo_thread):
    _direct(app)
    case_id = escalate_demo_post(app, client, auth)
    real = app.extensions["pid_vault"]
    # Nothing listens on loopback port 9: the vault's database refuses every connection.
    app.extensions["pid_vault"] = down = Vault("postgresql+psycopg://vault@127.0.0.1:9/vault", Sealer([new_key()]),
                                               chain_key=b"k")
    try:
        base = f"/escalation/cases/{case_id}"
        response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
        assert response.status_code == 503
        assert "The identity vault is unavailable" in response.get_data(as_text=True)
        auth.post(f"{base}/steps/review", form_page=base)
        page = client.get(base).get_data(as_text=True)
        assert "Done</span>" in page and "The identity vault cannot be reached right now" in page
        assert client.get("/queue/").status_code == 200
    finally:
        app.extensions["pid_vault"] = real
        down.close()


def test_subject_access_export_and_erasure(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    auth.logout()
    sign_in(auth, HELEN)
    with app.app_context():
        service_id = db.session.scalar(sa.text("SELECT id FROM services WHERE slug = 'eating-disorders'"))
    form = {"service_id": service_id, "pseudonym": "Willow", "reason": "SAR-2026-041 from the person", "export": "y"}
    response = auth.post("/escalation/subjects", form, form_page="/escalation/subjects")
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="subject-access-eating-disorders-Willow.json"'
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data())
    assert document["identity"]["nhs_number"] == "9434765919"
    assert [p["id"] for p in document["posts"]] == ["demo-1"]
    assert document["cases"][0]["id"] == case_id and document["cases"][0]["reason"] == "Says they want to die tonight"
    response = auth.post("/escalation/subjects", {**form, "pseudonym": "Nobody"}, form_page="/escalation/subjects")
    assert "Nothing is held about “Nobody” in Eating disorders" in response.get_data(as_text=True)
    del form["export"]
    response = auth.post("/escalation/subjects", {**form, "erase": "y", "reason": "ERASE-2026-007"},
                         form_page="/escalation/subjects")
    assert "Tick the box to confirm the erasure first: it cannot be undone." in response.get_data(as_text=True)
    with app.app_context():
        assert vault.get().holds(service_id, "Willow")
    response = auth.post("/escalation/subjects", {**form, "erase": "y", "reason": "ERASE-2026-007",
                                                  "confirm_erase": "y"}, form_page="/escalation/subjects")
    assert "Identity erased" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert vault_actions(app) == ["edit", "export", "erase"]  # the demo load, the export, the erasure
    with app.app_context():
        assert not vault.get().holds(service_id, "Willow")


def test_the_pid_appears_nowhere_but_the_reveal_page(app, client, auth, demo_thread, smtp_server, caplog):
    caplog.set_level(logging.DEBUG)
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    pages = []
    pages.append(auth.post(f"{base}/reveal", {"justification": "Ambulance needs the address now",
                                              "emergency": "y"}, form_page=base))
    with app.app_context():
        request_id = db.session.scalar(sa.select(RevealRequest.id))
    bad = auth.post(f"/escalation/reveals/{request_id}/identity", {**DEMO_IDENTITY, "email": "robin.fakename@"},
                    form_page=base)
    auth.post(f"{base}/notes", {"body": "Ambulance sent; safety plan in place."}, form_page=base)
    pages += [client.get(base), client.get("/escalation/"), client.get("/"), client.get("/queue/"),
              client.get("/escalation/reveals/1/open"), client.get("/escalation/cases/999"),
              client.post(f"{base}/reveal", data={"justification": REASON})]  # 405, 404, 400 (no CSRF token)
    run_queued_tasks(app)
    assert bad.status_code == 400
    errors = [p for p in pages[1:] if p.status_code >= 400]
    assert {p.status_code for p in errors} == {400, 404, 405}
    with app.app_context():
        database = main_database_dump()
    places = {
        "logs": caplog.text,
        "main database": database,
        "emails": "\n".join(m.as_string() for m in smtp_server.messages),
        "pages other than the reveal": "\n".join(p.get_data(as_text=True) for p in pages[1:]),
    }
    assert smtp_server.messages  # the break-glass emails were sent, and are scanned
    assert {where: pid_found_in(text) for where, text in places.items()} == {where: [] for where in places}
    assert "Robin Fakename" in pid_found_in(pages[0].get_data(as_text=True))  # the scan sees PID where it is


def test_a_two_person_reveal_needs_someone_who_could_approve_it(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    with app.app_context():
        for other in db.session.scalars(sa.select(StaffMember).where(StaffMember.email != SARAH.email)):
            other.active = False
        db.session.commit()
    base = f"/escalation/cases/{case_id}"
    response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    assert "Nobody else in Eating disorders can approve a reveal. In an emergency, break glass" in \
        response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RevealRequest)) == 0


def test_every_service_needs_a_second_clinician_for_a_reveal_unless_an_owner_says_otherwise(app, client, auth,
                                                                                           demo_thread, smtp_server):
    with app.app_context():  # the demo trust, as loaded: no service has been told otherwise
        assert {service.slug: escalations.plan_steps(service)[1]
                for service in db.session.scalars(sa.select(Service))} == {slug: True for _, slug, *_ in SERVICES}
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    page = client.get(base).get_data(as_text=True)
    assert "this service needs a second clinician to approve a reveal (except in an emergency)" in page
    assert ">Ask to reveal</button>" in page
    response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    assert response.status_code == 302 and "Robin Fakename" not in response.get_data(as_text=True)
    assert "Your request waits for a second clinician" in client.get(response.headers["Location"]).get_data(
        as_text=True)
    assert vault_actions(app, case_id) == []
    run_queued_tasks(app)
    assert smtp_server.last_to(DANIEL.email)["Subject"] == \
        f"Reveal waiting for a second clinician: Eating disorders, case {case_id}"
    with app.app_context():
        assert db.session.scalar(sa.select(RevealRequest.kind)) == "two_person"
        assert db.session.scalar(sa.select(EscalationPlan.two_person_reveal).where(
            EscalationPlan.id == db.session.get(Case, case_id).plan_id)) is True


def test_only_an_owner_lets_a_service_reveal_without_a_second_clinician_and_says_why(app, client, auth, demo_data):
    sign_in(auth, HELEN)  # a clinical administrator: may switch the rule on, not off
    editor = client.get(PLAN).get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*disabled[^>]*id="two_person_reveal"', editor)
    assert "Now on for this service. Only an owner may switch it off, with a reason." in editor
    assert 'name="direct_reveal_reason"' not in editor
    assert auth.post(PLAN, plan_form(), form_page=PLAN).status_code == 302  # the disabled box sends nothing
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        assert escalations.plan_steps(service)[1] is True, "the steps were saved, the rule kept"
        helen = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == HELEN.email))
        with pytest.raises(UserError, match="Only an owner may let a service reveal without a second clinician"):
            escalations.save_plan(service, steps=escalations.plan_steps(service)[0], two_person_reveal=False,
                                  direct_reveal_reason=WHY_DIRECT, actor=helen)

    auth.logout()
    sign_in(auth, AMARA, again=True)
    editor = client.get(PLAN).get_data(as_text=True)
    assert not re.search(r'<input[^>]*disabled[^>]*id="two_person_reveal"', editor)
    unsaid = auth.post(PLAN, plan_form(), form_page=PLAN)  # the box unticked, no reason
    assert unsaid.status_code == 400
    assert "Say why Eating disorders may reveal without a second clinician (at least 10 characters)." in \
        unsaid.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(sa.select(EscalationPlan.two_person_reveal)).all() == [True], "nothing saved"
    assert auth.post(PLAN, plan_form(direct_reveal_reason=WHY_DIRECT), form_page=PLAN).status_code == 302
    editor = client.get(PLAN).get_data(as_text=True)
    assert "Reveals in Eating disorders do not wait for a second clinician: Amara Okafor decided so" in editor
    assert f"“{WHY_DIRECT}”" in editor and "a second clinician reviews each reveal within 24 hours" in editor
    audit = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/admin/audit").get_data(as_text=True)))
    assert "Amara Okafor let Eating disorders reveal identities without a second clinician first" in audit
    assert f"Reason {WHY_DIRECT}" in audit

    auth.logout()
    sign_in(auth, HELEN, again=True)  # switching it back on is a clinical administrator's to do too
    editor = client.get(PLAN).get_data(as_text=True)
    assert not re.search(r'<input[^>]*disabled[^>]*id="two_person_reveal"', editor) and WHY_DIRECT in editor
    assert auth.post(PLAN, plan_form(two_person_reveal="y"), form_page=PLAN).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(EscalationPlan.two_person_reveal).order_by(EscalationPlan.version)) \
            .all() == [True, False, True]
    audit = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/admin/audit").get_data(as_text=True)))
    assert "Helen Marsh made reveals in Eating disorders wait for a second clinician" in audit


def test_a_reveal_without_a_second_clinician_is_reviewed_by_one_within_24_hours(app, client, auth, demo_thread,
                                                                               smtp_server):
    _direct(app)
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    page = client.get(base).get_data(as_text=True)
    assert f"Eating disorders does not ask for a second clinician before a reveal: “{WHY_DIRECT}”" in page
    response = auth.post(f"{base}/reveal", {"justification": REASON}, form_page=base)
    assert "Robin Fakename" in response.get_data(as_text=True)
    run_queued_tasks(app)
    email = smtp_server.last_to(DANIEL.email)
    assert email["Subject"] == f"Reveal to review within 24 hours: Eating disorders, case {case_id}"
    assert "Willow" not in text_of(email) and "Robin" not in text_of(email)
    with app.app_context():
        request = db.session.scalar(sa.select(RevealRequest))
        assert request.kind == "direct" and request.review_due_at == request.decided_at + timedelta(hours=24)
        late = conditions.escalations_late(request.review_due_at + timedelta(minutes=1))
        assert [c.summary for c in late if c.kind == "review_overdue"] == [
            f"A reveal made without a second clinician in escalation case {case_id} (Eating disorders) has not been "
            f"reviewed by a second clinician: the review was due at {local_time(request.review_due_at)}."]
        request_id = request.id
    auth.logout()
    sign_in(auth, DANIEL)
    assert "A reveal made without a second clinician, to review" in client.get("/").get_data(as_text=True)
    assert "Sarah Bennett revealed without a second clinician" in client.get("/escalation/").get_data(as_text=True)
    auth.post(f"/escalation/reveals/{request_id}/review", {"note": "Justified: GP visit arranged for today"},
              form_page=base)
    assert "A reveal made without a second clinician, to review" not in client.get("/").get_data(as_text=True)
    assert "Reviewed by Daniel Cho" in client.get(base).get_data(as_text=True)
    with app.app_context():
        assert [c for c in conditions.escalations_late(utcnow() + timedelta(days=2)) if c.kind == "review_overdue"] \
            == []


@pytest.fixture(params=["sqlite", "postgresql"])
def older_database(request, tmp_path):
    """An empty database of each kind, for a test to migrate step by step; a PostgreSQL one is dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'older.db'}"
        return
    name = f"{POSTGRES_TEST_DATABASE}_older"
    yield _fresh_postgres_database(name)
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_upgrading_makes_every_existing_service_wait_for_a_second_clinician(older_database):
    app = create_app(base_config(older_database))
    with app.app_context():
        flask_migrate.upgrade(revision="0021")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO services (id, name, slug, risk_tier, area, mailbox, active, created_at) VALUES "
                "(1, 'Older', 'older', 'high', 'A', 'a@x.org', true, '2026-11-01')"))
            connection.execute(sa.text(
                "INSERT INTO escalation_plans (service_id, version, steps, two_person_reveal, created_at) VALUES "
                "(1, 1, '[]', false, '2026-11-01'), (1, 2, '[]', false, '2026-11-02')"))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            plans = connection.execute(sa.text("SELECT version, two_person_reveal, direct_reveal_reason FROM "
                                               "escalation_plans ORDER BY version")).all()
        db.engine.dispose()
    assert [(version, bool(two_person), reason) for version, two_person, reason in plans] == \
        [(1, True, ""), (2, True, "")], "every version, so open cases on an older one need a second clinician too"
