"""Decisions go back to the platform: a real HTTP receiver on loopback takes the signed events, in order for each
post, after a 500, a timeout and a restart, each event once."""

import hashlib
import hmac
import json
import re
import socket
import ssl
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from console import create_app, demo
from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from console.platform import service as platform
from console.platform.models import PlatformEvent
from console.queue.models import Post
from tests.conftest import base_config, main_database_dump
from tests.console.admin.test_admin import lines_of
from tests.factories import item, post_json, service_id_of
from tests.helpers import run_queued_tasks, serve_in_background, signed_in, totp_now

SECRET_ON_PAGE = re.compile(r'<p class="secret" id="webhook-secret">([^<]+)</p>')


class Receiver:
    """A platform's webhook on loopback: it checks each request's signature itself, answers as scripted (the next
    entry of `script` for each request: 200, 500, or "slow" to answer after `slow_seconds`), and takes each event
    id once, as an idempotent receiver does."""

    def __init__(self, port: int = 0, tls: tuple | None = None):
        self.secret = ""
        self.script: list = []
        self.slow_seconds = 1.5
        self.received: list[dict] = []  # every request: headers, body, signature_ok
        self.taken: list[dict] = []  # events applied, each id once, in the order applied
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(receiver.secret.encode(), raw, hashlib.sha256).hexdigest()
                good = hmac.compare_digest(self.headers.get("X-Signature", ""), expected)
                body = json.loads(raw)
                receiver.received.append({"headers": dict(self.headers), "body": body, "signature_ok": good})
                answer = receiver.script.pop(0) if receiver.script else 200
                if answer == "slow":
                    time.sleep(receiver.slow_seconds)
                    answer = 200
                if answer == 200 and good and body["id"] not in {event["id"] for event in receiver.taken}:
                    receiver.taken.append(body)
                self.send_response(answer if good else 401)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks/console"
        self.server_names: list[str] = []  # the names asked for in TLS handshakes (SNI)
        if tls is not None:  # (certificate file, key file): https, for the name the certificate is for
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        serve_in_background(self.server)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


def connect(admin, service_id: int, url: str) -> str:
    """The administrator saves the webhook's address and makes its secret through the settings page; the secret
    as the page shows it."""
    settings = f"/queue/services/{service_id}/settings"
    saved = admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": url}, form_page=settings)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    page = admin.post(f"/queue/services/{service_id}/webhook/secret", form_page=settings).get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page)[1]
    assert f"Decisions are sent to {url}." in admin.client.get(settings).get_data(as_text=True)
    return secret


def decide(moderator, post_id: int, action: str, reason: str = ""):
    """A moderator records a decision on an item through its page."""
    page = f"/queue/items/{post_id}"
    return moderator.post(page + "/act", {"action": action, "reason": reason}, form_page=page)


def deliveries_page(admin, service_id: int) -> str:
    return admin.client.get(f"/queue/services/{service_id}/deliveries").get_data(as_text=True)


def make_due(app) -> None:
    """Every waiting event's next try comes now (as if its wait had passed)."""
    with app.app_context():
        db.session.execute(sa.update(PlatformEvent).where(PlatformEvent.delivered_at.is_(None))
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def test_a_post_hidden_in_the_console_is_sent_to_the_platform_signed(app, client, chloe, admin, receiver):
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("hurtful-1", body="You are all useless", thread_id="t-9")).get_json()["id"]

    assert decide(chloe, post_id, "hidden", "Personal attack on another member").status_code == 302
    # Written with the decision, before anything is sent.
    assert "Waiting to be sent" in deliveries_page(admin, service_id)

    assert run_queued_tasks(app) >= 1  # the sender, started when the decision was committed
    (request,) = receiver.received
    assert request["signature_ok"]
    body, headers = request["body"], request["headers"]
    assert body["type"] == "post.hidden" and body["reason"] == "Personal attack on another member"
    assert body["post"] == {"external_id": "hurtful-1", "thread_id": "t-9"}
    assert body["service"] == "demo-low" and body["sequence"] == 1
    assert headers["X-Event-Id"] == body["id"]
    assert abs(int(headers["X-Event-Timestamp"]) - time.time()) < 60
    assert "You are all useless" not in json.dumps(body) and "User A" not in json.dumps(body)

    page = deliveries_page(admin, service_id)
    assert "Delivered" in page and "Hidden: Personal attack on another member" in page
    with app.app_context():
        assert receiver.secret not in main_database_dump(), "the signing secret is sealed at rest"


