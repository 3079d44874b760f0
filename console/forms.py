"""Form pieces shared by every area."""

import unicodedata
from datetime import date
from decimal import Decimal
from collections.abc import Callable
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import DateField, DecimalField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from console.errors import UserError

CONTROL_CHARACTER_MESSAGE = "Remove the invisible control characters from this field (they cannot be stored)."
# Whole numbers the database stores (32-bit); anything larger in a form is a mistake.
LARGEST_WHOLE_NUMBER = 2**31 - 1
# Dates anyone plans or records here (leave, unavailability, rotas) lie within this many days of today; a date
# in year 1 or 9999 is a typing slip, and would overflow the arithmetic done with it.
DATE_REACH_DAYS = 5 * 366


def has_control_characters(text: str, *, multiline: bool) -> bool:
    """Whether text holds control characters (NUL and the like, which PostgreSQL cannot store)."""
    allowed = {"\t", "\n", "\r"} if multiline else set()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)


class ConsoleForm(FlaskForm):
    """Base form: on top of each field's own checks, refuses control characters in any text."""

    def validate(self, extra_validators=None) -> bool:
        """Run the fields' validators, then the control-character check on every text value."""
        valid = super().validate(extra_validators)
        for field in self:
            values = field.data if isinstance(field.data, list) else [field.data]
            multiline = isinstance(field, TextAreaField)
            if any(isinstance(v, str) and has_control_characters(v, multiline=multiline) for v in values):
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
