"""Identifiers (pseudonyms, thread and post ids): one form, no invisible characters; bodies show theirs."""

import pytest
import sqlalchemy as sa

from console import identifiers
from console.extensions import db
from console.permissions import Role
from tests.factories import item, post_json


@pytest.mark.parametrize("disguised", ["Wil\u200blow", "Willow\u202e", "Will\x07ow", "\x1b[31mWillow", "Wil\ufeffow"])
def test_an_invisible_character_in_an_identifier_is_refused_and_named(disguised):
    with pytest.raises(identifiers.IdentifierError, match="invisible characters .*U\\+"):
        identifiers.normalised(disguised)


# The second review's disguises: variation selectors, the combining grapheme joiner, a Khmer inherent vowel,
# Hangul fillers (all default-ignorable) and the blank Braille pattern, which draws nothing.
DEFAULT_IGNORABLE_AND_FILLERS = ["\ufe0f", "\U000e0100", "\u034f", "\u17b5", "\u3164", "\u115f", "\u2800"]


@pytest.mark.parametrize("hidden", DEFAULT_IGNORABLE_AND_FILLERS)
def test_default_ignorable_and_filler_characters_are_refused_and_named(client, demo_data, hidden):
    code = f"U+{ord(hidden):04X}"
    with pytest.raises(identifiers.IdentifierError, match=code.replace("+", "\\+")):
        identifiers.normalised(f"Wil{hidden}low")
    refused = post_json(client, item(author_pseudonym=f"Willow{hidden}"))
    assert refused.status_code == 400 and refused.get_json()["field"] == "author_pseudonym"
    assert code in refused.get_json()["error"]


def test_names_that_look_alike_share_a_key_and_a_disguise_names_its_alphabets():
    key = identifiers.look_alike_key("Willow")
    assert [identifiers.look_alike_key(name) == key for name in ("willow", "W\u0456llow", "Wi11ow", "Wil1ow")] == \
        [True] * 4
    assert identifiers.look_alike_key("Willa") != key and identifiers.look_alike_key("Bluebird") != key
    assert identifiers.mixed_scripts("W\u0456llow") == ["Latin", "Cyrillic"]
    one_alphabet = ("Willow", "\u0410\u043d\u043d\u0430", "Zo\u00eb", "Sam 2")
    assert [identifiers.mixed_scripts(name) for name in one_alphabet] == \
        [[]] * 4


def test_the_queue_marks_a_look_alike_pseudonym_and_search_finds_it(app, client, auth, demo_data):
    cyrillic = "W\u0456llow"  # with a Cyrillic і
    for external_id, pseudonym, body in [("w-1", "Willow", "First from the real one"),
                                         ("w-2", cyrillic, "Second from someone else"),
                                         ("w-3", "Rowan", "Nothing like anyone")]:
        assert post_json(client, item(external_id, author_pseudonym=pseudonym, body=body)).status_code == 201
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    queue = client.get("/queue/?service=demo-low").get_data(as_text=True)
    row = queue[queue.index('W<mark class="foreign-letter">'):queue.index("Second from someone else")]
    assert "Look-alike name" in row and "Looks like Willow, another poster in this service." in row
    assert "mixes Latin and Cyrillic letters" in row
    rowan = queue[queue.index("Rowan"):queue.index("Nothing like anyone")]
    assert "Look-alike name" not in rowan
    with app.app_context():
        from console.queue.models import Post
        ids = {post.external_id: post.id for post in db.session.scalars(sa.select(Post))}
    page = client.get(f"/queue/items/{ids['w-1']}").get_data(as_text=True)
    # The Cyrillic letter is marked and named, so the two names can be told apart on screen and by a screen reader.
    shown = 'W<mark class="foreign-letter">\u0456<span class="visually-hidden"> (Cyrillic letter)</span></mark>llow'
    assert f"Check the name:</strong> Looks like {shown}, another poster in this service." in page
    disguised = client.get(f"/queue/items/{ids['w-2']}").get_data(as_text=True)
    assert (f"Looks like Willow, another poster in this service. {shown} mixes Latin and Cyrillic letters, as a "
            "disguised name can: the marked letters are Cyrillic.") in disguised
    assert f"By <strong>{shown}</strong>" in disguised
    search = client.get("/queue/search", query_string={"pseudonym": "willow"}).get_data(as_text=True)
    assert "First from the real one" in search and "Second from someone else" in search
    assert "Nothing like anyone" not in search and f"by {shown}</a>" in search


def test_look_alike_forms_become_one():
    assert identifiers.normalised("  Ｗｉｌｌｏｗ\u00a0 B ") == "Willow B"  # full-width letters, no-break space


def test_bodies_show_invisible_characters_and_stay_escaped():
    shown = str(identifiers.show_invisible("ok\u202e<b>x</b>\nnext"))
    assert "[U+202E]" in shown and "\u202e" not in shown
    assert "&lt;b&gt;x&lt;/b&gt;" in shown and "\nnext" in shown


def test_ingest_refuses_a_look_alike_pseudonym_and_the_queue_shows_hidden_characters(app, client, auth, demo_data):
    refused = post_json(client, item(author_pseudonym="Wil\u200blow"))
    assert refused.status_code == 400 and refused.get_json()["field"] == "author_pseudonym"
    assert "U+200B" in refused.get_json()["error"]
    stored = post_json(client, item("b-1", author_pseudonym="Ｗｉｌｌｏｗ", body="read this \u202eesrever"))
    assert stored.status_code == 201
    auth.login_demo(Role.NON_CLINICAL_MODERATOR)
    page = client.get(f"/queue/items/{stored.get_json()['id']}").get_data(as_text=True)
    assert "<strong>Willow</strong>" in page and "[U+202E]" in page and "\u202e" not in page
