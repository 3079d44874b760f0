"""Alerts that escalate while their condition holds, acknowledged only by someone who can act on them, walked through
as a service's day would bring them: the scheduler's alerts job runs at frozen moments, and the emails are read off a
real SMTP server."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from console.accounts.models import StaffMember
from console.alerts import pages
from console.alerts import service as alerts
from console.alerts.models import Alert
from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.notifications import service as outbox
from console.permissions import Role
from console.platform import ingest
from console.queue import service as queue
from console.queue.models import ModerationCheck, ModeratorSession
from escalation_pathways import service as escalations
from escalation_pathways.models import RevealRequest
from scheduler.runner import run_job
from tests.factories import overdue_checks_alert, person, services, version_with
from tests.helpers import at, at_the_same_moment

POST_WAITING = "Alert for Eating disorders: A critical or risk post waiting past its deadline"
NOBODY_ON = "Alert for Eating disorders: Nobody signed on"


def run_alerts(traveller, moment: datetime) -> None:
    """Move the clock and run the alerts job, as the scheduler does each minute, then send what it queued."""
    traveller.move_to(moment)
    run_job("alerts")
    outbox.send_outbox()


def about(smtp_server, link_part: str) -> list:
    """The alert emails whose links lead to a page, oldest first: (recipient, subject as a mail client shows it: a
    long one is folded onto a line of its own, which the client joins again)."""
    return [(m["To"], " ".join(m["Subject"].split())) for m in alert_emails(smtp_server, link_part)]


def alert_emails(smtp_server, link_part: str) -> list:
    """The alert emails with a link to a page (its address whole: /items/1 is not /items/12)."""
    return [m for m in smtp_server.messages if m["Subject"].strip().startswith("Alert for")
            and re.search(re.escape(link_part) + r"\b", m.get_body(("plain",)).get_content())]


def sarah_on_the_rota() -> None:
    """Sarah is on Eating disorders' published rota 08:00-17:00 on Monday: on duty, whether signed on or not. (The
    rota starts on the Monday after today: made before the clock moves to that Monday.)"""
    version_with("eating-disorders", [(0, 8 * 60, 17 * 60)], person(Role.CLINICAL_MODERATOR).id, "published")


def sarah_on_duty_and_signed_on() -> None:
    """Sarah is on Eating disorders' published rota 08:00-17:00 on Monday, signed on since 08:00."""
    sarah_on_the_rota()
    sarah_signs_on(at(8))


def sarah_signs_on(moment: datetime) -> None:
    """Sarah signs on to Eating disorders."""
    signs_on(Role.CLINICAL_MODERATOR, "eating-disorders", moment)


def signs_on(role: Role, slug: str, moment: datetime) -> None:
    """The demo's person of that role signs on to a service."""
    db.session.add(ModeratorSession(staff_id=person(role).id, service_ids=[services(slug)[0].id],
                                    started_at=moment))
    db.session.commit()


def nobody_on_alert(traveller) -> int:
    """Eating disorders with nobody signed on 15 minutes into its staff hours (08:15 on Monday): the "Nobody signed
    on" alert, raised and passed to whoever is on duty."""
    run_alerts(traveller, at(8, 15))
    return db.session.scalar(sa.select(Alert.id).where(Alert.kind == "nobody_on",
                                                       Alert.service_id == services("eating-disorders")[0].id))


def critical_post(external_id: str, moment: datetime) -> int:
    eating = services("eating-disorders")[0]
    return ingest.ingest(eating, [{"external_id": external_id, "thread_id": external_id, "kind": "post",
                                   "author_pseudonym": "Willow", "body": "I am going to kill myself tonight",
                                   "created_at": moment.isoformat()}])[0].post_id