def test_each_posts_decisions_arrive_in_order_after_a_500_and_a_timeout_each_once(app, client, chloe, admin,
                                                                                   receiver):
    app.config["PLATFORM_TIMEOUT_SECONDS"] = 0.5
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("slow-1", body="Is anyone around tonight?")).get_json()["id"]
    receiver.script = [500]

    decide(chloe, post_id, "needs_reply")
    decide(chloe, post_id, "hidden", "Shared a phone number")
    run_queued_tasks(app)
    # The first failed; the second waits behind it and is not sent out of order.
    assert [r["body"]["type"] for r in receiver.received] == ["post.needs_reply"]
    page = deliveries_page(admin, service_id)
    assert "Not delivered</span> after 1 try: The platform answered HTTP 500." in page
    assert "Waiting to be sent" in page

    receiver.script = ["slow"]  # the platform takes it but answers too late: the console must send it again
    make_due(app)
    with app.app_context():
        assert platform.deliver_due() == (0, 1)
    assert "after 2 tries: No answer within 0.5 s." in deliveries_page(admin, service_id)

    make_due(app)
    with app.app_context():
        assert platform.deliver_due() == (2, 0)
    sent = [r["body"]["type"] for r in receiver.received]
    assert sent == ["post.needs_reply", "post.needs_reply", "post.needs_reply", "post.hidden"]
    assert [event["type"] for event in receiver.taken] == ["post.needs_reply", "post.hidden"]
    assert [event["sequence"] for event in receiver.taken] == [1, 2]
    with app.app_context():
        assert platform.deliver_due() == (0, 0), "nothing is sent again once delivered"


def test_decisions_made_while_the_platform_is_down_are_delivered_after_a_restart(app, client, chloe, admin,
                                                                               database_url, vault_url):
    with socket.socket() as probe:  # an address where nothing listens yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    service_id = service_id_of(app, "demo-low")
    down_url = f"http://127.0.0.1:{port}/hooks/console"
    secret = connect(admin, service_id, down_url)
    first, second = (post_json(client, item(f"down-{n}")).get_json()["id"] for n in (1, 2))
    decide(chloe, first, "approved")
    decide(chloe, second, "hidden", "Spam")
    run_queued_tasks(app)
    assert deliveries_page(admin, service_id).count("Could not connect to the platform.") == 2

    # The console restarts (a new app on the same database); the platform comes back.
    restarted = create_app(base_config(database_url, PID_DATABASE_URL=vault_url))
    platform_back = Receiver(port)
    platform_back.secret = secret
    try:
        make_due(restarted)
        with restarted.app_context():
            assert platform.deliver_due() == (2, 0)
            db.engine.dispose()
    finally:
        platform_back.stop()
    assert sorted(event["type"] for event in platform_back.taken) == ["post.approved", "post.hidden"]
    assert all(r["signature_ok"] for r in platform_back.received)


def test_an_administrator_sends_a_decision_again_and_the_platform_takes_it_once(app, client, chloe, admin,
                                                                              receiver):
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("again-1")).get_json()["id"]
    decide(chloe, post_id, "approved")
    run_queued_tasks(app)
    with app.app_context():
        event_id = db.session.scalar(sa.select(PlatformEvent.id).where(PlatformEvent.post_id == post_id))

    deliveries = f"/queue/services/{service_id}/deliveries"
    again = admin.post(f"{deliveries}/{event_id}/send", form_page=deliveries, follow_redirects=True)
    assert "Sending it again now." in again.get_data(as_text=True)
    run_queued_tasks(app)
    assert len(receiver.received) == 2 and receiver.received[0]["body"]["id"] == receiver.received[1]["body"]["id"]
    assert len(receiver.taken) == 1
    assert "Delivered" in admin.client.get(deliveries).get_data(as_text=True)


