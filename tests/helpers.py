"""Small helpers the tests share: signing in through the real forms, a London wall-clock moment, waiting for another
process, serving on loopback, racing requests, running the task queue's tasks and reading an email. Fixtures live
in conftest.py; test data is built in factories.py."""

import re
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

import pyotp

from console import demo, task_queue
from console.database import LONDON
from console.errors import UserError
from console.extensions import db
from console.permissions import Role
from tests.factories import PASSWORD, make_staff, next_monday

T = TypeVar("T")

# --- Signing in ---------------------------------------------------------------------------------------------------

CSRF_PATTERN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, path: str) -> str:
    """The CSRF token from the form on a page."""
    response = client.get(path)
    match = CSRF_PATTERN.search(response.get_data(as_text=True))
    assert match, f"no form with a CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def totp_now(secret: str, *, steps_ahead: int = 0) -> str:
    """The authenticator code for a secret, optionally for a later 30-second step."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps_ahead)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def post(self, path: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
        """POST a form with a valid CSRF token taken from form_page (default: the same path)."""
        data = {"csrf_token": csrf_token(self.client, form_page or path), **(data or {})}
        return self.client.post(path, data=data, **kwargs)

    def login(self, email: str, password: str = demo.DEMO_PASSWORD, *, totp_secret: str | None = None):
        """Sign in with password, then the MFA code when a secret is given; returns the last response."""
        response = self.post("/auth/login", {"email": email, "password": password})
        if totp_secret is not None and response.headers.get("Location", "").startswith("/auth/mfa"):
            response = self.post("/auth/mfa", {"code": totp_now(totp_secret)})
        return response

    def login_demo(self, role):
        """Sign in as the documented demo login of a role."""
        person = next(p for p in demo.demo_logins() if p.role == role)
        return self.login(person.email, totp_secret=demo.DEMO_TOTP_SECRET)

    def logout(self):
        """Sign out of this client."""
        return self.post("/auth/logout", form_page="/auth/account")


def signed_in(app, role: Role) -> AuthActions:
    """The demo person of that role, signed in (password and authenticator) on a browser of their own."""
    person = AuthActions(app.test_client())
    person.login_demo(role)
    return person


def made_and_signed_in(app, email: str, roles, *, name: str | None = None, secret: str | None = None) -> AuthActions:
    """A staff member made for the test (named after their email unless told, with an authenticator when a secret is
    given), signed in on a browser of their own."""
    with app.app_context():
        make_staff(email, roles=roles, name=name or email.split("@")[0].title(), mfa_secret=secret)
    person = AuthActions(app.test_client())
    person.login(email, PASSWORD, totp_secret=secret)
    return person


# --- Time ---------------------------------------------------------------------------------------------------------

# The Monday after the day the tests were collected: fixed once, so a test that moves the clock (to that Monday, or
# the Sunday before it) still means the same day.
MONDAY = next_monday()


def at(hour: int, minute: int = 0, *, day: date = MONDAY) -> datetime:
    """A London wall-clock moment: hour:minute on `day` (next Monday unless told)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def wait_until(condition: Callable[[], T], seconds: float, *, every: float = 0.1) -> T:
    """Ask `condition` every `every` seconds until it answers something true or `seconds` have passed; its last
    answer (false if the time ran out)."""
    deadline = time.monotonic() + seconds
    while not (answer := condition()) and time.monotonic() < deadline:
        time.sleep(every)
    return answer


# --- Servers, racing, the task queue, emails -----------------------------------------------------------------------

def serve_in_background(server) -> threading.Thread:
    """Serve a socketserver's requests on a daemon thread (returned) until server.shutdown(), which then returns
    within 50 ms: at serve_forever's default of half a second, every test that stops a server waited that long."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return thread


def at_the_same_moment(app, *racers: Callable[[], Callable[[], object]]) -> list:
    """Race actions against each other: each racer, on its own thread and in its own app context, gets ready
    (looks up what it needs) and returns its action; all the actions are then let go together. Each one's result,
    or the UserError it was refused with, in the order given."""
    ready, results = threading.Barrier(len(racers)), [None] * len(racers)

    def run(index: int, racer) -> None:
        with app.app_context():
            action = racer()
            ready.wait()
            try:
                results[index] = action()
            except UserError as refusal:
                results[index] = refusal
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(index, racer)) for index, racer in enumerate(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def run_queued_tasks(app) -> int:
    """Take every task off the app's queue and run it, as the consumer would; returns how many ran."""
    huey = task_queue.get(app).huey
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def text_of(message) -> str:
    """An email's words as its reader sees them: its plain text, then its HTML part."""
    return "\n".join(part.get_content() for part in message.walk()
                     if part.get_content_type() in ("text/plain", "text/html"))
