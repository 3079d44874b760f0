"""Searching my services' posts, open and closed: words, pseudonym, thread, state, risk and dates; paged."""

from datetime import timedelta

import flask_migrate
import pytest
import sqlalchemy as sa

from console import create_app
from console.database import local_today, utcnow
from console.permissions import Role
from console.extensions import db
from console.platform import ingest
from console.queue import search
from console.queue.models import Post
from tests.conftest import base_config
from tests.factories import item, post_json, services

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

CHLOE = Role.NON_CLINICAL_MODERATOR


@pytest.fixture
def posts(client, auth, demo_data):
    """A few posts of the demo low-risk service, one of them hidden; Chloe signed in."""
    now = utcnow()
    written = [("s-1", "Feeling hopeless and tired today", "t-1", "Storm", now - timedelta(days=3)),
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


def found(client, posts, **query) -> list[str]:
    """The posts (by external id) the search lists, each by its link (a thread is named by its first post's words)."""
    page = client.get("/queue/search", query_string=query)
    assert page.status_code == 200, page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    return [key for key, post_id in sorted(posts.items()) if f'href="/queue/items/{post_id}"' in text]


def test_words_pseudonym_thread_state_and_dates_each_narrow_the_search(app, client, posts):
    assert found(client, posts, text="walk") == ["s-2"]
    assert found(client, posts, text="tired -river") == ["s-1"]
    assert found(client, posts, pseudonym="Storm") == ["s-1", "s-2"]
    assert found(client, posts, thread="t-2") == ["s-2", "s-3"]
    assert found(client, posts, states="hidden") == ["s-4"]
    assert found(client, posts, states=["open"], levels=["risk"]) == ["s-1"]  # "hopeless" is on the risk list
    assert found(client, posts, states=["open"], levels=["normal"]) == ["s-2", "s-3"]
    today = local_today()
    assert found(client, posts, since=(today - timedelta(days=2)).isoformat(), until=today.isoformat(),
                 pseudonym="Storm") == ["s-2"]
    assert found(client, posts, text="50%") == ["s-4"]  # a % is a character, not a wildcard
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        assert found(client, posts, text="hopeless") == ["s-1", "s-3"]  # full-text search: any form of the word
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


# Issue 31, item 3: both databases find the same posts for the same words, in their ordinary forms.
FORMS = [("f-1", "I keep cutting myself when it gets bad"), ("f-2", "Feeling hopeless and tired today"),
         ("f-3", "Hopelessness again, no sleep"), ("f-4", "We walked by the river after the group"),
         ("f-5", "Worried about relapsing this week"), ("f-6", "My sister cuts her hair short"),
         ("f-7", "Binged and purged again"), ("f-8", "The loneliness is the hardest part")]
WORDS_AND_FORMS = [
    ("cuts", ["f-1", "f-6"]), ("cutting", ["f-1", "f-6"]), ("CUT", ["f-1", "f-6"]),
    ("hopeless", ["f-2", "f-3"]), ("hopelessness", ["f-2", "f-3"]), ("walking", ["f-4"]), ("walks river", ["f-4"]),
    ("worries relapse", ["f-5"]), ("bingeing purging", ["f-7"]), ("loneliness", ["f-8"]),
    ("the walk", ["f-4"]),  # "the" is a word both leave out
    ("cuts -hair", ["f-1"]), ('"by the river"', ["f-4"]), ('"walked by the river"', ["f-4"]),
    ('"river walked"', []), ('"river by"', ["f-4"]),  # "by" is left out: "river" alone
    ("hopeless or relapsed", ["f-2", "f-3", "f-5"]), ("the", []), ("%", []), ("purged -\"binged and\"", []),
]


@pytest.fixture
def forms(client, auth, demo_data):
    """The posts of the table above, in the demo low-risk service; Chloe signed in."""
    for key, body in FORMS:
        post_json(client, item(key, body=body, thread_id=f"t-{key}", created_at=utcnow().isoformat()))
    auth.login_demo(CHLOE)


def test_words_find_their_forms_alike_on_both_databases(client, forms):
    # One database's posts for the whole table (a database each is the costly part), every search's result compared.
    found = {words: [key for key, body in FORMS
                     if body in client.get("/queue/search", query_string={"text": words}).get_data(as_text=True)]
             for words, _ in WORDS_AND_FORMS}
    assert found == dict(WORDS_AND_FORMS)


def test_an_edited_post_is_found_by_its_new_words_and_no_longer_by_the_old(app, client, forms):
    with app.test_request_context():
        ingest.ingest_edit(services("demo-low")[0], item("f-6", body="My sister came to visit", thread_id="t-f-6",
                                                         created_at=utcnow().isoformat()))
    assert "My sister came to visit" in client.get("/queue/search?text=visiting").get_data(as_text=True)
    assert "My sister" not in client.get("/queue/search?text=hair").get_data(as_text=True)


def test_a_pseudonym_is_found_in_any_case_by_its_start_and_by_its_look_alikes(client, auth, demo_data):
    for key, author in [("b-1", "Bluebird"), ("b-2", "B1uebird"), ("b-3", "Blue_Sky"), ("b-4", "Robin")]:
        post_json(client, item(key, body=f"Post {key} here", author_pseudonym=author, thread_id=f"t-{key}"))
    auth.login_demo(CHLOE)

    def by(pseudonym):
        text = client.get("/queue/search", query_string={"pseudonym": pseudonym}).get_data(as_text=True)
        return [key for key in ("b-1", "b-2", "b-3", "b-4") if f"Post {key} here" in text]

    assert by("bluebird") == by("BLUEBIRD") == by("Bluebird") == ["b-1", "b-2"]  # "B1uebird" looks like it
    assert by("Blue") == ["b-1", "b-2", "b-3"]
    assert by("blue_") == ["b-3"]  # "_" is a character, not a wildcard
    assert by("Bluebirds") == [] and by("obin") == []


def test_the_sqlite_index_is_made_from_the_posts_already_stored_and_goes_away_on_downgrade(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'older.db'}"))
    with app.app_context():
        flask_migrate.upgrade(revision="0025")  # the revision before the index
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO services (id, name, slug, risk_tier, area, mailbox, active, created_at) VALUES "
                "(1, 'Low', 'low', 'low', 'A', 'a@x.org', 1, '2026-11-01')"))
            connection.execute(sa.text(
                "INSERT INTO posts (service_id, external_id, thread_id, kind, author_pseudonym, author_key, body, "
                "created_at, received_at, priority, matched, state) VALUES "
                "(1, 'a', 't', 'post', 'Willow', 'willow', 'I keep cutting myself', '2026-11-01', '2026-11-01', 2, "
                "'[]', 'open'), "
                "(1, 'b', 't', 'post', 'Rowan', 'rowan', 'A walk by the river', '2026-11-01', '2026-11-01', 2, '[]', "
                "'open')"))

        def matching(words):
            with db.engine.connect() as connection:
                return connection.execute(sa.select(Post.external_id).where(search._text_condition(words))
                                          .order_by(Post.external_id)).scalars().all()

        flask_migrate.upgrade()
        assert matching("cuts") == ["a"] and matching("walking -cut") == ["b"]
        flask_migrate.downgrade(revision="0025")
        with db.engine.connect() as connection:
            assert "posts_fts" not in sa.inspect(connection).get_table_names()
            assert connection.execute(sa.text("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND "
                                              "name LIKE 'posts_fts%'")).scalar() == 0
        flask_migrate.upgrade()
        assert matching("cutting") == ["a"]
        db.engine.dispose()