def test_a_critical_post_left_alone_reaches_the_moderator_on_duty_then_the_mailbox_then_the_manager(
        app, client, auth, demo_data, smtp_server):
    with time_machine.travel(at(10), tick=False) as traveller, app.app_context():
        sarah_on_duty_and_signed_on()
        post_id = critical_post("late-1", at(10))
        link = f"/queue/items/{post_id}"
        run_alerts(traveller, at(10, 14))
        assert about(smtp_server, link) == [], "within its 15 minutes, nobody is chased"

        run_alerts(traveller, at(10, 16))
        assert about(smtp_server, link) == [("sarah.bennett@demo-trust.example.org", POST_WAITING)]
        email = alert_emails(smtp_server, link)[0]
        text, html = (email.get_body((kind,)).get_content() for kind in ("plain", "html"))
        for words in (text, html):
            assert "kill myself" not in words and "Willow" not in words, "no post and no pseudonym in an email"
        text = " ".join(text.split())
        assert "http://127.0.0.1:5000/alerts/" in text
        assert ("Nobody has acknowledged this alert yet. Still nobody has acted on the post: the service's mailbox "
                f"is told at 10:26 on {at(10):%a %d %b} unless that changes first.") in text
        assert ("Only a moderator on duty for Eating disorders now who can take the post, or one of its clinicians, "
                "can acknowledge this alert. Acknowledging says you are dealing with it; it does not stop the alert "
                "while what it is about still holds.") in text
        alert_link = re.search(r"http://127\.0\.0\.1:5000/alerts/\d+", text).group(0)
        assert f'<a href="{alert_link}"' in html and "the service&#39;s mailbox is told at 10:26" in html

        for minute in (17, 18, 25):  # two runs in one minute, and the minutes before the next step: nothing more
            run_alerts(traveller, at(10, minute))
            run_job("alerts")
        assert len(about(smtp_server, link)) == 1

        run_alerts(traveller, at(10, 26))
        assert about(smtp_server, link)[1:] == [("ed-moderation@demo-trust.example.org", POST_WAITING)]
        run_alerts(traveller, at(10, 46))
        assert about(smtp_server, link)[2:] == [("priya.shah@demo-trust.example.org", POST_WAITING)]
        alert = db.session.scalar(sa.select(Alert).where(Alert.subject == f"post:{post_id}"))
        assert alert.state == "notified" and alert.next_step_at is None, "the chain has reached its end"

        run_alerts(traveller, at(11, 30))
        assert len(about(smtp_server, link)) == 3, "each link of the chain is told once"


