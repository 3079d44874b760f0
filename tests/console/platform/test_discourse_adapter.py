"""Decisions going back to a Discourse forum: a post hidden in the console is hidden on the forum through
Discourse's API (POST /post_actions.json, a staff flag with take_action, Api-Key and Api-Username headers), checked
by a local stub of the forum that answers as Discourse does."""

import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from console.extensions import db
from console.permissions import Role
from console.platform import service as platform
from tests.conftest import main_database_dump
from tests.console.platform.test_outbound import audit_sentences, deliveries_page, event_of, make_due, send_again
from tests.console.platform.test_discourse import deliver, fixture
from tests.factories import item, post_json, service_id_of
from tests.helpers import run_queued_tasks, serve_in_background

KEY = "a1b2c3-discourse-api-key-for-the-console"


class DiscourseStub:
    """The forum's API on loopback: it records each request and answers 403 to a wrong key, as Discourse does."""

    def __init__(self):
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):
                self.do_POST()

            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
                stub.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                      "form": {key: values[0] for key, values in form.items()}})
                if self.headers.get("Api-Key") != KEY:
                    status, body = 403, {"errors": ["You are not permitted to view the requested resource."]}
                elif (self.command, self.path) == ("PUT", "/posts/90412/unhide"):
                    status, body = 200, {"success": "OK"}
                elif (self.command, self.path) != ("POST", "/post_actions.json"):
                    status, body = 404, {"errors": ["The requested URL or resource could not be found."]}
                else:
                    status, body = 200, {"id": int(form["id"][0]), "hidden": True}
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        serve_in_background(self.server)


@pytest.fixture
def forum():
    stub = DiscourseStub()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def low(app, demo_data) -> int:
    """The demo low-risk service's id: the forum stands in for its platform."""
    return service_id_of(app, "demo-low")


def settings(low: int) -> str:
    return f"/queue/services/{low}/settings"


def connect(admin, low: int, url: str, key: str = KEY, username: str = "system"):
    return admin.post(f"/queue/services/{low}/webhook", {"kind": "discourse", "url": url, "api_username": username,
                                                         "api_key": key}, form_page=settings(low))


def hide(moderator, post_id: int, reason: str):
    page = f"/queue/items/{post_id}"
    return moderator.post(page + "/act", {"action": "hidden", "reason": reason}, form_page=page)


def test_a_post_hidden_in_the_console_is_hidden_on_the_forum(app, client, auth, admin, low, forum):
    assert connect(admin, low, forum.url).status_code == 302
    assert f"hidden on the Discourse forum at {forum.url}, by system" in admin.client.get(settings(low)).get_data(
        as_text=True)
    from_forum = deliver(client, fixture("post_created")).get_json()["id"]
    calm = deliver(client, fixture("reply_edited"), raw="Thinking of you").get_json()["id"]
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    page = f"/queue/items/{calm}"
    auth.post(page + "/act", {"action": "approved"}, form_page=page)  # nothing to do on the forum
    assert hide(auth, from_forum, "Describes methods of self-harm or suicide").status_code == 302
    run_queued_tasks(app)

    (request,) = forum.requests
    assert (request["method"], request["path"]) == ("POST", "/post_actions.json")
    assert request["headers"]["Api-Key"] == KEY and request["headers"]["Api-Username"] == "system"
    assert request["form"] == {"id": "90412", "post_action_type_id": "4", "take_action": "true"}
    assert "Delivered" in deliveries_page(admin, low)
    with app.app_context():
        assert KEY not in main_database_dump(), "the API key is sealed at rest"

    page = f"/queue/items/{from_forum}"
    auth.logout()
    auth.login_demo(Role.CLINICAL_MODERATOR)  # it was hidden while critical: a clinician shows it again
    assert auth.post(page + "/act", {"action": "unhidden", "reason": "Reviewed: within the guidelines"},
                     form_page=page).status_code == 302
    run_queued_tasks(app)
    assert [(r["method"], r["path"]) for r in forum.requests][1:] == [("PUT", "/posts/90412/unhide")]
    assert forum.requests[1]["headers"]["Api-Key"] == KEY


