"""Forms of the queue area."""

from wtforms import DateTimeLocalField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, \
    TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from console.forms import ConsoleForm

ACTIONS = [SelectChoice("approved", "Approve"), SelectChoice("hidden", "Hide (give the reason)"),
           SelectChoice("needs_reply", "Needs a reply"), SelectChoice("reply_noted", "Reply given"),
           SelectChoice("parked", "Park for follow-up (give the time and what for)"),
           SelectChoice("note", "Add a note only")]


class TermsForm(ConsoleForm):
    """Words or phrases for one of a service's lists, one per line."""

    list_name = RadioField("List", default="risk", choices=[
        SelectChoice("critical", "Critical: raised to the top and the service mailbox alerted"),
        SelectChoice("risk", "Risk: raised in the queue")], validators=[InputRequired("Choose a list.")])
    terms = TextAreaField("Words or phrases, one per line", validators=[
        InputRequired("Enter at least one word or phrase."),
        Length(max=20_000, message="Add at most 20,000 characters at once.")])
    submit = SubmitField("Add")


class ItemActionForm(ConsoleForm):
    """What a moderator does with an item."""

    action = SelectField("Action", choices=ACTIONS, validate_choice=True)
    reason = StringField("Reason or note", validators=[Optional(), Length(max=2000, message="Keep it to 2,000 "
                                                                                             "characters.")])
    due_at = DateTimeLocalField("Follow up at (UK time)", validators=[Optional()])
    submit = SubmitField("Save")


class BulkForm(ConsoleForm):
    """Approve or hide several non-critical items."""

    posts = SelectMultipleField("Items", coerce=int, validate_choice=False)
    action = SelectField("With the ticked items", choices=ACTIONS[:2], validate_choice=True)
    reason = StringField("Reason (needed to hide)", validators=[Optional(), Length(max=2000)])
    confirm = RadioField("Are you sure?", choices=[SelectChoice("yes", "Yes, all the ticked items")],
                         validators=[InputRequired("Confirm that you mean all the ticked items.")])
    submit = SubmitField("Apply")