def test_a_critical_posts_alert_is_acknowledged_by_a_moderator_who_can_take_it_and_not_by_its_manager(
        app, client, auth, demo_data, smtp_server):
    """Priya manages Eating disorders but takes no posts; Ella volunteers for it but is at home, off duty (the second
    review found an off-duty volunteer could say she was dealing with a critical post); Jess moderates it and signs
    on to cover it, so she can take the post. Pages are asked for outside the test's own app context, as a browser
    would: each request has its own."""
    with time_machine.travel(at(10), tick=False) as traveller:
        with app.app_context():
            sarah_on_duty_and_signed_on()
            post_id = critical_post("late-2", at(10))
            run_alerts(traveller, at(10, 16))
            alert_id = db.session.scalar(sa.select(Alert.id).where(Alert.subject == f"post:{post_id}"))
        rule = ("Only a moderator on duty for Eating disorders now who can take the post, or one of its clinicians, "
                "can acknowledge this alert.")

        auth.login_demo(Role.TEAM_MANAGER)
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert "Nobody has acknowledged this alert yet." in page and rule in page
        assert "Acknowledge: I am dealing with it" not in page
        assert "emailed Sarah Bennett" in page, "she sees whom it has reached"
        # The post is in the queue, which a manager does not open: no link to a refusal, but who can open it.
        assert f'href="/queue/items/{post_id}"' not in page and "Go to what it is about" not in page
        assert "can open what this alert is about." in page and "Ask an administrator" not in page
        dashboard = client.get("/").get_data(as_text=True)
        assert f'href="/alerts/{alert_id}"' in dashboard and f'action="/alerts/{alert_id}/acknowledge"' not in dashboard
        refused = auth.post(f"/alerts/{alert_id}/acknowledge", form_page="/", follow_redirects=True)
        assert rule in refused.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(Alert, alert_id).acknowledged_by_id is None
        auth.logout()

        auth.login_demo(Role.VOLUNTEER)
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert rule in page and "Acknowledge: I am dealing with it" not in page
        refused = auth.post(f"/alerts/{alert_id}/acknowledge", form_page="/", follow_redirects=True)
        assert rule in refused.get_data(as_text=True)
        auth.logout()

        with app.app_context():
            signs_on(Role.PEER_MODERATOR, "eating-disorders", at(10, 16))
        auth.login_demo(Role.PEER_MODERATOR)
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert "Acknowledge: I am dealing with it" in page and rule not in page
        dashboard = client.get("/").get_data(as_text=True)
        assert f'action="/alerts/{alert_id}/acknowledge"' in dashboard, "acknowledged in one click"
        response = auth.post(f"/alerts/{alert_id}/acknowledge", form_page="/", headers={"Referer": "/"})
        assert response.headers["Location"] == "/", "back to the dashboard it was acknowledged on"
        dashboard = client.get("/").get_data(as_text=True)
        assert "Acknowledged: everyone who sees this alert knows you are dealing with it." in dashboard
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert (f"Acknowledged by Jess Morgan at 10:16 on {at(10):%a %d %b}. Still nobody has acted on the post: the "
                f"service&#39;s mailbox is told at 10:26 on {at(10):%a %d %b} unless that changes first.") in page

        with app.app_context():
            run_alerts(traveller, at(10, 26))
            run_alerts(traveller, at(10, 46))
            assert about(smtp_server, f"/queue/items/{post_id}") == [
                ("sarah.bennett@demo-trust.example.org", POST_WAITING),
                ("ed-moderation@demo-trust.example.org", POST_WAITING),
                ("priya.shah@demo-trust.example.org", POST_WAITING)], "the chain goes on while the post waits"
            told = " ".join(alert_emails(smtp_server, f"/queue/items/{post_id}")[-1].get_body(("plain",))
                            .get_content().split())
            assert (f"Acknowledged by Jess Morgan at 10:16 on {at(10):%a %d %b}. Still nobody has acted on the post, "
                    "and it has reached everyone in the service's alert chain.") in told
            db.session.execute(sa.update(queue.Post).where(queue.Post.id == post_id).values(
                first_action_at=at(11, 5), state="hidden"))
            db.session.commit()
            run_alerts(traveller, at(11, 6))
            assert db.session.get(Alert, alert_id).state == "resolved"
        assert "Resolved at 11:06" in client.get(f"/alerts/{alert_id}").get_data(as_text=True)


ON_DUTY_RULE = "Only someone on duty for Eating disorders now, or its team managers, can acknowledge this alert."
EATING = "/services/eating-disorders"  # where a "Nobody signed on" alert of Eating disorders leads


def test_a_volunteer_not_on_duty_cannot_silence_nobody_signed_on_and_the_managers_are_still_told(
        app, client, auth, demo_data, smtp_server):
    """Issue 29, finding 1: Ella volunteers for Eating disorders in the evenings; in its staff hours nobody is signed
    on, a gap no volunteer can cover. She sees the alert and whom it reached, but no button, and pressing one made
    by hand is refused in words: the chain goes on to the mailbox and the managers."""
    with app.app_context():
        sarah_on_the_rota()
    with time_machine.travel(at(8), tick=False) as traveller:
        with app.app_context():
            alert_id = nobody_on_alert(traveller)
        auth.login_demo(Role.VOLUNTEER)
        dashboard = client.get("/").get_data(as_text=True)
        assert f'href="/alerts/{alert_id}"' in dashboard, "she sees it"
        assert f'action="/alerts/{alert_id}/acknowledge"' not in dashboard, "without the button"
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert "Acknowledge: I am dealing with it" not in page and ON_DUTY_RULE in page
        assert "emailed Sarah Bennett" in page, "and whom it has reached"

        traveller.move_to(at(8, 20))
        response = auth.post(f"/alerts/{alert_id}/acknowledge", form_page=f"/alerts/{alert_id}",
                             follow_redirects=True)
        page = response.get_data(as_text=True)
        assert ON_DUTY_RULE in page and "Acknowledged" not in page and "Nobody has acknowledged this alert yet." in page
        with app.app_context():
            alert = db.session.get(Alert, alert_id)
            assert (alert.state, alert.acknowledged_by_id, alert.acknowledged_at) == ("notified", None, None)
            run_alerts(traveller, at(8, 25))
            run_alerts(traveller, at(8, 45))
            assert about(smtp_server, EATING) == [("sarah.bennett@demo-trust.example.org", NOBODY_ON),
                                                  ("ed-moderation@demo-trust.example.org", NOBODY_ON),
                                                  ("priya.shah@demo-trust.example.org", NOBODY_ON)]


