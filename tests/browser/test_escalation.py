"""A clinical moderator in real Chromium escalates a critical post, reveals who wrote it with a reason, works the
checklist and closes the case."""

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from console import demo
from console.accounts.models import StaffMember
from console.extensions import db
from console.services.models import Service
from escalation_pathways import service as escalations
from tests.browser.conftest import assert_accessible, assert_no_sideways_scrolling, on_a_phone, screenshot
from tests.browser.conftest import sign_in_with_password

pytestmark = pytest.mark.browser
CLINICIAN = "sarah.bennett@demo-trust.example.org"  # clinical moderator, eating disorders
OWNER = "amara.okafor@demo-trust.example.org"


def test_a_clinician_escalates_reveals_completes_the_checklist_and_closes_the_case(page, live_app, live_server):
    with live_app.app_context():
        demo.load_thread()
        # The owner lets Eating disorders reveal without a second clinician first (each reveal reviewed afterwards).
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        owner = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == OWNER))
        escalations.save_plan(service, steps=escalations.plan_steps(service)[0], two_person_reveal=False,
                              direct_reveal_reason="One clinician overnight; reviewed each morning", actor=owner)
    sign_in_with_password(page, live_server, CLINICIAN)
    page.get_by_label("Code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")

    # The demo's critical post is first in the Eating disorders queue.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    page.get_by_role("link", name="Eating disorders").click()
    page.get_by_role("button", name="Take the next item").click()
    expect(page.get_by_text('"want to die" on the critical list')).to_be_visible()
    page.get_by_label("Reason or note").fill("Says they want to die tonight and has stopped eating")
    page.get_by_role("button", name="Escalate").click()

    # The case opens with the post, its thread and the service's checklist.
    expect(page.get_by_role("heading", name="Case 1: Willow in Eating disorders")).to_be_visible()
    expect(page.get_by_text("Escalated: the case is open")).to_be_visible()
    expect(page.get_by_text("Please talk to the moderators, they can help tonight.")).to_be_visible()
    expect(page.get_by_text("Eating disorders does not ask for a second clinician before a reveal")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "escalation-case")

    # Reveal who Willow is, with a reason: the page is never cached.
    page.get_by_label("Why you need to know who this is").fill("Imminent risk: GP to arrange an urgent visit")
    with page.expect_response(lambda r: r.url.endswith("/escalation/cases/1/reveal")) as revealed:
        page.get_by_role("button", name="Reveal").click()
    assert revealed.value.headers["cache-control"] == "no-store"
    expect(page.get_by_role("heading", name="Who “Willow” is")).to_be_visible()
    identity = page.locator("dl.identity").inner_text()
    assert "Robin Fakename" in identity and "943 476 5919" in identity and "Demo Street Surgery" in identity
    assert "2 March 1994 (age " in identity and "0118 496 0123" in identity  # as UK clinical records write them
    assert_accessible(page)
    screenshot(page, "escalation-identity")
    on_a_phone(page)
    screenshot(page, "escalation-identity-phone")
    assert_no_sideways_scrolling(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Back to case 1").click()
    expect(page.locator("#reveal ~ ul.plain-list").first).to_contain_text(
        "Revealed (no second clinician needed)")

    # Work through the required steps.
    page.locator("#step-review").get_by_role("button", name="Mark as done").click()
    page.locator("#step-assess_risk").get_by_label("Choose").select_option("Imminent risk to life")
    page.locator("#step-assess_risk").get_by_role("button", name="Mark as done").click()
    page.locator("#step-contact_gp").get_by_label("When (UK time)").fill("2026-11-25T08:30")
    page.locator("#step-contact_gp").get_by_role("button", name="Mark as done").click()
    page.locator("#step-inform_mailbox").get_by_label("What was done").fill("Emailed the ED mailbox with the case link")
    page.locator("#step-inform_mailbox").get_by_role("button", name="Mark as done").click()
    page.get_by_label("Clinical note").fill("GP surgery agreed an urgent home visit this morning.")
    page.get_by_role("button", name="Add the note").click()
    # The reveal and the note tick their own steps, with a link to what records them.
    assert "The identity was revealed from the vault" in page.locator("#step-identify").inner_text()
    assert "A clinical note was added" in page.locator("#step-clinical_note").inner_text()
    page.locator("#step-clinical_note").get_by_role("link", name="See the clinical notes").click()
    expect(page.get_by_text("GP surgery agreed an urgent home visit this morning.")).to_be_visible()
    page.locator("#step-review_outcome").get_by_label("What was done").fill("Visit arranged; follow up tomorrow")
    page.locator("#step-review_outcome").get_by_role("button", name="Mark as done").click()
    assert "Wed 25 Nov 2026 08:30" in page.locator("#step-contact_gp").inner_text()

    page.get_by_label("Closing summary").fill("Urgent GP visit arranged; moderators to watch the thread.")
    page.get_by_role("button", name="Close the case").click()
    expect(page.get_by_text("Case closed.")).to_be_visible()
    expect(page.get_by_text("Closing summary: Urgent GP visit arranged")).to_be_visible()
    assert page.get_by_role("button", name="Mark as done").count() == 0
    assert_accessible(page)
    screenshot(page, "escalation-closed")
    on_a_phone(page)  # the case on a phone: nothing runs off the side
    page.reload()
    assert_no_sideways_scrolling(page, "the case")
    screenshot(page, "escalation-case-phone")


def test_the_plan_editor_and_subject_rights_pages_are_accessible(page, live_app, live_server):
    with live_app.app_context():
        demo.load_thread()
    sign_in_with_password(page, live_server, "helen.marsh@demo-trust.example.org")  # clinical administrator
    page.get_by_label("Code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")

    page.goto(f"{live_server}/admin/services")
    page.get_by_role("link", name="Escalation plan of Eating disorders").click()
    expect(page.get_by_role("heading", name="Escalation plan: Eating disorders")).to_be_visible()
    assert_accessible(page)
    # On by default; a clinical administrator may not switch it off (only an owner, saying why).
    expect(page.get_by_label("A reveal waits for a second clinician's approval")).to_be_checked()
    expect(page.get_by_label("A reveal waits for a second clinician's approval")).to_be_disabled()
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("Saved as version 1.")).to_be_visible()
    screenshot(page, "escalation-plan")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
    page.get_by_role("navigation", name="Administration").get_by_role("link", name="Subject rights").click()
    page.wait_for_url("**/escalation/subjects")
    assert_accessible(page)
    page.get_by_label("Service").select_option(label="Eating disorders")
    page.get_by_label("Pseudonym").fill("Willow")
    page.get_by_label("Request reference or reason").fill("SAR-2026-041")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export everything held").click()
    assert download.value.suggested_filename == "subject-access-eating-disorders-Willow.json"


