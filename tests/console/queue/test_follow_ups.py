"""Parked items: when their follow-up time comes they are back at the top of the queue (under critical items only)
and whoever parked them is told, once."""

from datetime import datetime

import time_machine

from console.extensions import db
from console.notifications import service as outbox
from console.permissions import Role
from console.queue import work
from console.queue.models import Action, Post
from scheduler.runner import run_job
from tests.factories import item, person, post_json
from tests.helpers import at

CHLOE = Role.NON_CLINICAL_MODERATOR  # moderates the demo low-risk service


def queue_table(client) -> str:
    """The table of items waiting in the demo low-risk service's queue, in its order."""
    page = client.get("/queue/?service=demo-low").get_data(as_text=True)
    return page.split('aria-label="Items waiting"', 1)[1].split("</table>", 1)[0]


def push(client, external_id: str, body: str, moment: datetime) -> int:
    return post_json(client, item(external_id, body=body, created_at=moment.isoformat())).get_json()["id"]


def test_a_parked_item_comes_back_to_the_top_when_its_follow_up_is_due_and_its_parker_is_told_once(
        app, client, auth, demo_data, smtp_server):
    with time_machine.travel(at(10), tick=False) as traveller:
        parked = push(client, "f-1", "Hard week, will say more later", at(9))
        risk = push(client, "f-2", "Feeling hopeless", at(9, 30))
        with app.app_context():
            chloe = person(CHLOE)
            work.claim(chloe, post_id=parked)
            work.act(chloe, post_id=parked, action=Action.PARKED, reason="Ask how the appointment went",
                     due_at=at(11))
        auth.login_demo(CHLOE)
        before = queue_table(client)
        assert before.index(f"/queue/items/{risk}\"") < before.index(f"/queue/items/{parked}\"")

        traveller.move_to(at(11, 1))
        with app.app_context():
            run_job("follow-ups")
            run_job("follow-ups")  # a second scheduler in the same minute
            traveller.move_to(at(11, 2))
            run_job("follow-ups")
            outbox.send_outbox()
        told = [m for m in smtp_server.messages if m["Subject"] == "Follow-up due: an item you parked in Demo "
                                                                  "low-risk service"]
        assert [m["To"] for m in told] == ["chloe.davies@demo-trust.example.org"], "the parker, once"
        text = told[0].get_body(("plain",)).get_content()
        assert f"http://127.0.0.1:5000/queue/items/{parked}" in text and "Hard week" not in text

        page = queue_table(client)
        assert page.index(f"/queue/items/{parked}\"") < page.index(f"/queue/items/{risk}\"")
        assert "Follow-up due" in page
        critical = push(client, "f-3", "I want to kill myself", at(11, 2))
        page = queue_table(client)
        assert page.index(f"/queue/items/{critical}\"") < page.index(f"/queue/items/{parked}\""), \
            "a critical item stays above every follow-up"
        with app.app_context():
            jess = person(Role.PEER_MODERATOR)
            assert work.next_item(jess, service_slug="demo-low").id == critical
            assert work.next_item(person(Role.CLINICAL_MODERATOR), service_slug="demo-low").id == parked
            assert db.session.get(Post, parked).state == "parked", "it stays parked until someone acts on it"
