"""Form pieces shared by every area."""

import unicodedata
from collections.abc import Callable
from typing import Any

from flask import flash
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

from console.errors import UserError

CONTROL_CHARACTER_MESSAGE = "Remove the invisible control characters from this field (they cannot be stored)."


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
        return valid


class ActionForm(ConsoleForm):
    """A button-only form: carries the CSRF token for a POST action."""


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