def test_a_decision_a_later_one_replaced_is_not_sent_again(app, client, chloe, admin, receiver):
    """The second review: "Send again" on a post's old "hidden" after it was shown again would hide it once more on a
    platform that does not keep event ids; the later decision stands, and the page says what replaced the old one."""
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("replaced-1", body="You are all useless")).get_json()["id"]
    decide(chloe, post_id, "hidden", "Abuse")
    decide(chloe, post_id, "unhidden", "Read it again: venting, not abuse")
    run_queued_tasks(app)
    with app.app_context():
        hidden_id, shown_id = db.session.scalars(sa.select(PlatformEvent.id).where(PlatformEvent.post_id == post_id)
                                                 .order_by(PlatformEvent.sequence)).all()
    deliveries = f"/queue/services/{service_id}/deliveries"
    page = admin.client.get(deliveries).get_data(as_text=True)
    assert f"{deliveries}/{hidden_id}/send" not in page and f"{deliveries}/{shown_id}/send" in page
    assert "Replaced by a later decision (Shown again at " in page
    refused = admin.post(f"{deliveries}/{hidden_id}/send", form_page=deliveries, follow_redirects=True)
    assert "A later decision on this post replaced this one (Shown again at " in refused.get_data(as_text=True)
    run_queued_tasks(app)
    assert [request["body"]["type"] for request in receiver.received] == ["post.hidden", "post.unhidden"]


def test_an_escalation_is_sent_without_its_clinical_reason(app, client, auth, admin, receiver):
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("worry-1", body="I can't go on")).get_json()["id"]
    auth.login_demo(Role.CLINICAL_MODERATOR)
    assert decide(auth, post_id, "escalated", "Talks of ending it; known to the team").status_code == 302
    run_queued_tasks(app)
    (request,) = receiver.received
    assert request["body"]["type"] == "post.escalated" and "reason" not in request["body"]
    assert "known to the team" not in json.dumps(request["body"])


def test_no_decision_is_queued_for_a_service_without_a_webhook_and_a_note_is_never_sent(app, client, chloe,
                                                                                       admin, receiver):
    post_id = post_json(client, item("quiet-1")).get_json()["id"]
    decide(chloe, post_id, "approved")
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    decide(chloe, post_id, "note", "Checked the thread too")
    run_queued_tasks(app)
    assert receiver.received == []
    assert "No decision has been sent yet." in deliveries_page(admin, service_id)


@pytest.mark.parametrize("url,message", [
    ("http://platform.example.org/hooks", "Use an https:// address"),
    ("not an address", "That is not a web address"),
    ("https://user:pass@platform.example.org/hooks", "Leave the user name and password out of the address"),
    ("https://platform.example.org:port/hooks", "That is not a web address"),
])
def test_an_address_the_console_will_not_send_to_is_refused_and_kept_on_the_form(app, admin, url, message):
    service_id = service_id_of(app, "demo-low")
    settings = f"/queue/services/{service_id}/settings"
    refused = admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": url}, form_page=settings)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and message in page
    assert f'value="{url.replace(chr(38), "&amp;")}"' in page
    assert "Decisions are not sent anywhere" in admin.client.get(settings).get_data(as_text=True)


def test_a_decision_is_saved_with_its_event_or_not_at_all(app, client, chloe, admin, receiver):
    """A decision refused (an item already closed) leaves no event behind."""
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("once-1")).get_json()["id"]
    decide(chloe, post_id, "approved")
    refused = decide(chloe, post_id, "hidden", "Changed my mind")
    assert refused.status_code == 400 and "This item is already approved." in refused.get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(sa.select(PlatformEvent.action).where(PlatformEvent.post_id == post_id)).all()
        assert events == ["approved"] and db.session.get(Post, post_id).state == "approved"