def test_a_moderator_on_duty_acknowledges_and_the_managers_are_still_told_until_someone_signs_on(
        app, client, auth, demo_data, smtp_server):
    """Sarah is on the rota but not signed on: she acknowledges (she is dealing with it), and while nobody signs on
    the mailbox and then the managers are told all the same; once she signs on the alert resolves."""
    with app.app_context():
        sarah_on_the_rota()
    with time_machine.travel(at(8), tick=False) as traveller:
        with app.app_context():
            alert_id = nobody_on_alert(traveller)
        auth.login_demo(Role.CLINICAL_MODERATOR)
        traveller.move_to(at(8, 20))
        assert "Acknowledge: I am dealing with it" in client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        response = auth.post(f"/alerts/{alert_id}/acknowledge", form_page=f"/alerts/{alert_id}",
                             follow_redirects=True)
        page = response.get_data(as_text=True)
        day = f"{at(8):%a %d %b}"
        assert "Acknowledged: everyone who sees this alert knows you are dealing with it." in page
        assert (f"Acknowledged by Sarah Bennett at 08:20 on {day}. Still nobody signed on: the service&#39;s mailbox "
                f"is told at 08:25 on {day} unless that changes first.") in page

        with app.app_context():
            run_alerts(traveller, at(8, 25))
            run_alerts(traveller, at(8, 45))
            assert about(smtp_server, EATING) == [("sarah.bennett@demo-trust.example.org", NOBODY_ON),
                                                  ("ed-moderation@demo-trust.example.org", NOBODY_ON),
                                                  ("priya.shah@demo-trust.example.org", NOBODY_ON)]
            told = " ".join(alert_emails(smtp_server, EATING)[-1].get_body(("plain",)).get_content().split())
            assert (f"Acknowledged by Sarah Bennett at 08:20 on {day}. Still nobody signed on, and it has reached "
                    "everyone in the service's alert chain.") in told
            assert db.session.get(Alert, alert_id).state == "acknowledged"

            sarah_signs_on(at(8, 50))
            run_alerts(traveller, at(8, 51))
            assert db.session.get(Alert, alert_id).state == "resolved"
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert f"Resolved at 08:51 on {day}" in page and "Acknowledged by Sarah Bennett at 08:20" in page


@pytest.mark.parametrize("role, may", [
    (Role.CLINICAL_MODERATOR, True),  # Sarah, on the rota now
    (Role.TEAM_MANAGER, True),  # Priya, who manages Eating disorders
    (Role.PEER_MODERATOR, False),  # Jess, not on duty
    (Role.DIGITAL_CHAMPION, False),  # Hannah, not on duty
    (Role.VOLUNTEER, False),  # Ella, not on duty
])
def test_the_button_is_shown_to_exactly_those_whose_acknowledgement_is_taken(app, client, auth, demo_data,
                                                                            smtp_server, role, may):
    with app.app_context():
        sarah_on_the_rota()
        who = person(role).id
    with time_machine.travel(at(8), tick=False) as traveller:
        with app.app_context():
            alert_id = nobody_on_alert(traveller)
        auth.login_demo(role)
        shown = "Acknowledge: I am dealing with it" in client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        auth.post(f"/alerts/{alert_id}/acknowledge", form_page=f"/alerts/{alert_id}")
        with app.app_context():
            taken = db.session.get(Alert, alert_id).acknowledged_by_id == who
        assert shown == taken == may


