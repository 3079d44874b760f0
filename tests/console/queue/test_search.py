"""Searching my services' posts, open and closed: words, pseudonym, thread, state, risk and dates; paged."""

from datetime import timedelta

import pytest

from console.database import local_today, utcnow
from console.permissions import Role
from console.extensions import db
from console.queue.models import Post
from tests.factories import item, post_json, services

CHLOE = Role.NON_CLINICAL_MODERATOR


@pytest.fixture
def posts(client, auth, demo_data):
    """A few posts of the demo low-risk service, one of them hidden; Chloe signed in."""
    now = utcnow()
    written = [("s-1", "Feeling hopeless and tired tonight", "t-1", "Storm", now - timedelta(days=3)),
               ("s-2", "A good walk by the river", "t-2", "Storm", now - timedelta(days=1)),
               ("s-3", "Hopelessness again, no sleep", "t-2", "Calm", now - timedelta(hours=2)),
               ("s-4", "Spam spam 50% off", "t-3", "Pedlar", now - timedelta(hours=1))]
    ids = {key: post_json(client, item(key, body=body, thread_id=thread, author_pseudonym=author,
                                       created_at=when.isoformat())).get_json()["id"]
           for key, body, thread, author, when in written}
    auth.login_demo(CHLOE)
    page = f"/queue/items/{ids['s-4']}"
    assert auth.post(page + "/act", {"action": "hidden", "reason": "Spam"}, form_page=page).status_code == 302
    return ids


def found(client, **query) -> list[str]:
    page = client.get("/queue/search", query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    return [key for key, body in [("s-1", "Feeling hopeless"), ("s-2", "A good walk"), ("s-3", "Hopelessness again"),
                                  ("s-4", "Spam spam")] if body in text]


def test_words_pseudonym_thread_state_and_dates_each_narrow_the_search(app, client, posts):
    assert found(client, text="walk") == ["s-2"]
    assert found(client, text="tired -river") == ["s-1"]
    assert found(client, pseudonym="Storm") == ["s-1", "s-2"]
    assert found(client, thread="t-2") == ["s-2", "s-3"]
    assert found(client, states="hidden") == ["s-4"]
    assert found(client, states=["open"], levels=["risk"]) == ["s-1"]  # "hopeless" is on the risk list
    assert found(client, states=["open"], levels=["normal"]) == ["s-2", "s-3"]
    today = local_today()
    assert found(client, since=(today - timedelta(days=2)).isoformat(), until=today.isoformat(),
                 pseudonym="Storm") == ["s-2"]
    assert found(client, text="50%") == ["s-4"]  # a % is a character, not a wildcard
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert found(client, text="hopeless") == ["s-1", "s-3"]  # full-text search: any form of the word
    newest_first = client.get("/queue/search", query_string={"pseudonym": "Storm"}).get_data(as_text=True)
    assert newest_first.index("A good walk") < newest_first.index("Feeling hopeless")


def test_a_search_answers_only_from_my_services_and_refuses_bad_input_clearly(app, client, posts, auth):
    with app.app_context():  # a post of a service Chloe does not moderate
        carers = services("carers")[0].id
        db.session.add(Post(service_id=carers, external_id="c-1", thread_id="t-1", kind="post",
                            author_pseudonym="Storm", body="A carers' walk", created_at=utcnow()))
        db.session.commit()
    assert "A carers" not in client.get("/queue/search?text=walk").get_data(as_text=True)
    elsewhere = client.get(f"/queue/search?text=walk&service={carers}")
    assert elsewhere.status_code == 400 and "Not a valid choice" in elsewhere.get_data(as_text=True)
    backwards = client.get("/queue/search", query_string={"since": "2026-11-20", "until": "2026-11-10"})
    assert backwards.status_code == 400 and "The last day comes before the first." in backwards.get_data(as_text=True)
    hidden_char = client.get("/queue/search", query_string={"pseudonym": "Sto\u200brm"})
    assert hidden_char.status_code == 400 and "invisible characters" in hidden_char.get_data(as_text=True)
    assert 'value="Sto' in hidden_char.get_data(as_text=True)  # what was typed stays in the box


def test_results_come_a_page_at_a_time(client, auth, demo_data):
    for n in range(53):
        post_json(client, item(f"p-{n}", body=f"Numbered post {n:02d}", created_at=(
            utcnow() - timedelta(minutes=60 - n)).isoformat()))
    auth.login_demo(CHLOE)
    first = client.get("/queue/search?text=Numbered").get_data(as_text=True)
    assert "Posts 1 to 50 of more, newest first" in first and "Numbered post 52" in first
    assert "Numbered post 02" not in first
    older = client.get("/queue/search?text=Numbered&page=2").get_data(as_text=True)
    assert "Posts 51 to 53, newest first" in older and "Numbered post 00" in older and "Newer</a>" in older
