"""The rota's scheduled jobs, at frozen moments and read off a real SMTP server: shift reminders, open-shift offers
and the managers' digest, each once, each as the person chose, and one failing without stopping the others."""

from datetime import datetime, timedelta

import sqlalchemy as sa
import time_machine

from console.extensions import db
from console.notifications import preferences
from console.notifications import service as outbox
from console.permissions import Role
from console.rotas import scheduled
from scheduler.runner import run_job
from tests.factories import person, publish_with_a_gap, services, version_with
from tests.helpers import MONDAY, at

SUNDAY = MONDAY - timedelta(days=1)  # the day before the rota starts
WEEK_BEFORE = MONDAY - timedelta(weeks=1)  # the Monday a week before it
ELLA = "ella.robinson@demo-trust.example.org"
PRIYA = "priya.shah@demo-trust.example.org"


def run(traveller, job: str, moment: datetime) -> None:
    traveller.move_to(moment)
    run_job(job)
    outbox.send_outbox()


def subjects_to(smtp_server, address: str) -> list[str]:
    return [m["Subject"] for m in smtp_server.messages if m["To"] == address]


def choose(staff_id: int, **changes) -> None:
    current = preferences.settings_of(staff_id)
    preferences.save(staff_id, **{name: getattr(current, name) for name in preferences.DEFAULTS} | changes)


def test_a_volunteer_is_reminded_a_day_and_an_hour_before_each_shift_once(app, demo_data, smtp_server):
    with time_machine.travel(at(12, day=SUNDAY), tick=False) as traveller, app.app_context():
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60)], person(Role.VOLUNTEER).id, "published")
        run(traveller, "reminders", at(16, 55, day=SUNDAY))
        assert subjects_to(smtp_server, ELLA) == []
        run(traveller, "reminders", at(17, 0, day=SUNDAY))
        run(traveller, "reminders", at(17, 5, day=SUNDAY))
        day = f"{MONDAY:%a %d %b}"
        assert subjects_to(smtp_server, ELLA) == [f"Your shift tomorrow: Eating disorders, {day} 17:00–22:00"]
        text = smtp_server.last_to(ELLA).get_body(("plain",)).get_content()
        assert "on duty" in text and "http://127.0.0.1:5000/rota/mine" in text
        run(traveller, "reminders", at(16, 0))
        run(traveller, "reminders", at(16, 5))
        assert subjects_to(smtp_server, ELLA)[1:] == [f"Your shift in an hour: Eating disorders, {day} 17:00–22:00"]
        run(traveller, "reminders", at(17, 0))
        assert len(subjects_to(smtp_server, ELLA)) == 2, "nothing once the shift has started"


def test_reminders_follow_the_persons_choices_and_wait_for_their_quiet_hours(app, demo_data, smtp_server):
    with time_machine.travel(at(12, day=SUNDAY), tick=False) as traveller, app.app_context():
        ella = person(Role.VOLUNTEER).id
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60)], ella, "published")
        choose(ella, remind_day_before=False, quiet_from=15 * 60 + 50, quiet_until=16 * 60 + 30)
        run(traveller, "reminders", at(17, 0, day=SUNDAY))
        assert subjects_to(smtp_server, ELLA) == [], "she chose no reminder the day before"
        run(traveller, "reminders", at(16, 0))
        run(traveller, "reminders", at(16, 25))
        assert subjects_to(smtp_server, ELLA) == [], "held by her quiet hours"
        run(traveller, "reminders", at(16, 30))
        assert len(subjects_to(smtp_server, ELLA)) == 1, "sent once her quiet hours end"