def test_only_a_clinician_acknowledges_an_overdue_step_and_only_a_second_one_an_unreviewed_reveal(app, demo_data):
    """Sarah made an emergency reveal: Daniel, another clinician of the service, reviews it. A non-clinical
    moderator acts on neither."""
    with app.app_context():
        eating, sarah = services("eating-disorders")[0], person(Role.CLINICAL_MODERATOR)
        daniel = db.session.scalar(sa.select(StaffMember).where(StaffMember.name == "Daniel Cho"))
        chloe = person(Role.NON_CLINICAL_MODERATOR)
        case = escalations.add_case(service=eating, pseudonym="Willow", reason="Said they would end it tonight",
                                    actor=sarah)
        db.session.flush()
        reveal = RevealRequest(case_id=case.id, requested_by_id=sarah.id, justification="Ambulance needs the address",
                               kind="break_glass", state="approved", review_due_at=utcnow() - timedelta(hours=1))
        db.session.add(reveal)
        db.session.flush()
        step, review = (Alert(service_id=eating.id, kind=kind, subject=subject, summary="Overdue.",
                              target_endpoint="escalation.case", target_args={"case_id": case.id})
                        for kind, subject in (("step_overdue", f"case:{case.id}:review"),
                                              ("review_overdue", f"reveal:{reveal.id}")))
        db.session.add_all([step, review])
        db.session.commit()

        step_rule = "Only a clinician of Eating disorders can acknowledge this alert."
        review_rule = ("Only a clinician of Eating disorders other than the one who made the reveal can acknowledge "
                       "this alert.")
        with pytest.raises(UserError, match=re.escape(step_rule)):
            alerts.acknowledge(chloe, alert_id=step.id)
        with pytest.raises(UserError, match=re.escape(review_rule)):
            alerts.acknowledge(chloe, alert_id=review.id)
        with pytest.raises(UserError, match=re.escape(review_rule)):
            alerts.acknowledge(sarah, alert_id=review.id)
        seen_by_chloe = pages.view_of(chloe, step, utcnow())
        assert (seen_by_chloe.can_acknowledge, seen_by_chloe.rule) == (False, step_rule), "her page says the rule"
        assert pages.view_of(daniel, review, utcnow()).can_acknowledge
        assert alerts.acknowledge(sarah, alert_id=step.id).acknowledged_by_id == sarah.id
        assert alerts.acknowledge(daniel, alert_id=review.id).acknowledged_by_id == daniel.id


def test_an_acknowledgement_as_a_step_is_taken_stays_and_each_step_is_taken_once(app, demo_data, smtp_server):
    """Chloe is signed on to the demo low-risk service: its checks alert's first step tells her while she
    acknowledges it, and a second scheduler run tries the same step."""
    with app.app_context():
        alert_id = overdue_checks_alert("demo-low", "race", due=True)
        chloe = person(Role.NON_CLINICAL_MODERATOR)
        db.session.add(ModeratorSession(staff_id=chloe.id, service_ids=[services("demo-low")[0].id],
                                        started_at=utcnow()))
        db.session.commit()
        chloe_id = chloe.id

    def stepping():
        return lambda: alerts.take_steps(alert_id, utcnow())

    def acknowledging():
        viewer = person(Role.NON_CLINICAL_MODERATOR)
        return lambda: alerts.acknowledge(viewer, alert_id=alert_id)

    results = at_the_same_moment(app, stepping, stepping, acknowledging)
    with app.app_context():
        alert = db.session.get(Alert, alert_id)
        assert sorted(results[:2]) == [0, 1], "the step is taken once"
        assert (alert.state, alert.acknowledged_by_id, alert.steps_done) == ("acknowledged", chloe_id, 1)
        outbox.send_outbox()
        assert [m["To"] for m in alert_emails(smtp_server, "/queue/checks")] == ["chloe.davies@demo-trust.example.org"]


def test_with_nobody_on_duty_the_mailbox_is_told_at_once(app, demo_data, smtp_server):
    with time_machine.travel(at(10), tick=False) as traveller, app.app_context():
        post_id = critical_post("late-3", at(10))
        run_alerts(traveller, at(10, 16))
        assert about(smtp_server, f"/queue/items/{post_id}") == [("ed-moderation@demo-trust.example.org", POST_WAITING)]
        alert = db.session.scalar(sa.select(Alert).where(Alert.subject == f"post:{post_id}"))
        assert alert.told.splitlines()[0].endswith("nobody is on duty")


