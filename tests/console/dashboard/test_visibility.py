"""Staff see only the services they belong to; administrators see them all."""

import html
import re

import sqlalchemy as sa

from console.extensions import db
from console.permissions import Role
from console.services.models import Service
from tests.factories import PASSWORD, make_draft, make_service, make_staff, publish_draft


def test_team_manager_sees_own_services_and_their_staff_only(app, client, auth):
    with app.app_context():
        eating, carers = make_service(), make_service("Carers", "carers", "low")
        make_staff("mo.manager@trust.example.org", roles=[Role.TEAM_MANAGER], services_=[eating], name="Mo Manager")
        make_staff("ed.volunteer@trust.example.org", roles=[Role.VOLUNTEER], services_=[eating], name="Ed Volunteer")
        make_staff("cy.volunteer@trust.example.org", roles=[Role.VOLUNTEER], services_=[carers], name="Cy Volunteer")
    auth.login("mo.manager@trust.example.org", PASSWORD)
    services_page = client.get("/services").get_data(as_text=True)
    assert "Eating disorders" in services_page and "Carers" not in services_page
    staff_page = client.get("/staff").get_data(as_text=True)
    assert "Ed Volunteer" in staff_page and "Cy Volunteer" not in staff_page
    assert "Ed Volunteer" in client.get("/services/eating-disorders").get_data(as_text=True)
    hidden = client.get("/services/carers")
    assert hidden.status_code == 404
    assert "no service at this address that you have access to" in hidden.get_data(as_text=True)


def test_volunteer_sees_the_service_but_not_the_team(app, client, auth):
    with app.app_context():
        eating = make_service()
        make_staff("ed.volunteer@trust.example.org", roles=[Role.VOLUNTEER], services_=[eating], name="Ed Volunteer")
        make_staff("mo.manager@trust.example.org", roles=[Role.TEAM_MANAGER], services_=[eating], name="Mo Manager")
    auth.login("ed.volunteer@trust.example.org", PASSWORD)
    page = client.get("/services/eating-disorders").get_data(as_text=True)
    assert "Every day 08:00–17:00: at least 1 person on duty (clinical moderators or non-clinical moderators)" in page
    assert "Every day 17:00–22:00: at least 1 person on duty (digital champions or volunteers)" in page
    assert "Mo Manager" not in page
    assert "Its moderation queue" in page and "Its coverage standard" not in page, "links only where they may go"


def test_a_service_page_leads_to_its_queue_rota_standard_and_plan(app, client, auth, demo_data):
    with app.app_context():
        publish_draft(make_draft())
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get("/services/eating-disorders").get_data(as_text=True)
    links = dict(re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', page.split("For this service", 1)[1]))
    assert set(links.values()) == {"Its published rota", "Rotas and drafts", "Its coverage standard"}
    for url in links:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, url
    auth.logout()
    auth.login_demo(Role.CLINICAL_ADMIN)
    page = client.get("/services/eating-disorders").get_data(as_text=True)
    assert "Its escalation plan" in page and "Its risk words and response times" in page


def test_administrator_sees_every_service(app, client, auth, demo_data):
    with app.app_context():
        every_service = sorted(service.name for service in db.session.scalars(sa.select(Service)))
    assert len(every_service) >= 4
    auth.login_demo(Role.NON_CLINICAL_ADMIN)
    page = client.get("/services").get_data(as_text=True)
    listed = re.findall(r'<th scope="row"><a href="/services/[^"]+">([^<]+)</a>', page)
    assert sorted(html.unescape(name) for name in listed) == every_service
