"""Forms for managing services and staff."""

from wtforms import DateField, EmailField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from console.forms import CheckboxListField, ConsoleForm, step_up_code_field
from console.permissions import Role
from console.services.bank_holidays import REGIONS
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
    bank_holidays = SelectField("Bank holidays of", default="ENG", validate_choice=True,
                                choices=[SelectChoice(code, name) for code, name in REGIONS.items()])
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


class AuditFilterForm(ConsoleForm):
    """Which audit entries to show: read from the address, so a filtered page can be bookmarked and shared."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    person = SelectField("Person", coerce=int, default=0, validate_choice=True)
    service = SelectField("Service", coerce=int, default=0, validate_choice=True)
    kind = SelectField("What happened", default="", validate_choice=True)
    first = DateField("From", validators=[Optional()])
    last = DateField("To", validators=[Optional()])

    def validate_last(self, field) -> None:
        if field.data and self.first.data and field.data < self.first.data:
            raise ValidationError("The last day comes before the first.")
