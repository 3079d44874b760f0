"""Escalation cases: opened from the queue or by hand, worked through the service's checklist, clinical notes for
clinical staff only, closed once every required step is done or skipped, plans versioned."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from console.demo import PEOPLE
from console.accounts.models import StaffMember
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from console.queue.models import Post
from console.services.models import Service
from escalation_pathways import service as escalations
from escalation_pathways.models import Case, EscalationPlan
from tests.escalation_pathways.conftest import MEGAN, SARAH, demo_post_id, escalate_demo_post, sign_in
from tests.helpers import run_queued_tasks, signed_in, text_of

ADMIN = next(p for p in PEOPLE if p.role == Role.CLINICAL_ADMIN)
NON_CLINICAL_ADMIN = next(p for p in PEOPLE if p.role == Role.NON_CLINICAL_ADMIN)
OWNER = next(p for p in PEOPLE if p.role == Role.OWNER)
REQUIRED_AFTER_REVIEW = ["Assess the risk level", "Inform the service mailbox", "Record a clinical note",
                         "Close and review: what happened and what follows"]

def test_escalating_a_queue_item_opens_its_case_with_the_post_and_thread(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    page = client.get(f"/escalation/cases/{case_id}").get_data(as_text=True)
    assert "Case " + str(case_id) + ": Willow in Eating disorders" in page
    assert "Says they want to die tonight" in page and "Please talk to the moderators" in page  # the thread
    assert "Assess the risk level" in page and "Escalated: the case is open" in page
    assert f'href="/escalation/cases/{case_id}"' in client.get(f"/queue/items/{demo_post_id(app)}").get_data(
        as_text=True)


def test_a_new_case_tells_the_services_clinicians_at_once_and_shows_on_their_dashboard(app, client, auth,
                                                                                       demo_thread, smtp_server):
    case_id = escalate_demo_post(app, client, auth)
    run_queued_tasks(app)  # the outbox's sender, asked to send at once
    daniel = next(p for p in PEOPLE if p.name == "Daniel Cho")  # a clinical moderator of Eating disorders
    told = smtp_server.last_to(daniel.email)
    assert told["Subject"] == f"New escalation case: Eating disorders, case {case_id}"
    body = text_of(told)
    assert f"/escalation/cases/{case_id}" in body
    assert "Willow" not in body and "want to die" not in body  # no pseudonym, no post text
    assert SARAH.email not in [m["To"] for m in smtp_server.messages]  # not the person who opened it
    assert all(m["To"] != MEGAN.email for m in smtp_server.messages)  # non-clinical staff are not asked
    auth.logout()
    sign_in(auth, next(p for p in PEOPLE if p.name == "Fiona Gallagher"), again=True)
    dashboard = client.get("/").get_data(as_text=True)
    assert f"case {case_id}, Eating disorders</a>, opened" in dashboard and "nobody has started its checklist" \
        in dashboard
    auth.post(f"/escalation/cases/{case_id}/steps/review", form_page=f"/escalation/cases/{case_id}")
    assert "nobody has started its checklist" not in client.get("/").get_data(as_text=True)


def test_a_short_escalation_reason_is_refused_and_nothing_is_recorded(app, client, auth, demo_thread):
    sign_in(auth, MEGAN)
    post_id = demo_post_id(app)
    auth.post(f"/queue/items/{post_id}/claim", form_page=f"/queue/items/{post_id}")
    response = auth.post(f"/queue/items/{post_id}/act", {"action": "escalated", "reason": "risk"},
                         form_page=f"/queue/items/{post_id}")
    assert response.status_code == 400
    assert "Say why the case is opened (at least 10 characters)." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Post, post_id).state == "open"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_steps_take_the_evidence_they_ask_for_and_clinical_steps_need_clinical_staff(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth, person=MEGAN)
    base = f"/escalation/cases/{case_id}"
    auth.post(f"{base}/steps/review", form_page=base)
    response = auth.post(f"{base}/steps/assess_risk", {"evidence": "High"}, form_page=base)
    assert "“Assess the risk level” is for clinical staff." in client.get(response.headers["Location"]).get_data(
        as_text=True)
    auth.post(f"{base}/steps/inform_mailbox", {"evidence": ""}, form_page=base)
    page = client.get(base).get_data(as_text=True)
    assert "“Inform the service mailbox” asks for what was done." in page
    assert "Clinical notes" not in page  # a non-clinical moderator sees no notes section
    auth.logout()
    sign_in(auth, SARAH)
    auth.post(f"{base}/steps/assess_risk", {"evidence": "Somewhat"}, form_page=base)
    assert "Choose one of: Low, Moderate, High, Imminent risk to life." in client.get(base).get_data(as_text=True)
    auth.post(f"{base}/steps/assess_risk", {"evidence": "High"}, form_page=base)
    auth.post(f"{base}/steps/contact_gp", {"evidence": "2099-01-01T10:00"}, form_page=base)
    page = client.get(base).get_data(as_text=True)
    assert "That time is still to come: give when it happened." in page
    assert re.search(r"Done</span>\s+\S.*Sarah Bennett: High", page)
    assert "Megan Price" in page  # who reviewed the post


def test_a_case_closes_only_when_required_steps_are_done_or_skipped_by_a_clinician(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    base = f"/escalation/cases/{case_id}"
    response = auth.post(f"{base}/close", {"summary": "All handled with the GP."}, form_page=base)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "These required steps are still to do (or to skip with a reason): Review the post and its thread; " \
           + "; ".join(REQUIRED_AFTER_REVIEW) in page
    auth.post(f"{base}/steps/review", form_page=base)
    auth.post(f"{base}/steps/assess_risk", {"evidence": "Imminent risk to life"}, form_page=base)
    auth.post(f"{base}/steps/inform_mailbox", {"evidence": "Emailed ed-moderation at 08:10"}, form_page=base)
    auth.post(f"{base}/steps/clinical_note/skip", {"reason": ""}, form_page=base)
    assert "Say why the step is skipped." in client.get(base).get_data(as_text=True)
    auth.post(f"{base}/steps/clinical_note/skip", {"reason": "x"}, form_page=base)
    assert "Say why “Record a clinical note” is skipped (at least 10 characters)." in client.get(base).get_data(
        as_text=True)
    auth.post(f"{base}/notes", {"body": "Spoke to the care coordinator; safety plan in place."}, form_page=base)
    auth.post(f"{base}/steps/clinical_note", form_page=base)
    auth.post(f"{base}/steps/review_outcome/skip", {"reason": "Reviewed at the team huddle instead"},
              form_page=base)
    response = auth.post(f"{base}/close", {"summary": "Safety plan in place; GP informed."}, form_page=base)
    assert response.status_code == 302
    page = client.get(base).get_data(as_text=True)
    assert "Closing summary:</strong> Safety plan in place; GP informed." in page
    assert "Spoke to the care coordinator" in page and "Reviewed at the team huddle instead" in page
    assert "Case " + str(case_id) in client.get("/escalation/?state=closed").get_data(as_text=True)


def test_clinical_notes_are_refused_to_non_clinical_staff(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth, person=MEGAN)
    base = f"/escalation/cases/{case_id}"
    assert auth.post(f"{base}/notes", {"body": "A note"}, form_page=base).status_code == 403
    assert auth.post(f"{base}/steps/assess_risk/skip", {"reason": "Not needed here at all"},
                     form_page=base).status_code == 403


def test_a_case_of_another_service_is_not_found(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    auth.logout()
    other = next(p for p in PEOPLE if p.role == Role.CLINICAL_MODERATOR and "eating-disorders" not in p.services)
    sign_in(auth, other)
    response = client.get(f"/escalation/cases/{case_id}")
    assert response.status_code == 404 and "There is no case at this address in your services." in \
        response.get_data(as_text=True)


def test_a_case_opened_by_hand_and_an_overdue_step_is_highlighted(app, client, auth, demo_thread):
    sign_in(auth, SARAH)
    with app.app_context():
        service_id = db.session.scalar(sa.text("SELECT id FROM services WHERE slug = 'eating-disorders'"))
    response = auth.post("/escalation/cases", {"service_id": service_id, "pseudonym": "Hazel",
                                               "reason": "Worrying message reported by phone"},
                         form_page="/escalation/")
    case_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        case = db.session.get(Case, case_id)
        case.opened_at = case.opened_at.replace(year=case.opened_at.year - 1)
        db.session.commit()
    listing = client.get("/escalation/").get_data(as_text=True)
    assert "Overdue</span> Review the post and its thread; Assess the risk level; Inform the service mailbox" in listing
    assert 'class="checklist__step overdue"' in client.get(f"/escalation/cases/{case_id}").get_data(as_text=True)


def test_a_case_for_a_look_alike_pseudonym_is_refused_and_one_typed_differently_is_the_same(app, client, auth,
                                                                                             demo_thread):
    sign_in(auth, SARAH)
    with app.app_context():
        service_id = db.session.scalar(sa.text("SELECT id FROM services WHERE slug = 'eating-disorders'"))
    reason = "Worrying message reported by phone"
    refused = auth.post("/escalation/cases", {"service_id": service_id, "pseudonym": "Wil\u200blow", "reason": reason},
                        form_page="/escalation/", follow_redirects=True)
    assert "The pseudonym holds invisible characters (U+200B)" in refused.get_data(as_text=True)
    opened = auth.post("/escalation/cases", {"service_id": service_id, "pseudonym": " Ｗｉｌｌｏｗ ", "reason": reason},
                       form_page="/escalation/")
    with app.app_context():
        assert db.session.get(Case, int(opened.headers["Location"].rsplit("/", 1)[1])).pseudonym == "Willow"


def test_a_new_plan_version_applies_to_new_cases_only(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)
    auth.logout()
    sign_in(auth, ADMIN)
    page = "/escalation/plans/eating-disorders"
    assert f'href="{page}"' in client.get("/admin/services").get_data(as_text=True)
    form = {"steps-0-title": "Read the thread", "steps-0-role": "any", "steps-0-required": "y",
            "steps-0-evidence": "none", "steps-1-title": "Call the duty clinician", "steps-1-role": "clinical",
            "steps-1-evidence": "choice", "steps-1-choices": "Reached", "two_person_reveal": "y"}
    response = auth.post(page, form, form_page=page)
    assert response.status_code == 400
    assert "Step 2 (Call the duty clinician) asks for a choice: give at least two options." in \
        response.get_data(as_text=True)
    response = auth.post(page, {**form, "steps-1-choices": "Reached; Not reached"}, form_page=page)
    assert response.status_code == 302
    assert "Saved as version 2." in client.get(page).get_data(as_text=True)
    old = client.get(f"/escalation/cases/{case_id}").get_data(as_text=True)
    assert "plan version 1" in old and "Assess the risk level" in old
    with app.app_context():
        service_id = db.session.scalar(sa.text("SELECT id FROM services WHERE slug = 'eating-disorders'"))
    response = auth.post("/escalation/cases", {"service_id": service_id, "pseudonym": "Hazel",
                                               "reason": "Worrying message reported by phone"},
                         form_page="/escalation/")
    new = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "plan version 2" in new and "Call the duty clinician" in new and "Assess the risk level" not in new
    assert "Ask to reveal" in new


def test_plan_steps_are_added_and_reordered_with_buttons_and_saved_in_that_order(app, client, auth, demo_data):
    sign_in(auth, ADMIN)
    page = "/escalation/plans/eating-disorders"
    editor = client.get(page).get_data(as_text=True)
    titles = re.findall(r'name="steps-\d+-title"[^>]*value="([^"]*)"', editor)
    assert titles and all(titles), "no empty rows at the end: a step is added with a button"
    form = {"steps-0-title": "Read the thread", "steps-0-role": "any", "steps-0-evidence": "none",
            "steps-1-title": "Call the duty clinician", "steps-1-role": "clinical", "steps-1-evidence": "none",
            "two_person_reveal": "y"}
    added = auth.post(page, {**form, "row_action": "add"}, form_page=page).get_data(as_text=True)
    assert 'name="steps-2-title"' in added and "A row was added at the end" in added
    swapped = auth.post(page, {**form, "row_action": "up-2"}, form_page=page).get_data(as_text=True)
    assert re.findall(r'name="steps-\d+-title"[^>]*value="([^"]*)"', swapped) == \
        ["Call the duty clinician", "Read the thread"]
    sent = {"steps-0-title": "Call the duty clinician", "steps-0-role": "clinical", "steps-0-evidence": "none",
            "steps-1-title": "Read the thread", "steps-1-role": "any", "steps-1-evidence": "none",
            "two_person_reveal": "y"}
    assert auth.post(page, sent, form_page=page).status_code == 302
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        assert [step["title"] for step in escalations.plan_steps(service)[0]] == \
            ["Call the duty clinician", "Read the thread"]


def test_only_clinical_staff_decide_whether_a_reveal_needs_a_second_clinician(app, client, auth, demo_data):
    sign_in(auth, NON_CLINICAL_ADMIN)
    page = "/escalation/plans/eating-disorders"
    editor = client.get(page).get_data(as_text=True)
    assert re.search(r'<input[^>]*disabled[^>]*id="two_person_reveal"', editor)
    assert "Now on for this service. Only an owner may switch it off, with a reason." in editor
    steps = {"steps-0-title": "Read the thread", "steps-0-role": "any", "steps-0-evidence": "none"}
    auth.post(page, steps, form_page=page)  # the box unticked: as a browser sends a disabled one
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        assert escalations.plan_steps(service)[1] is True
        non_clinical_admin = db.session.scalar(sa.select(StaffMember).where(
            StaffMember.email == NON_CLINICAL_ADMIN.email))
        with pytest.raises(UserError, match="Only an owner may let a service reveal without a second clinician"):
            escalations.save_plan(service, steps=escalations.plan_steps(service)[0], two_person_reveal=False,
                                  direct_reveal_reason="We would rather not wait", actor=non_clinical_admin)
        owner = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == OWNER.email))
        escalations.save_plan(service, steps=escalations.plan_steps(service)[0], two_person_reveal=False,
                              direct_reveal_reason="One clinician overnight; reviewed each morning", actor=owner)
    editor = client.get(page).get_data(as_text=True)
    assert re.search(r'<input[^>]*disabled[^>]*id="two_person_reveal"', editor)
    assert "Now off for this service. A clinical decision: only clinical administrators and owners switch it on." \
        in editor
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        with pytest.raises(UserError, match="a clinical decision"):
            escalations.save_plan(service, steps=escalations.plan_steps(service)[0], two_person_reveal=True,
                                  actor=db.session.scalar(sa.select(StaffMember).where(
                                      StaffMember.email == NON_CLINICAL_ADMIN.email)))


def test_two_administrators_saving_a_plan_at_once_the_second_is_told(app, demo_data, monkeypatch):
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        admin = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == ADMIN.email))
        steps, _, _ = escalations.plan_steps(service)
        escalations.save_plan(service, steps=steps, two_person_reveal=True, actor=admin)
        # The second administrator read the plan before the first one's save landed.
        monkeypatch.setattr(escalations, "plan_steps", lambda _service: (steps, True, 0))
        with pytest.raises(UserError, match="Someone else saved this plan a moment ago"):
            escalations.save_plan(service, steps=steps[:1], two_person_reveal=True, actor=admin)
        assert [len(saved) for saved in db.session.scalars(sa.select(EscalationPlan.steps))] == [len(steps)]


def test_two_first_cases_at_once_share_the_default_plan(app, demo_data, monkeypatch):
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        admin = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == ADMIN.email))
        first = escalations.add_case(service=service, pseudonym="Hazel", reason="Worrying message reported",
                                     actor=admin)
        db.session.commit()
        # The second case looked for a plan before the first one's landed.
        looks = iter([None])
        real = escalations.current_plan
        monkeypatch.setattr(escalations, "current_plan", lambda s: next(looks, None) or real(s))
        second = escalations.add_case(service=service, pseudonym="Rowan", reason="Worrying message reported",
                                      actor=admin)
        db.session.commit()
        assert second.plan_id == first.plan_id
        assert db.session.scalars(sa.select(EscalationPlan.version)).all() == [1]


def test_the_owner_sees_every_open_case_of_the_trust_without_who_it_is_about(app, client, auth, demo_thread):
    case_id = escalate_demo_post(app, client, auth)  # Sarah Bennett, Eating disorders
    auth.post(f"/escalation/cases/{case_id}/steps/review", form_page=f"/escalation/cases/{case_id}")
    with app.app_context():
        sarah = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == SARAH.email))
        other = db.session.scalar(sa.select(Service).where(Service.slug == "early-intervention-psychosis"))
        fresh = escalations.open_case(sarah, service_id=other.id, pseudonym="Kestrel",
                                      reason="Worried about what they said in the chat")
        fresh_id = fresh.id
        closed = escalations.open_case(sarah, service_id=other.id, pseudonym="Wren", reason="Resolved within the day")
        closed.state = "closed"
        db.session.get(Case, case_id).opened_at -= timedelta(days=4, hours=2)
        db.session.commit()
        closed_id = closed.id
    auth.logout()

    auth.login_demo(Role.OWNER)
    dashboard = client.get("/").get_data(as_text=True)
    assert '<a href="/escalation/trust">All escalations</a>' in dashboard  # in the owner's navigation
    assert '<a href="/escalation/trust">2 open cases</a>, the longest open for 4 days 2 h.' in dashboard
    page = client.get("/escalation/trust").get_data(as_text=True)
    rows = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
            for row in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    assert rows[1:] == [
        f"Case {case_id} Eating disorders 4 days 2 h Assess the risk level Overdue Sarah Bennett",
        f"Case {fresh_id} Early intervention in psychosis 0 min Review the post and its thread Nobody yet",
    ]
    assert f"Case {closed_id}" not in page
    for private in ("Willow", "Kestrel", "want to die", "Worried about", "Robin Fakename"):
        assert private not in page  # neither who a case is about, nor the post, nor why it was opened

    for role in (Role.TEAM_MANAGER, Role.CLINICAL_ADMIN, Role.NON_CLINICAL_MODERATOR):
        other = signed_in(app, role)
        refused = other.client.get("/escalation/trust")
        assert refused.status_code == 403, role
        assert 'href="/escalation/trust"' not in other.client.get("/").get_data(as_text=True)