def test_the_owner_reads_the_open_cases_of_the_trust_from_the_navigation(page, live_app, live_server):
    with live_app.app_context():
        sarah = db.session.scalar(sa.select(StaffMember).where(StaffMember.email == CLINICIAN))
        service = db.session.scalar(sa.select(Service).where(Service.slug == "eating-disorders"))
        escalations.open_case(sarah, service_id=service.id, pseudonym="Kestrel",
                              reason="Said they have stopped eating for three days")
    sign_in_with_password(page, live_server, OWNER)
    page.get_by_label("Code").fill(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="All escalations").click()
    expect(page.get_by_role("heading", name="Open escalation cases across the trust")).to_be_visible()
    row = page.get_by_role("region", name="Open cases").get_by_role("row").nth(1)
    expect(row).to_contain_text("Eating disorders")
    expect(row).to_contain_text("Review the post and its thread")
    expect(row).to_contain_text("Nobody yet")
    assert "Kestrel" not in page.content() and "stopped eating" not in page.content()
    # The owner's seven sections and Sign out fit one row of the header on a desktop.
    header = page.evaluate("""() => [document.querySelector('nav[aria-label=Main]'), document.querySelector('.signout')]
        .map(element => element.getBoundingClientRect().top)""")
    assert abs(header[0] - header[1]) < 20, header
    assert_accessible(page)
    screenshot(page, "escalation-trust")
    on_a_phone(page)
    screenshot(page, "escalation-trust-phone")
