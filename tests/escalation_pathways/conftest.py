"""Helpers for escalation tests: the demo clinicians, signing in with MFA, and escalating the demo's critical post."""

import re

import sqlalchemy as sa

from console.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, PEOPLE
from console.extensions import db
from console.queue.models import Post
from tests.helpers import totp_now

SARAH = next(p for p in PEOPLE if p.name == "Sarah Bennett")  # clinical moderator, eating disorders
MEGAN = next(p for p in PEOPLE if p.name == "Megan Price")  # non-clinical moderator, eating disorders


def sign_in(auth, person, *, again: bool = False):
    """Sign in a demo person (with the MFA code when their role needs one; `again` for a second sign-in within the
    same 30 seconds, which needs the next code: a code is never accepted twice)."""
    response = auth.post("/auth/login", {"email": person.email, "password": DEMO_PASSWORD})
    if response.headers.get("Location", "").startswith("/auth/mfa"):
        response = auth.post("/auth/mfa", {"code": totp_now(DEMO_TOTP_SECRET, steps_ahead=int(again))})
    assert response.status_code == 302


def demo_post_id(app) -> int:
    """The id of the demo thread's critical post."""
    with app.app_context():
        return db.session.scalar(sa.select(Post.id).where(Post.external_id == "demo-1"))


def escalate_demo_post(app, client, auth, person=SARAH) -> int:
    """Take the demo's critical post and escalate it; returns the case id the console redirects to."""
    sign_in(auth, person)
    post_id = demo_post_id(app)
    auth.post(f"/queue/items/{post_id}/claim", form_page=f"/queue/items/{post_id}")
    response = auth.post(f"/queue/items/{post_id}/act", {"action": "escalated",
                                                         "reason": "Says they want to die tonight"},
                         form_page=f"/queue/items/{post_id}")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.fullmatch(r"/escalation/cases/(\d+)", response.headers["Location"]).group(1))
