"""The outbox: every email queued is sent once, even when two senders run at the same moment (the task queue's
consumer runs the "send now" task and its once-a-minute retry on two threads), and none is lost while the mail
server is down."""

import sqlalchemy as sa

from console.database import utcnow
from console.extensions import db
from console.notifications import service as outbox
from console.notifications.models import OutboxEmail
from console.rotas.models import RotaVersion
from tests.factories import make_draft, publish_draft
from tests.helpers import at_the_same_moment, run_queued_tasks


def test_two_senders_at_once_send_each_email_once(app, smtp_server):
    with app.app_context():
        for number in range(3):
            outbox.queue_email(to=f"mailbox-{number}@trust.example.org", subject="Critical post", body="A link")
        db.session.commit()
    results = at_the_same_moment(app, lambda: outbox.send_outbox, lambda: outbox.send_outbox)
    assert sorted(message["To"] for message in smtp_server.messages) == \
        [f"mailbox-{number}@trust.example.org" for number in range(3)], "each email once"
    assert sum(sent for sent, _failed in results) == 3
    with app.app_context():
        assert all(email.sent_at is not None for email in db.session.scalars(sa.select(OutboxEmail)))


def test_a_rota_published_while_the_mail_server_is_down_tells_everyone_once_it_is_back(app, smtp_server, demo_data):
    with app.app_context():
        version_id = make_draft()
    app.config["MAIL_PORT"] = 1  # nothing listens there
    with app.app_context():
        publish_draft(version_id)
        assert db.session.get(RotaVersion, version_id).status == "published"
        waiting = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.sent_at.is_(None))).all()
        told = sorted(email.to for email in waiting if email.subject == "Your moderation shifts have changed")
        assert len(told) > 5
    run_queued_tasks(app)  # the sender tries at once, and fails
    assert smtp_server.messages == []
    app.config["MAIL_PORT"] = smtp_server.port
    with app.app_context():
        db.session.execute(sa.update(OutboxEmail).values(next_attempt_at=utcnow()))  # the retry is due
        db.session.commit()
        outbox.send_outbox()
    assert sorted(m["To"] for m in smtp_server.messages if m["Subject"] == "Your moderation shifts have changed") \
        == told


def test_every_email_has_an_html_part_with_the_same_words_escaped_and_its_addresses_as_links(app, smtp_server):
    with app.app_context():
        outbox.queue_email(to="mailbox@trust.example.org", subject="Alert for <Carers>",
                           body="Hello,\n\nA <b>post</b> in Carers & friends:\nhttp://127.0.0.1:5000/queue/items/7\n\n"
                                "Thanks")
        db.session.commit()
        outbox.send_outbox()
    message = smtp_server.last_to("mailbox@trust.example.org")
    plain, html = (message.get_body((kind,)).get_content() for kind in ("plain", "html"))
    assert plain.replace("\r\n", "\n").startswith("Hello,\n\nA <b>post</b> in Carers & friends:")
    assert "A &lt;b&gt;post&lt;/b&gt; in Carers &amp; friends:<br>" in html and "<b>post" not in html
    assert '<a href="http://127.0.0.1:5000/queue/items/7" style="color:#005eb8">http://127.0.0.1:5000/queue/items/7' \
           '</a></p>' in html
    assert "<title>Alert for &lt;Carers&gt;</title>" in html