def test_a_hidden_post_shown_again_is_shown_again_on_the_platform(app, client, chloe, admin, receiver):
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("again-2", body="My number is 07700 900123")).get_json()["id"]
    decide(chloe, post_id, "hidden", "Shares personal details")
    page = chloe.client.get(f"/queue/items/{post_id}").get_data(as_text=True)
    assert re.findall(r'name="action" value="([a-z_]+)"', page) == ["unhidden", "note"]
    no_reason = decide(chloe, post_id, "unhidden")
    assert no_reason.status_code == 400 and "Say why the post is shown again." in no_reason.get_data(as_text=True)
    assert decide(chloe, post_id, "unhidden", "It is the service's own helpline number").status_code == 302
    again = decide(chloe, post_id, "unhidden", "Twice")
    assert again.status_code == 400 and "Only a hidden post can be shown again." in again.get_data(as_text=True)

    run_queued_tasks(app)
    assert [(event["type"], event["sequence"]) for event in receiver.taken] == [("post.hidden", 1),
                                                                               ("post.unhidden", 2)]
    assert "reason" not in receiver.taken[1]  # only a hidden post's reason leaves the console
    item_page = chloe.client.get(f"/queue/items/{post_id}").get_data(as_text=True)
    assert "State: <strong>approved</strong>" in item_page
    assert "Chloe Davies showed the post again: It is the service&#39;s own helpline number" in item_page


# --- Who changes where decisions go, and what a new address is given (second security review, findings 2, 10) ---

def audit_sentences(admin, query: str = "") -> list[str]:
    """The audit log's entries, newest first, each without its time ("14:02 on Fri 04 Dec")."""
    return [line.split(" ", 5)[5] for line in lines_of(admin.client.get(f"/admin/audit{query}").get_data(
        as_text=True))]


def event_of(app, post_id: int) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(PlatformEvent.id).where(PlatformEvent.post_id == post_id))


def send_again(admin, service_id: int, event_id: int) -> str:
    deliveries = f"/queue/services/{service_id}/deliveries"
    return admin.post(f"{deliveries}/{event_id}/send", form_page=deliveries, follow_redirects=True).get_data(
        as_text=True)


def test_a_new_address_forgets_the_signing_secret_and_nothing_goes_there_until_a_new_one_is_made(
        app, client, chloe, admin, receiver):
    service_id = service_id_of(app, "demo-low")
    settings = f"/queue/services/{service_id}/settings"
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("moved-1")).get_json()["id"]
    decide(chloe, post_id, "approved")
    run_queued_tasks(app)
    assert len(receiver.taken) == 1
    same_place = receiver.url + "-v2"  # another path at the same address keeps its secret
    admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": same_place}, form_page=settings)
    assert f"Decisions are sent to {same_place}." in admin.client.get(settings).get_data(as_text=True)

    elsewhere = Receiver()
    try:
        moved = admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": elsewhere.url},
                           form_page=settings, follow_redirects=True).get_data(as_text=True)
        assert "Address saved. The signing secret was for the old address, so it is forgotten: make a new one and " \
               "give it to the platform. Nothing is sent until then." in moved
        assert "Make a signing secret: nothing is sent until there is one." in moved
        refused = send_again(admin, service_id, event_of(app, post_id))
        assert "Set the webhook&#39;s address and secret first" in refused
        run_queued_tasks(app)
        assert elsewhere.received == []

        page = admin.post(f"/queue/services/{service_id}/webhook/secret", form_page=settings).get_data(as_text=True)
        elsewhere.secret = SECRET_ON_PAGE.search(page)[1]
        assert elsewhere.secret != receiver.secret
        send_again(admin, service_id, event_of(app, post_id))
        run_queued_tasks(app)
        assert [request["signature_ok"] for request in elsewhere.received] == [True]
    finally:
        elsewhere.stop()


