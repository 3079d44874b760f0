"""Identifiers (pseudonyms, thread and post ids): one form, no invisible characters; bodies show theirs."""

import pytest

from console import identifiers
from console.permissions import Role
from tests.factories import item, post_json


@pytest.mark.parametrize("disguised", ["Wil\u200blow", "Willow\u202e", "Will\x07ow", "\x1b[31mWillow", "Wil\ufeffow"])
def test_an_invisible_character_in_an_identifier_is_refused_and_named(disguised):
    with pytest.raises(identifiers.IdentifierError, match="invisible characters .*U\\+"):
        identifiers.normalised(disguised)


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
