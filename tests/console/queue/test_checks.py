"""Moderation checks against a low-risk service's standard: today, the longest gap, the last 28 days."""

from datetime import timedelta

import sqlalchemy as sa

from console.extensions import db
from console.permissions import Role
from console.queue import checks
from console.queue.models import ModerationCheck
from console.services.models import Service
from tests.factories import make_draft, person, publish_draft, service_id_of
from tests.helpers import MONDAY, at

CHLOE = Role.NON_CLINICAL_MODERATOR


def test_the_longest_gap_counts_the_window_edges():
    assert checks.longest_gap([], 480, 1320) == 840
    assert checks.longest_gap([600, 840, 1080], 480, 1320) == 240
    assert checks.longest_gap([700], 480, 1320) == 620


def test_a_moderator_records_checks_and_sees_them_against_the_standard(app, client, auth, demo_data):
    auth.login_demo(CHLOE)
    check = f"/queue/services/{service_id_of(app, 'demo-low')}/check"
    done = auth.post(check, form_page="/queue/checks", follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "Check recorded." in page and "1 of 4" in page
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