def test_a_post_someone_holds_is_not_chased(app, demo_data, smtp_server):
    with time_machine.travel(at(10), tick=False) as traveller, app.app_context():
        post_id = critical_post("held", at(10))
        db.session.execute(sa.update(queue.Post).where(queue.Post.id == post_id).values(
            claimed_by_id=person(Role.CLINICAL_MODERATOR).id, claim_expires_at=at(10, 25)))
        db.session.commit()
        run_alerts(traveller, at(10, 20))
        assert about(smtp_server, f"/queue/items/{post_id}") == []
        run_alerts(traveller, at(10, 26))  # the claim ran out with nothing done
        assert len(about(smtp_server, f"/queue/items/{post_id}")) == 1


def test_a_post_taken_and_then_left_is_alerted_again_from_the_start(app, client, auth, demo_data, smtp_server):
    """The second review: Jess took a critical post and gave it back; its alert had resolved when she took it and was
    never raised again, while the post waited on."""
    with time_machine.travel(at(10), tick=False) as traveller:
        with app.app_context():
            post_id = critical_post("taken-then-left", at(10))
            link = f"/queue/items/{post_id}"
            run_alerts(traveller, at(10, 16))  # nobody on duty: the mailbox is told at once
            assert len(about(smtp_server, link)) == 1
            alert_id = db.session.scalar(sa.select(Alert.id).where(Alert.subject == f"post:{post_id}"))
            db.session.execute(sa.update(queue.Post).where(queue.Post.id == post_id).values(
                claimed_by_id=person(Role.PEER_MODERATOR).id, claim_expires_at=at(10, 27)))
            db.session.commit()
            run_alerts(traveller, at(10, 20))
            assert db.session.get(Alert, alert_id).state == "resolved"
        auth.login_demo(Role.TEAM_MANAGER)
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        assert "Resolved at 10:20" in page and "someone took the post or acted on it (if it is given back or left, " \
            "the alert is raised again)" in page
        with app.app_context():
            run_alerts(traveller, at(10, 28))  # her hold ran out with nothing done
            alert = db.session.get(Alert, alert_id)
            assert (alert.state, alert.steps_done) == ("notified", 2), "raised again, its chain from the start"
            assert len(about(smtp_server, link)) == 2, "the mailbox is told again"
            run_alerts(traveller, at(10, 58))
            assert [to for to, _ in about(smtp_server, link)][-1] == "priya.shah@demo-trust.example.org"
            assert "has waited 58 min" in db.session.get(Alert, alert_id).summary, "its words follow the wait"
        page = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
        day = f"{at(10):%a %d %b}"
        assert f"10:20 on {day}: resolved: someone took the post" in page and f"10:28 on {day}: raised again" in page


def low_risk_alerts(kind: str) -> list[Alert]:
    low = services("demo-low")[0]
    return list(db.session.scalars(sa.select(Alert).where(Alert.service_id == low.id, Alert.kind == kind)))


def test_a_low_risk_service_is_warned_before_its_gap_between_checks_runs_out_and_told_when_it_has(app, demo_data,
                                                                                                 smtp_server):
    """The demo low-risk service: checks from 08:00 to 22:00, no more than 4 hours apart."""
    with time_machine.travel(at(9), tick=False) as traveller, app.app_context():
        low = services("demo-low")[0]
        db.session.add(ModerationCheck(service_id=low.id, staff_id=person(Role.CLINICAL_MODERATOR).id,
                                       checked_at=at(9)))
        db.session.commit()
        run_alerts(traveller, at(12, 29))
        assert low_risk_alerts("checks_due") == []
        run_alerts(traveller, at(12, 30))
        [due] = low_risk_alerts("checks_due")
        assert due.summary == ("Demo low-risk service needs a moderation check by 13:00 on "
                               f"{at(13):%a %d %b} to keep within its 4 h limit between checks: the last check was "
                               f"at 09:00 on {at(9):%a %d %b}.")
        run_alerts(traveller, at(13, 0))
        [missed] = low_risk_alerts("checks_missed")
        assert "has gone past its 4 h limit between moderation checks" in missed.summary
        assert db.session.get(Alert, due.id).state == "resolved", "the warning gives way to the breach"
        mails = [m["To"] for m in alert_emails(smtp_server, "/queue/checks")
                 if m["Subject"].strip().startswith("Alert for Demo low-risk service")]
        assert mails == ["demo-moderation@demo-trust.example.org"] * 2, "nobody on duty: the mailbox, each once"

        db.session.add(ModerationCheck(service_id=low.id, staff_id=person(Role.CLINICAL_MODERATOR).id,
                                       checked_at=at(13, 10)))
        db.session.commit()
        run_alerts(traveller, at(13, 11))
        assert db.session.get(Alert, missed.id).state == "resolved"


