"""Forms of the platform area."""

from wtforms import PasswordField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from console.errors import UserError
from console.forms import ConsoleForm, step_up_code_field
from console.platform.addresses import checked_url


class WebhookForm(ConsoleForm):
    """Where a service's platform takes the moderators' decisions."""

    kind = RadioField("Where decisions go", default="webhook", choices=[
        SelectChoice("webhook", "The platform's own webhook: every decision, signed"),
        SelectChoice("discourse", "A Discourse forum: a hidden post is hidden there, through its API")],
        validators=[InputRequired("Choose where decisions go.")])
    url = StringField("Address of the webhook, or of the Discourse forum (https://; leave empty to stop sending)",
                      validators=[Optional(), Length(max=500, message="Keep the address to 500 characters.")])
    api_username = StringField("Discourse user the console acts as (a moderator, or system)", validators=[
        Optional(), Length(max=60, message="A Discourse user name is at most 60 characters.")])
    api_key = PasswordField("Discourse API key for that user (leave empty to keep the saved one)", validators=[
        Optional(), Length(max=200, message="An API key is at most 200 characters.")])
    code = step_up_code_field()  # where decisions go, and with which key, needs a fresh MFA code to change
    submit = SubmitField("Save")

    def validate_url(self, field) -> None:
        """The rules of console.platform.addresses.checked_url, shown beside the field."""
        if (field.data or "").strip():
            try:
                checked_url(field.data)
            except UserError as refusal:
                raise ValidationError(refusal.message) from refusal
