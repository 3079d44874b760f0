"""Forms for managing services and staff."""

from wtforms import EmailField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Regexp

from console.forms import CheckboxListField, ConsoleForm, step_up_code_field
from console.permissions import Role
from console.services.models import RiskTier
from console.services.service import SLUG_PATTERN


class ServiceForm(ConsoleForm):
    """A moderated service."""

    name = StringField("Name", validators=[DataRequired("Enter the service's name."), Length(max=120)])
    slug = StringField("Short name (used in addresses)", validators=[
        DataRequired("Enter a short name, e.g. eating-disorders."), Length(max=60),
        Regexp(SLUG_PATTERN, message="Use lower-case letters, digits and single hyphens only, e.g. eating-disorders."),
    ])
    risk_tier = SelectField("Risk tier", choices=[SelectChoice(tier.value, tier.label) for tier in RiskTier],
                            validate_choice=True)
    area = StringField("Area", validators=[DataRequired("Enter the area, e.g. Berkshire West."), Length(max=120)])
    mailbox = EmailField("Monitored mailbox", validators=[
        DataRequired("Enter the service's monitored mailbox."), Length(max=254),
        Email("Enter an email address like team@nhs.net."),
    ])
    submit = SubmitField("Save service")


class StaffForm(ConsoleForm):
    """A staff member, their roles and the services they are trained for."""

    name = StringField("Full name", validators=[DataRequired("Enter the person's name."), Length(max=120)])
    email = EmailField("Email address", validators=[
        DataRequired("Enter the person's work email address."), Length(max=254),
        Email("Enter an email address like name@nhs.net."),
    ])
    roles = CheckboxListField("Roles", choices=[SelectChoice(role.value, role.label) for role in Role],
                              validators=[DataRequired("Choose at least one role.")])
    services = CheckboxListField("Services they are trained for", coerce=int)
    code = step_up_code_field()  # giving roles or changing an email address needs a fresh MFA code
    submit = SubmitField("Save")