def test_a_high_risk_service_with_nobody_signed_on_is_alerted_15_minutes_into_its_window(app, demo_data,
                                                                                         smtp_server):
    with time_machine.travel(at(7), tick=False) as traveller, app.app_context():
        eating = services("eating-disorders")[0]
        run_alerts(traveller, at(7, 59))
        run_alerts(traveller, at(8, 14))
        assert [a for a in db.session.scalars(sa.select(Alert).where(Alert.service_id == eating.id))] == []
        run_alerts(traveller, at(8, 15))
        [alert] = db.session.scalars(sa.select(Alert).where(Alert.service_id == eating.id,
                                                            Alert.kind == "nobody_on"))
        assert alert.summary.startswith("Nobody has been signed on to moderate Eating disorders since 08:00")

        session = ModeratorSession(staff_id=person(Role.CLINICAL_MODERATOR).id, service_ids=[eating.id],
                                   started_at=at(8, 20))
        db.session.add(session)
        db.session.commit()
        run_alerts(traveller, at(8, 21))
        assert db.session.get(Alert, alert.id).state == "resolved"

        session.ended_at = at(9, 0)
        db.session.commit()
        run_alerts(traveller, at(9, 14))
        assert len(db.session.scalars(sa.select(Alert).where(Alert.kind == "nobody_on",
                                                             Alert.service_id == eating.id)).all()) == 1
        run_alerts(traveller, at(9, 15))
        newest = db.session.scalars(sa.select(Alert).where(Alert.kind == "nobody_on", Alert.service_id == eating.id)
                                    .order_by(Alert.id.desc())).first()
        assert newest.id != alert.id and "since 09:00" in newest.summary
        run_alerts(traveller, at(17, 20))  # staff hours give way to the volunteers' evening: one stretch
        assert db.session.get(Alert, newest.id).state == "notified"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert).where(
            Alert.kind == "nobody_on", Alert.service_id == eating.id)) == 2
        run_alerts(traveller, at(22, 0))
        assert db.session.get(Alert, newest.id).state == "resolved", "no presence is asked for after 22:00"


def test_a_failing_part_is_logged_and_the_rest_goes_on_and_nothing_is_resolved_unseen(app, demo_data, smtp_server,
                                                                                       monkeypatch, caplog):
    from console.alerts import conditions

    with time_machine.travel(at(10), tick=False) as traveller, app.app_context():
        post_id = critical_post("late-4", at(10))
        run_alerts(traveller, at(10, 16))
        alert = db.session.scalar(sa.select(Alert).where(Alert.subject == f"post:{post_id}"))

        def broken(now):
            raise RuntimeError("the database hiccuped")
        monkeypatch.setattr(conditions, "posts_waiting", broken)
        traveller.move_to(at(10, 30))
        run = run_job("alerts")
        assert (run.outcome, run.failed, run.note) == ("partly", 1, "looking at waiting posts failed")
        assert db.session.get(Alert, alert.id).state == "notified", "not resolved because it could not be seen"
        assert db.session.get(Alert, alert.id).steps_done == 2, "its chain went on: the mailbox was told"
        assert "scheduler: looking at waiting posts failed; going on with the rest" in caplog.text
        assert "kill myself" not in caplog.text


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.NON_CLINICAL_ADMIN])
def test_only_those_in_a_services_chain_see_or_acknowledge_its_alerts(app, client, auth, demo_data, role):
    """An alert of Carers' support: Ella volunteers for other services, and an administrator is in no service's
    alert chain."""
    with app.app_context():
        alert_id = overdue_checks_alert("carers", "x")
    auth.login_demo(role)
    assert client.get(f"/alerts/{alert_id}").status_code in (403, 404)
    assert client.post(f"/alerts/{alert_id}/acknowledge").status_code in (400, 403, 404)
    with app.app_context():
        assert db.session.get(Alert, alert_id).state == "raised"


