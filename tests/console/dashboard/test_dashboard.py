"""The dashboard a person opens on a Monday morning: what waits for them, and their shifts this week."""

from datetime import timedelta

from console.database import local_today
from console.extensions import db
from console.permissions import Role
from console.staffing.models import LeaveRequest
from tests.factories import person


def test_a_manager_sees_services_short_of_cover_and_leave_to_decide(app, client, auth, demo_data):
    with app.app_context():
        soon = local_today() + timedelta(days=10)
        db.session.add(LeaveRequest(staff_id=person(Role.VOLUNTEER).id, first_day=soon, last_day=soon))
        db.session.commit()
    auth.login_demo(Role.TEAM_MANAGER)
    page = client.get("/").get_data(as_text=True)
    assert "Waiting for you" in page
    for service in ("Eating disorders", "Early intervention in psychosis", "Demo low-risk service"):
        assert f"<strong>{service}:</strong> No rota is published ahead; at least 4 weeks are needed." in page
    assert "Perinatal" not in page.split("Waiting for you")[1].split("Your services")[0]  # not Priya's
    assert "1 leave request</a> to decide" in page


def test_a_volunteer_sees_their_week_and_not_the_managers_list(client, auth, demo_data):
    auth.login_demo(Role.VOLUNTEER)
    page = client.get("/").get_data(as_text=True)
    assert "Waiting for you" not in page
    assert "Your shifts this week" in page and "No published shifts in the next 7 days." in page