def test_open_shifts_are_offered_to_those_who_could_take_them_once_and_within_their_limit(app, demo_data,
                                                                                         smtp_server):
    """Priya's rota is published without Ella's first evening in it: Ella, available then, is offered it once;
    Adam, who volunteers only for Carers' support, is offered nothing. (Ella also hears that her shifts changed
    when the rota is published; run before 09:00 that notice is due by the moment the offers go, so only the
    offers are counted.)"""

    def offers():
        return [m for m in smtp_server.messages
                if m["To"] == ELLA and m["Subject"].startswith("Open shifts you could take")]

    with app.app_context():
        gone = publish_with_a_gap()
        gone_when = f"{gone.day:%a %d %b}"
        ella = person(Role.VOLUNTEER).id
    with time_machine.travel(at(9, day=WEEK_BEFORE), tick=False) as traveller, app.app_context():
        run(traveller, "offers", at(9, 5, day=WEEK_BEFORE))
        assert len(offers()) == 1
        text = offers()[0].get_body(("plain",)).get_content()
        assert gone_when in text and "http://127.0.0.1:5000/rota/mine#open-shifts" in text
        assert not [m for m in smtp_server.messages if m["To"] == "adam.fisher@demo-trust.example.org"]
        run(traveller, "offers", at(10, 5, day=WEEK_BEFORE))
        assert len(offers()) == 1, "each offer once"

        db.session.execute(sa.delete(preferences.SentNotice))
        db.session.commit()
        choose(ella, offers_per_week=0)
        run(traveller, "offers", at(11, 5, day=WEEK_BEFORE))
        assert len(offers()) == 1, "her limit of none a week"


def test_a_manager_hears_each_morning_what_the_published_rota_leaves_uncovered(app, demo_data, smtp_server):
    with app.app_context():
        gone = publish_with_a_gap()
    with time_machine.travel(at(6, day=WEEK_BEFORE), tick=False) as traveller, app.app_context():
        run(traveller, "digest", at(7, 0, day=WEEK_BEFORE))
        run(traveller, "digest", at(8, 0, day=WEEK_BEFORE))
        digests = [m for m in smtp_server.messages if m["To"] == PRIYA and m["Subject"].startswith("Rota cover")]
        assert len(digests) == 1, "once a day"
        text = digests[0].get_body(("plain",)).get_content()
        assert f"{gone.day:%a %d %b} 17:00–22:00" in text and "Eating disorders:" in text
        choose(person(Role.TEAM_MANAGER).id, manager_digest=False)
        run(traveller, "digest", at(7, 0, day=WEEK_BEFORE + timedelta(days=1)))
        assert len([m for m in smtp_server.messages if m["To"] == PRIYA]) == 1, "switched off"


def test_a_reminder_that_fails_is_logged_and_the_others_still_go(app, demo_data, smtp_server, monkeypatch, caplog):
    """Ella's reminder fails (the database hiccups); Chloe's, due at the same moment, goes, and Ella's goes at the
    next run."""
    chloe_address = "chloe.davies@demo-trust.example.org"
    with time_machine.travel(at(12, day=SUNDAY), tick=False) as traveller, app.app_context():
        ella, chloe = person(Role.VOLUNTEER).id, person(Role.NON_CLINICAL_MODERATOR).id
        version_with("eating-disorders", [(0, 17 * 60, 22 * 60)], ella, "published")
        version_with("early-intervention-psychosis", [(0, 17 * 60, 22 * 60)], chloe, "published")
        eating = services("eating-disorders")[0].id
        send = scheduled.send_reminder

        def hiccup(reminder, now):
            if reminder.staff_id == ella:
                raise RuntimeError("the database hiccuped")
            return send(reminder, now)
        monkeypatch.setattr(scheduled, "send_reminder", hiccup)
        traveller.move_to(at(17, 0, day=SUNDAY))
        failing = run_job("reminders")
        outbox.send_outbox()
        key = f"reminder:day:{ella}:{eating}:{MONDAY}:{17 * 60}"
        assert (failing.outcome, failing.acted, failing.failed, failing.note) == \
            ("partly", 1, 1, f"reminder {key} failed")
        assert f"scheduler: reminder {key} failed; going on with the rest" in caplog.text
        assert len(subjects_to(smtp_server, chloe_address)) == 1 and subjects_to(smtp_server, ELLA) == []
        monkeypatch.setattr(scheduled, "send_reminder", send)
        run(traveller, "reminders", at(17, 5, day=SUNDAY))
        assert len(subjects_to(smtp_server, ELLA)) == 1, "sent at the next run"
        assert len(subjects_to(smtp_server, chloe_address)) == 1, "and Chloe's once"
