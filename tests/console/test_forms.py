"""The base form every console form derives from (console.forms.ConsoleForm): what it refuses in any text field,
with the message beside the field."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, Form, FormField, StringField, TextAreaField

from console.forms import BROKEN_CHARACTER_MESSAGE, ConsoleForm

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases


class Step(Form):
    title = StringField("Step")


class Plan(ConsoleForm):
    class Meta:
        csrf = False

    name = StringField("Name")
    notes = TextAreaField("Notes")
    steps = FieldList(FormField(Step), min_entries=1)


def test_half_a_utf16_pair_gets_a_message_beside_its_field_however_deep_it_is(app):
    with app.test_request_context(method="POST"):
        form = Plan(formdata=MultiDict({"name": "Evening plan", "notes": "Call \ud83d first",
                                        "steps-0-title": "\udfff"}))
        assert not form.validate()
        assert form.name.errors == []
        assert form.notes.errors == [BROKEN_CHARACTER_MESSAGE.format("U+D83D")]
        assert form.steps[0].title.errors == [BROKEN_CHARACTER_MESSAGE.format("U+DFFF")]
        assert BROKEN_CHARACTER_MESSAGE.format("U+D83D") == \
            "Type this again: it holds a broken character, half of an emoji or symbol (U+D83D), that cannot be stored."


def test_a_browsers_percent_encoded_half_pair_arrives_as_the_text_it_was_sent_as(app):
    """Werkzeug leaves %ED%A0%80 (not UTF-8 on its own) as those nine characters, so over HTTP a half-pair reaches
    no form; the check above stands for any other way one arrives."""
    with app.test_request_context(method="POST", data=b"name=%ED%A0%80&notes=ok",
                                  content_type="application/x-www-form-urlencoded"):
        form = Plan()
        assert form.name.data == "%ED%A0%80" and form.validate()