def test_a_refused_key_is_shown_and_the_hide_goes_through_once_the_key_is_put_right(app, client, auth, admin, low,
                                                                                     forum):
    connect(admin, low, forum.url, key="an-old-revoked-key")
    post_id = deliver(client, fixture("post_created")).get_json()["id"]
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    hide(auth, post_id, "Shares personal details")
    run_queued_tasks(app)
    assert "The platform answered HTTP 403." in deliveries_page(admin, low)

    assert connect(admin, low, forum.url, key=KEY).status_code == 302
    make_due(app)
    with app.app_context():
        assert platform.deliver_due() == (1, 0)
        db.session.remove()
    assert [r["headers"]["Api-Key"] for r in forum.requests] == ["an-old-revoked-key", KEY]


def test_a_post_that_did_not_come_from_the_forum_has_nothing_to_hide_there(app, client, auth, admin, low, forum):
    connect(admin, low, forum.url)
    post_id = post_json(client, item("not-discourse")).get_json()["id"]
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    hide(auth, post_id, "Spam")
    run_queued_tasks(app)
    assert forum.requests == []
    assert "No decision has been sent yet." in deliveries_page(admin, low)


@pytest.mark.parametrize("changes,message", [
    ({"username": ""}, "Give the Discourse user the console acts as"),
    ({"key": ""}, "Give an API key: make one in Discourse"),
    ({"url": "http://forum.example.org"}, "Use an https:// address"),
])
def test_connecting_a_forum_without_what_it_needs_is_refused_clearly(admin, low, forum, changes, message):
    arguments = {"url": forum.url, "key": KEY, "username": "system", **changes}
    refused = connect(admin, low, arguments["url"], key=arguments["key"], username=arguments["username"])
    assert refused.status_code == 400 and message in refused.get_data(as_text=True)
    assert "Decisions are not sent anywhere" in admin.client.get(settings(low)).get_data(as_text=True)


def test_a_new_forum_address_needs_the_api_key_again_and_nothing_goes_there_before(app, client, auth, admin, low,
                                                                                  forum):
    """The saved key only ever goes to the forum it was given for (second security review, finding 2): a new
    address (here another port of the same machine) without the key is refused, and "Send again" still goes to the
    forum the key belongs to."""
    assert connect(admin, low, forum.url).status_code == 302
    post_id = deliver(client, fixture("post_created")).get_json()["id"]
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    hide(auth, post_id, "Shares personal details")
    run_queued_tasks(app)
    assert len(forum.requests) == 1
    event_id = event_of(app, post_id)

    other = DiscourseStub()
    try:
        refused = connect(admin, low, other.url, key="")
        assert refused.status_code == 400
        assert f"Give the API key again: the address changed from {forum.url} to {other.url}, and a saved key only " \
               "ever goes to the address it was given for." in refused.get_data(as_text=True)
        assert f"hidden on the Discourse forum at {forum.url}, by system" in admin.client.get(settings(low)).get_data(
            as_text=True)
        send_again(admin, low, event_id)
        run_queued_tasks(app)
        assert other.requests == [] and len(forum.requests) == 2

        assert connect(admin, low, other.url, username="moderation-console").status_code == 302
        send_again(admin, low, event_id)
        run_queued_tasks(app)
        assert [(r["headers"]["Api-Key"], r["headers"]["Api-Username"]) for r in other.requests] == [
            (KEY, "moderation-console")]
    finally:
        other.server.shutdown()
        other.server.server_close()

    (line, *_) = audit_sentences(admin, "?kind=platform.discourse_set")
    assert line == ("Helen Marsh set the Discourse forum the hidden posts of Demo low-risk service are hidden on. "
                    f"Discourse user system → moderation-console Platform address {forum.url} → {other.url} "
                    "Discourse API key a new one given")
