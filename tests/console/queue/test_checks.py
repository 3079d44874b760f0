"""Moderation checks against a low-risk service's standard: today, the longest gap, the last 28 days."""

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from console.extensions import db
from console.permissions import Role
from console.queue import checks, pages
from console.queue.models import ModerationCheck
from console.services.models import Service
from tests.factories import PASSWORD, make_draft, make_service, make_staff, person, publish_draft, service_id_of
from tests.helpers import MONDAY, at, signed_in

CHLOE = Role.NON_CLINICAL_MODERATOR


def test_the_longest_gap_counts_the_window_edges():
    assert checks.longest_gap([], 480, 1320) == 840
    assert checks.longest_gap([600, 840, 1080], 480, 1320) == 240
    assert checks.longest_gap([700], 480, 1320) == 620


def test_a_moderator_records_checks_and_sees_them_against_the_standard(app, client, auth, demo_data):
    check = f"/queue/services/{service_id_of(app, 'demo-low')}/check"
    with time_machine.travel(at(10), tick=False):  # inside the checks window, where a check counts
        auth.login_demo(CHLOE)
        done = auth.post(check, form_page="/queue/checks", follow_redirects=True)
        page = done.get_data(as_text=True)
        assert "Check recorded." in page and "1 of 4 checks (10:00)" in page
        again = auth.post(check, form_page="/queue/checks", follow_redirects=True)
        assert "already recorded" in again.get_data(as_text=True)
        assert "perinatal" not in client.get("/queue/checks").get_data(as_text=True).lower()  # not her service
        perinatal = f"/queue/services/{service_id_of(app, 'perinatal')}/check"
        refused = auth.post(perinatal, form_page="/queue/checks", follow_redirects=True)
        assert "only for services you belong to" in refused.get_data(as_text=True)


def test_days_meeting_the_standard_and_planned_against_done(app, demo_data):
    with app.app_context():
        chloe = person(CHLOE)
        demo_low = db.session.scalar(sa.select(Service).where(Service.slug == "demo-low"))
        publish_draft(make_draft(start=MONDAY))
        now = at(21, 30, day=MONDAY + timedelta(days=2))  # Wednesday evening of the published rota
        good, short, gappy = (MONDAY + timedelta(days=d) for d in range(3))
        times = {good: [(8, 30), (12, 0), (15, 30), (19, 0)], short: [(9, 0), (13, 0), (17, 0)],
                 gappy: [(8, 0), (8, 30), (9, 0), (21, 0)]}
        for day, moments in times.items():
            db.session.add_all(ModerationCheck(service_id=demo_low.id, staff_id=chloe.id, checked_at=at(h, m, day=day))
                               for h, m in moments)
        db.session.commit()
        row = next(r for r in checks.report(chloe, now=now) if r.service.slug == "demo-low")
    assert row.today == 4 and row.today_times == ["08:00", "08:30", "09:00", "21:00"]
    assert row.longest_gap_done == 12 * 60  # 09:00 to 21:00
    assert row.longest_gap_planned is not None and row.longest_gap_planned <= 4 * 60  # the published rota's checks
    assert row.days_met == 1  # Monday; Tuesday is one short; today is not over


def test_only_checks_inside_the_window_count_and_before_it_opens_no_gap_is_counted(app, demo_data):
    """A check at 23:56 is recorded and shown, but does not count towards 4 a day 08:00-22:00; just after midnight
    the day's longest gap is not "1 min so far"."""
    with app.test_request_context():
        chloe = person(CHLOE)
        demo_low = db.session.scalar(sa.select(Service).where(Service.slug == "demo-low"))
        day = MONDAY + timedelta(days=2)
        db.session.add_all(ModerationCheck(service_id=demo_low.id, staff_id=chloe.id, checked_at=at(h, m, day=day))
                           for h, m in ((8, 0), (11, 0), (14, 0), (23, 56)))
        db.session.commit()
        late = pages.checks_page(chloe, now=at(23, 58, day=day))
        early = pages.checks_page(chloe, now=at(0, 10, day=day + timedelta(days=1)))
    (line,) = [line for line in late.lines if line.service.slug == "demo-low"]
    assert line.today == "3 of 4 checks (08:00, 11:00, 14:00, 23:56, outside the window)" and line.short_today
    (line,) = [line for line in early.lines if line.service.slug == "demo-low"]
    assert line.days_met == "standard met on 0 of 28 days"  # three in the window and a gap of 8 h to 22:00
    assert line.today == "0 of 4 checks" and line.gap_done == "none yet: the window opens at 08:00"
    assert line.gap_over == ""


def test_the_checks_page_says_it_in_words_over_the_same_28_whole_days_as_the_queue_report(app, demo_data):
    """Issue 31, item 11: counts and lengths of time in words, and the 28 days the rest of the console counts."""
    with app.test_request_context():
        chloe = person(CHLOE)
        demo_low = db.session.scalar(sa.select(Service).where(Service.slug == "demo-low"))
        publish_draft(make_draft(start=MONDAY))
        now = at(21, 30, day=MONDAY + timedelta(days=2))
        # 28 whole days before today: a day that met the standard 28 days ago counts, one 29 days ago does not.
        for day in (MONDAY + timedelta(days=2 - 28), MONDAY + timedelta(days=2 - 29), MONDAY):
            db.session.add_all(ModerationCheck(service_id=demo_low.id, staff_id=chloe.id, checked_at=at(h, 0, day=day))
                               for h in (8, 11, 14, 17, 20))
        db.session.add(ModerationCheck(service_id=demo_low.id, staff_id=chloe.id, checked_at=at(8, 30, day=now.date())))
        db.session.commit()
        page = pages.checks_page(chloe, now=now)
    (line,) = [line for line in page.lines if line.service.slug == "demo-low"]
    assert page.days_heading == "Last 28 days" and not page.read_only and line.may_record
    assert line.today == "1 of 4 checks (08:30)" and line.short_today
    assert line.days_met == "standard met on 2 of 28 days"
    assert line.standard == "4 checks a day, 08:00–22:00, at most 4 h apart"
    assert (line.gap_done, line.gap_over) == ("13 h so far", "over the 4 h allowed")
    assert line.planned.startswith("4 checks planned, at most ") and line.planned.endswith(" apart")


def test_team_managers_and_owners_read_the_checks_of_their_own_services_only(app, client, auth, demo_data):
    """Issue 31, item 7: managers get "checks overdue" alerts, so they read the page; recording stays with the
    service's moderators."""
    with app.app_context():
        other = make_service("Carers' low-risk forum", "carers-low", risk_tier="low")
        make_staff("olu.manager@trust.example.org", roles=(Role.TEAM_MANAGER,), services_=(other,), name="Olu Manager")
        demo_low_id = service_id_of(app, "demo-low")
    auth.login_demo(Role.TEAM_MANAGER)  # Priya manages the demo low-risk service
    page = client.get("/queue/checks")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Demo low-risk service" in text and "Carers' low-risk forum" not in text
    assert "You can read this page for the services you manage" in text and "I have checked it now" not in text
    assert auth.post(f"/queue/services/{demo_low_id}/check", form_page="/queue/checks").status_code == 403
    auth.logout()
    auth.login("olu.manager@trust.example.org", PASSWORD)
    text = client.get("/queue/checks").get_data(as_text=True)
    assert "Carers" in text and "Demo low-risk service" not in text
    auth.logout()
    owner = signed_in(app, Role.OWNER)
    text = owner.client.get("/queue/checks").get_data(as_text=True)
    assert "Carers" in text and "Demo low-risk service" in text and "I have checked it now" not in text
