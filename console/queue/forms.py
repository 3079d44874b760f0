"""Forms of the queue area."""

from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from console.forms import ConsoleForm


class TermsForm(ConsoleForm):
    """Words or phrases for one of a service's lists, one per line."""

    list_name = RadioField("List", default="risk", choices=[
        SelectChoice("critical", "Critical: raised to the top and the service mailbox alerted"),
        SelectChoice("risk", "Risk: raised in the queue")], validators=[InputRequired("Choose a list.")])
    terms = TextAreaField("Words or phrases, one per line", validators=[
        InputRequired("Enter at least one word or phrase."), Length(max=20_000, message="Add at most 20,000 characters at once.")])
    submit = SubmitField("Add")