def test_alert_delays_are_set_per_service_and_refused_in_the_wrong_order(app, client, auth, demo_data):
    auth.login_demo(Role.OWNER)
    with app.app_context():
        low = services("demo-low")[0]
    form = {"critical_minutes": "15", "risk_minutes": "60", "normal_minutes": "240", "unanswered_minutes": "120",
            "alert_mailbox_minutes": "30", "alert_managers_minutes": "20"}
    page = f"/queue/services/{low.id}/settings"
    response = auth.post(f"/queue/services/{low.id}/times", form, form_page=page, follow_redirects=True)
    assert "An alert goes to the service&#39;s mailbox before it goes to the team managers." in \
        response.get_data(as_text=True)
    form["alert_managers_minutes"] = "45"
    auth.post(f"/queue/services/{low.id}/times", form, form_page=page)
    with app.app_context():
        settings = queue.settings_of(low)
        assert (settings.alert_mailbox_minutes, settings.alert_managers_minutes) == (30, 45)
        alert = Alert(service_id=low.id, kind="x", subject="y", summary="z", target_endpoint="queue.checks_page",
                      raised_at=at(10))
        alert.service = low
        from console.alerts.service import step_due
        assert [step_due(alert, step) for step in range(3)] == [at(10), at(10, 30), at(10, 45)]


@pytest.mark.parametrize("windows, minute, span", [
    ([(480, 1020), (1020, 1320)], 1100, (480, 1320)),
    ([(1020, 1320), (480, 1020)], 500, (480, 1320)),
    ([(480, 720), (780, 1020)], 750, None),
    ([(480, 720), (780, 1020)], 800, (780, 1020)),
    ([(480, 1320)], 1320, None),
])
def test_presence_windows_back_to_back_are_one_stretch(windows, minute, span):
    from console.alerts.conditions import _span_around
    assert _span_around(windows, minute) == span


def test_an_alert_acknowledged_twice_says_who_did_it_first_and_a_resolved_one_says_so(app, demo_data):
    """Chloe and Jess are both signed on to the demo low-risk service, so either may acknowledge its checks."""
    with app.app_context():
        alert_id = overdue_checks_alert("demo-low", "twice")
        low = services("demo-low")[0]
        for role in (Role.NON_CLINICAL_MODERATOR, Role.PEER_MODERATOR):
            db.session.add(ModeratorSession(staff_id=person(role).id, service_ids=[low.id], started_at=utcnow()))
        db.session.commit()

    def acknowledging(role):
        def ready():
            viewer = person(role)
            return lambda: alerts.acknowledge(viewer, alert_id=alert_id)
        return ready

    results = at_the_same_moment(app, acknowledging(Role.NON_CLINICAL_MODERATOR), acknowledging(Role.PEER_MODERATOR))
    with app.app_context():
        refused = [r for r in results if isinstance(r, UserError)]
        assert len(refused) == 1 and re.fullmatch(r"(Chloe Davies|Jess Morgan) acknowledged this alert at .+\.",
                                                  refused[0].message)
        db.session.get(Alert, alert_id).state = "resolved"
        db.session.commit()
        with pytest.raises(UserError, match="This alert has resolved already"):
            alerts.acknowledge(person(Role.NON_CLINICAL_MODERATOR), alert_id=alert_id)


def test_an_alert_whose_page_was_renamed_still_reaches_people_and_opens(app, client, auth, demo_data, smtp_server):
    """An alert raised before a release renamed the page it points to: its email and page link to the alert."""
    with app.app_context():
        alert_id = overdue_checks_alert("demo-low", "renamed", raised_at=at(10), due=True,
                                        target_endpoint="queue.old_checks_page")
        assert alerts.take_steps(alert_id, at(10)) == 2  # nobody on duty: the mailbox
        outbox.send_outbox()
    text = smtp_server.last_to("demo-moderation@demo-trust.example.org").get_body(("plain",)).get_content()
    assert f"What it is about:\nhttp://127.0.0.1:5000/alerts/{alert_id}" in text.replace("\r\n", "\n")
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    page = client.get(f"/alerts/{alert_id}")
    assert page.status_code == 200 and f'href="/alerts/{alert_id}">Go to what it is about' in page.get_data(
        as_text=True).replace('class="button button--secondary" ', "")
