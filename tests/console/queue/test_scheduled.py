"""The queue's scheduled monthly report, at a frozen moment and read off a real SMTP server: managers get each
service's figures once, on the first of the month. (The follow-ups job is in test_follow_ups.py.)"""

from datetime import timedelta

import time_machine

from console.notifications import service as outbox
from scheduler.runner import run_job
from tests.factories import next_monday
from tests.helpers import at

PRIYA = "priya.shah@demo-trust.example.org"


def test_managers_get_the_monthly_report_on_the_first(app, demo_data, smtp_server):
    first = (next_monday().replace(day=1) + timedelta(days=32)).replace(day=1)
    moment = at(8, 30, day=first)
    with time_machine.travel(moment, tick=False) as traveller, app.app_context():
        for later in (timedelta(0), timedelta(hours=1)):  # the first run of the day, then the next hour's
            traveller.move_to(moment + later)
            run_job("monthly")
            outbox.send_outbox()
        reports = [m for m in smtp_server.messages if m["To"] == PRIYA]
        assert [m["Subject"] for m in reports] == [f"Monthly moderation report, {moment:%B %Y}"]
        text = reports[0].get_body(("plain",)).get_content()
        assert "Eating disorders: " in text and "acted on within their deadline" in text and "(s)" not in text
        assert "http://127.0.0.1:5000/queue/report" in text
