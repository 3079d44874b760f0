"""Forms of the queue area."""

from wtforms import DateField, DateTimeLocalField, IntegerField, RadioField, SelectField, \
    SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from console import identifiers
from console.forms import CheckboxListField, ConsoleForm
from console.queue.shifts import GIVE_A_REASON

ACTIONS = [SelectChoice("approved", "Approve"), SelectChoice("hidden", "Hide"),
           SelectChoice("needs_reply", "Needs a reply"), SelectChoice("reply_noted", "Reply given"),
           SelectChoice("parked", "Park"), SelectChoice("escalated", "Escalate"),
           SelectChoice("note", "Add a note only"), SelectChoice("unhidden", "Show it again")]
# The buttons of an item, in the order a moderator meets them: on a critical item the protective actions come
# first and none is the form's default (pressing Enter chooses nothing).
CRITICAL_ORDER = ("hidden", "escalated", "needs_reply", "approved", "parked", "reply_noted", "note")
USUAL_ORDER = ("approved", "hidden", "needs_reply", "escalated", "parked", "reply_noted", "note")


class TermsForm(ConsoleForm):
    """Words or phrases for one of a service's lists, one per line."""

    list_name = RadioField("List", default="risk", choices=[
        SelectChoice("critical", "Critical: raised to the top and the service mailbox alerted"),
        SelectChoice("risk", "Risk: raised in the queue")], validators=[InputRequired("Choose a list.")])
    terms = TextAreaField("Words or phrases, one per line", validators=[
        InputRequired("Enter at least one word or phrase."),
        Length(max=20_000, message="Add at most 20,000 characters at once.")])
    submit = SubmitField("Add")


class ReasonsForm(ConsoleForm):
    """Canned reasons for one kind of decision, one per line."""

    kind = RadioField("For", default="hide", choices=[
        SelectChoice("hide", "Hiding a post"), SelectChoice("reply", "Replies")],
        validators=[InputRequired("Choose what the reasons are for.")])
    reasons = TextAreaField("Reasons, one per line", validators=[
        DataRequired("Enter at least one reason."),
        Length(max=10_000, message="Add at most 10,000 characters at once.")])
    submit = SubmitField("Add")


class SearchForm(ConsoleForm):
    """What to look for among my services' posts: read from the address, so a search can be bookmarked."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    text = StringField("Words in the post", validators=[Optional(), Length(max=200, message="Use at most 200 "
                                                                                               "characters.")])
    pseudonym = StringField("Pseudonym", validators=[Optional(), Length(max=80, message="A pseudonym is at most "
                                                                                         "80 characters.")])
    thread = StringField("Thread", validators=[Optional(), Length(max=120, message="A thread is at most 120 "
                                                                                    "characters.")])
    service = SelectField("Service", coerce=int, default=0, validate_choice=True)
    states = CheckboxListField("State", choices=[
        SelectChoice("open", "Open"), SelectChoice("parked", "Parked"), SelectChoice("hidden", "Hidden"),
        SelectChoice("escalated", "Escalated"), SelectChoice("approved", "Approved"),
        SelectChoice("replied", "Replied to")], validate_choice=True)
    levels = CheckboxListField("Risk", choices=[
        SelectChoice("critical", "Critical"), SelectChoice("risk", "Risk"), SelectChoice("normal", "Neither")],
        validate_choice=True)
    since = DateField("Written from", validators=[Optional()])
    until = DateField("Written up to", validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The last day comes before the first.")

    def _identifier(self, field) -> None:
        if (field.data or "").strip():
            try:
                identifiers.normalised(field.data)
            except identifiers.IdentifierError as problem:
                raise ValidationError(f"This {field.label.text.lower()} {problem}.") from problem

    validate_pseudonym = validate_thread = _identifier


class ItemActionForm(ConsoleForm):
    """What a moderator does with an item."""

    # Sent by the button pressed: there is no default action.
    action = SelectField("Action", choices=ACTIONS, validate_choice=True, validators=[
        InputRequired("Choose what to do with the item: press one of the buttons.")])
    reason = StringField("Reason or note", validators=[Optional(), Length(max=2000, message="Keep it to 2,000 "
                                                                                             "characters.")])
    due_at = DateTimeLocalField("Follow up at (UK time)", validators=[Optional()])
    submit = SubmitField("Save")


class SignOnForm(ConsoleForm):
    """Signing on: for a shift on the rota, the button alone; to cover, the services and why."""

    services = CheckboxListField("Services you are covering", coerce=int, validators=[Optional()])
    reason = StringField("Why you are covering (your team managers see it)", validators=[
        Optional(), Length(max=500, message="Keep it to 500 characters.")])
    submit = SubmitField("Sign on")

    def validate_reason(self, field) -> None:
        """Covering (services ticked) needs a reason: the services stay ticked while it is asked for."""
        if self.services.data and not (field.data or "").strip():
            raise ValidationError(GIVE_A_REASON)


class BulkForm(ConsoleForm):
    """Approve or hide several non-critical items."""

    posts = SelectMultipleField("Items", coerce=int, validate_choice=False)
    action = SelectField("With the ticked items", choices=ACTIONS[:2], validate_choice=True)
    reason = StringField("Reason (needed to hide)", validators=[Optional(), Length(max=2000)])
    confirm = RadioField("Are you sure?", choices=[SelectChoice("yes", "Yes, all the ticked items")],
                         validators=[InputRequired("Confirm that you mean all the ticked items.")])
    submit = SubmitField("Apply")


def _minutes(label: str) -> IntegerField:
    return IntegerField(label, validators=[InputRequired("Enter a number of minutes."),
                                           NumberRange(1, 7 * 24 * 60, "Enter 1 to 10,080 minutes (a week).")])


class QueueSettingsForm(ConsoleForm):
    """A service's response deadlines and unanswered threshold, in minutes."""

    critical_minutes = _minutes("Critical items: answer within (minutes)")
    risk_minutes = _minutes("Risk items: answer within (minutes)")
    normal_minutes = _minutes("Other items: answer within (minutes)")
    unanswered_minutes = _minutes("List a post as unanswered after (minutes)")
    alert_mailbox_minutes = _minutes("An alert still open goes to the service's mailbox after (minutes)")
    alert_managers_minutes = _minutes("An alert still open goes to its team managers after (minutes)")
    submit = SubmitField("Save")

    def minutes(self) -> dict[str, int]:
        """The settings by name."""
        return {name: self[name].data for name in ("critical_minutes", "risk_minutes", "normal_minutes",
                                                   "unanswered_minutes", "alert_mailbox_minutes",
                                                   "alert_managers_minutes")}


class RiskSensitivityForm(ConsoleForm):
    """How readily the risk model raises a service's posts (its choices, with their figures, are set by the page)."""

    sensitivity = RadioField("How readily the risk model raises posts",
                             validators=[InputRequired("Choose how readily the risk model raises posts.")])
    submit = SubmitField("Save")
