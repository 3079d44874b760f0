"""Form pieces shared by every area."""

import re
import unicodedata
from datetime import date
from decimal import Decimal
from collections.abc import Callable
from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, FieldList, FormField, IntegerField, SelectMultipleField, StringField, \
    TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from console.errors import UserError
from console.identifiers import lone_surrogates

CONTROL_CHARACTER_MESSAGE = "Remove the invisible control characters from this field (they cannot be stored)."
BROKEN_CHARACTER_MESSAGE = "Type this again: it holds a broken character, half of an emoji or symbol ({}), that " \
                           "cannot be stored."
# Whole numbers the database stores (32-bit); anything larger in a form is a mistake.
LARGEST_WHOLE_NUMBER = 2**31 - 1
# Dates anyone plans or records here (leave, unavailability, rotas) lie within this many days of today; a date
# in year 1 or 9999 is a typing slip, and would overflow the arithmetic done with it.
DATE_REACH_DAYS = 5 * 366


def has_control_characters(text: str, *, multiline: bool) -> bool:
    """Whether text holds control characters (NUL and the like, which PostgreSQL cannot store)."""
    allowed = {"\t", "\n", "\r"} if multiline else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


def _leaf_fields(fields):
    """Every field that holds a value, the rows of a FieldList and the fields of a FormField included."""
    for field in fields:
        if isinstance(field, FieldList):
            yield from _leaf_fields(field.entries)
        elif isinstance(field, FormField):
            yield from _leaf_fields(field.form)
        else:
            yield field


class ConsoleForm(FlaskForm):
    """Base form: on top of each field's own checks, refuses control characters and halves of UTF-16 pairs in any
    text, numbers past 32 bits and dates far from today, in every field however deep in rows it is."""

    def validate(self, extra_validators=None) -> bool:
        """Run the fields' validators, then the checks on every value, each failure beside its field."""
        valid = super().validate(extra_validators)
        for field in _leaf_fields(self):
            values = field.data if isinstance(field.data, list) else [field.data]
            texts = [v for v in values if isinstance(v, str)]
            multiline = isinstance(field, TextAreaField)
            halves = [code for text in texts for code in lone_surrogates(text)]
            if halves:  # werkzeug decodes none from a request, but anything else that fills a form could
                field.errors = [*field.errors, BROKEN_CHARACTER_MESSAGE.format(", ".join(dict.fromkeys(halves)))]
                valid = False
            elif any(has_control_characters(v, multiline=multiline) for v in texts):
                field.errors = [*field.errors, CONTROL_CHARACTER_MESSAGE]
                valid = False
            if isinstance(field, IntegerField) and field.data is not None and abs(field.data) > LARGEST_WHOLE_NUMBER:
                field.errors = [*field.errors, "That number is far too large."]
                valid = False
            if isinstance(field, DateField) and field.data is not None and \
                    abs((field.data - date.today()).days) > DATE_REACH_DAYS:
                field.errors = [*field.errors, "Enter a date within five years of today."]
                valid = False
        return valid


class NumberField(DecimalField):
    """A decimal number typed by a person. NaN, sNaN and Infinity are no number anyone means, and would break every
    comparison made with them, so they are refused like any other text that is not a number."""

    def _value(self) -> str:
        """The number as a person writes it: "37.5", "11", "0" (never "11.0" or "0.0"); what they typed, as typed."""
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        number = Decimal(str(self.data)).normalize()
        return format(number, "f")

    def process_formdata(self, valuelist) -> None:
        """Read the number; ValueError (shown next to the field) for text that is not a finite number."""
        super().process_formdata(valuelist)
        if isinstance(self.data, Decimal) and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a number, like 7.5.")


def step_up_code_field() -> StringField:
    """The MFA code a sensitive form asks for when the last one given is more than a few minutes old
    (console.accounts.step_up); the rest of the form is kept while it is asked for."""
    return StringField("Code from your authenticator app (asked for when the last one is over 5 minutes old)",
                       validators=[Optional(), Length(max=20)], render_kw={"autocomplete": "one-time-code",
                                                                         "inputmode": "numeric"})


class ActionForm(ConsoleForm):
    """A button-only form: carries the CSRF token for a POST action."""


class StepUpForm(ConsoleForm):
    """A button for sensitive work (vault work, recovery codes, switching MFA off), with the MFA code when the
    last one given is more than a few minutes old."""

    code = step_up_code_field()


class CheckboxListField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (usable without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def form_action(form: FlaskForm, action: Callable[[], Any],
                done: str | Callable[[Any], tuple[str, str]] | None = None) -> tuple[bool, Any]:
    """Validate a submitted form (CSRF included) and carry out its action: (True, its result), or (False, None)
    with the reason flashed when it cannot be done. `done` is the success message, or makes (message, category)
    from the result."""
    if not form.validate_on_submit():
        return False, None
    try:
        outcome = action()
    except UserError as failure:
        flash(failure.message, "error")
        return False, None
    if done:
        message, category = done(outcome) if callable(done) else (done, "success")
        flash(message, category)
    return True, outcome


def button_action(action: Callable[[], Any], done: str | None = None) -> Any:
    """Carry out a button's action (after its CSRF check): its result, or None when it cannot be done."""
    return form_action(ActionForm(), action, done)[1]


# A row button of an editor with rows (coverage standard, escalation plan): "add", or "remove-2", "up-2", "down-2".
ROW_ACTION = re.compile(r"(add)|(remove|up|down)-(\d{1,3})")
ROW_WORDS = {"add": "A row was added at the end", "remove": "Row {n} was removed", "up": "Row {n} moved up",
             "down": "Row {n} moved down"}


def rearranged(form: FlaskForm, rows_field: str) -> tuple[FlaskForm, str] | None:
    """When an editor was sent with one of its row buttons (add a row, remove, move up or down) rather than Save:
    the same form with its rows changed, and a sentence saying what changed (nothing is saved). Else None."""
    if request.method != "POST" or "row_action" not in request.form:
        return None
    match = ROW_ACTION.fullmatch(request.form["row_action"])
    rows = [entry.data for entry in getattr(form, rows_field)]
    verb, number = (match[1] or match[2], int(match[3]) if match[3] else 0) if match else ("", 0)
    data = {name: value for name, value in form.data.items() if name not in ("csrf_token", "submit", "code")}
    if verb == "add":
        rows.append({})
    elif not verb or not 1 <= number <= len(rows) or (verb == "up" and number == 1) or \
            (verb == "down" and number == len(rows)):
        return type(form)(formdata=None, data=data), "Nothing was changed: that row is not there, or cannot move " \
                                                      "that way. Nothing is saved until you press Save."
    elif verb == "remove":
        rows.pop(number - 1)
    else:
        other = number - 2 if verb == "up" else number
        rows[number - 1], rows[other] = rows[other], rows[number - 1]
    return type(form)(formdata=None, data={**data, rows_field: rows}), \
        ROW_WORDS[verb].format(n=number) + "; nothing is saved until you press Save."