def test_changing_where_decisions_go_needs_a_fresh_mfa_code(app, admin, receiver):
    service_id = service_id_of(app, "demo-low")
    settings = f"/queue/services/{service_id}/settings"
    with admin.client.session_transaction() as session:
        session["mfa_at"] = 0  # the sign-in's code was long ago
    assert 'name="code"' in admin.client.get(settings).get_data(as_text=True).split('id="platform"')[1]
    refused = admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": receiver.url},
                         form_page=settings)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Enter the code from your authenticator app" in page
    assert f'value="{receiver.url}"' in page  # nothing typed is lost
    assert "Decisions are not sent anywhere" in admin.client.get(settings).get_data(as_text=True)

    code = totp_now(demo.DEMO_TOTP_SECRET, steps_ahead=1)
    saved = admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": receiver.url,
                                                                 "code": code}, form_page=settings)
    assert saved.status_code == 302
    with admin.client.session_transaction() as session:
        session["mfa_at"] = 0
    no_secret = admin.post(f"/queue/services/{service_id}/webhook/secret", form_page=settings, follow_redirects=True)
    assert "Enter the code from your authenticator app" in no_secret.get_data(as_text=True)
    assert SECRET_ON_PAGE.search(no_secret.get_data(as_text=True)) is None
    assert "Make a signing secret: nothing is sent until there is one." in admin.client.get(settings).get_data(
        as_text=True)


def test_only_owners_and_clinical_administrators_change_where_decisions_go(app, demo_data, receiver):
    service_id = service_id_of(app, "demo-low")
    tom = signed_in(app, Role.NON_CLINICAL_ADMIN)  # the non-clinical administrator
    settings = f"/queue/services/{service_id}/settings"
    page = tom.client.get(settings).get_data(as_text=True)
    assert "Only owners and clinical administrators change where decisions go" in page
    assert f"/queue/services/{service_id}/webhook" not in page
    refused = tom.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": receiver.url},
                       form_page=settings)
    assert refused.status_code == 403
    assert tom.post(f"/queue/services/{service_id}/webhook/secret", form_page=settings).status_code == 403
    assert tom.client.get(f"/queue/services/{service_id}/deliveries").status_code == 200
    assert "Decisions are not sent anywhere" in tom.client.get(settings).get_data(as_text=True)


def test_changes_of_where_decisions_go_read_in_the_audit_log_with_the_old_and_new_address(app, admin, receiver):
    service_id = service_id_of(app, "demo-low")
    settings = f"/queue/services/{service_id}/settings"
    connect(admin, service_id, receiver.url)
    moved = "http://127.0.0.1:1/hooks/token-in-the-path"
    admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": moved}, form_page=settings)
    admin.post(f"/queue/services/{service_id}/webhook", {"kind": "webhook", "url": ""}, form_page=settings)

    lines = audit_sentences(admin)
    here = f"http://127.0.0.1:{receiver.port}"
    assert lines[:4] == [
        "Helen Marsh stopped sending the decisions on Demo low-risk service to its platform. "
        "Platform address http://127.0.0.1:1 → none",
        "Helen Marsh set the webhook the decisions on Demo low-risk service are sent to. "
        f"Platform address {here} → http://127.0.0.1:1 "
        "Signing secret forgotten: it was for the old address, and a new one is needed",
        f"Helen Marsh made a new signing secret for the decisions on Demo low-risk service. Platform address {here}",
        "Helen Marsh set the webhook the decisions on Demo low-risk service are sent to. "
        f"Platform address none → {here}",
    ]
    assert not any("token-in-the-path" in line or "/hooks" in line for line in lines), \
        "only the address's site is kept: a path may hold a token"


def test_a_decision_is_sent_again_only_from_its_own_services_deliveries(app, client, chloe, admin, receiver):
    """Another service's decision is not at this address, as one that does not exist: nothing is sent again."""
    service_id = service_id_of(app, "demo-low")
    receiver.secret = connect(admin, service_id, receiver.url)
    post_id = post_json(client, item("elsewhere-1")).get_json()["id"]
    decide(chloe, post_id, "approved")
    run_queued_tasks(app)
    page = send_again(admin, service_id_of(app, "eating-disorders"), event_of(app, post_id))
    assert "There is no decision at this address for this service." in page
    run_queued_tasks(app)
    assert len(receiver.received) == 1
