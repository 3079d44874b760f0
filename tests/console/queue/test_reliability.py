"""The queue under load and abuse: replays store nothing twice, 50 moderators never claim one item twice, and
malformed input never gets a 500."""

import hashlib
import hmac
import json
import threading

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console import create_app, demo
from console.accounts.models import StaffMember
from console.database import utcnow
from console.extensions import db
from console.permissions import Role
from console.queue import work
from console.queue.models import Post
from console.services.models import Service
from tests.conftest import base_config
from tests.factories import URL, item, post_json

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


def test_replaying_posts_three_times_stores_each_once(app, client, demo_data):
    posts = [item(f"replay-{i}", body=f"post number {i}") for i in range(200)]
    for _ in range(3):
        for start in (0, 100):  # the first round stores each post; the next two are repeats
            response = post_json(client, {"items": posts[start:start + 100]}, url=URL + ":batch")
            assert response.status_code in (200, 201)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 200


def test_fifty_moderators_claiming_at_once_take_each_item_exactly_once(database_url, demo_data):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time; the PostgreSQL run is the concurrent one")
    # A connection for each of the fifty moderators, so they all claim at once rather than wait for the pool.
    app = create_app(base_config(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 50, "max_overflow": 0}))
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.slug == "demo-low"))
        now = utcnow()
        db.session.add_all(Post(service_id=service.id, external_id=f"load-{i}", thread_id=f"t-{i}", kind="post",
                                author_pseudonym="User", body="hello", created_at=now) for i in range(200))
        moderators = []
        for i in range(50):
            person = StaffMember(name=f"Moderator {i}", email=f"moderator{i}@load.example.org")
            person.roles, person.services = [Role.PEER_MODERATOR], [service]
            moderators.append(person)
        db.session.add_all(moderators)
        db.session.commit()
        ids = [m.id for m in moderators]
    claimed, errors, lock = [], [], threading.Lock()

    def moderate(staff_id):
        with app.app_context():
            try:
                me = db.session.get(StaffMember, staff_id)
                while (post := work.next_item(me)) is not None:
                    with lock:
                        claimed.append(post.id)
            except Exception as problem:  # a failure in a thread must fail the test, not vanish
                errors.append(repr(problem))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=moderate, args=(staff_id,)) for staff_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(claimed) == 200 and len(set(claimed)) == 200
    with app.app_context():
        db.engine.dispose()


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children,
                                                                                       max_size=6), max_leaves=20)
FIELDS = st.fixed_dictionaries({}, optional={
    "external_id": JSON, "thread_id": JSON, "kind": st.sampled_from(["post", "reply"]) | JSON,
    "author_pseudonym": JSON, "body": JSON, "created_at": st.sampled_from(["2026-11-25T14:05:00+00:00"]) | JSON})


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=FIELDS | JSON | st.binary(max_size=200).map(lambda raw: {"raw": raw.hex()}),
       batch=st.booleans())
def test_malformed_input_never_gets_a_500(app, client, demo_data, payload, batch):
    body = json.dumps({"items": [payload]} if batch else payload).encode()
    signature = "sha256=" + hmac.new(demo.DEMO_INGEST_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = client.post(URL + (":batch" if batch else ""), data=body,
                           headers={"Content-Type": "application/json", "X-Signature": signature})
    assert response.status_code in (200, 201, 400), response.get_data(as_text=True)
    assert response.is_json
