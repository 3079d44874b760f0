"""Forms of the escalation area. Forms for work on the PID vault carry an MFA code field, filled in only when the
last code is more than a few minutes old, so nothing typed is lost when the code is asked for."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, FieldList, FormField, IntegerField, SelectField, StringField, SubmitField, \
    TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from console.forms import ConsoleForm, step_up_code_field
from escalation_pathways.checklists import EVIDENCE, ROLES
from escalation_pathways.vault.identity import LABELS

LONG = 4000


class OpenCaseForm(ConsoleForm):
    """Open a case by hand for a pseudonym."""

    service_id = SelectField("Service", coerce=int, validate_choice=True)
    pseudonym = StringField("Pseudonym, as the platform shows it", validators=[
        InputRequired("Give the pseudonym."), Length(max=80)])
    reason = TextAreaField("Why", validators=[InputRequired("Say why the case is opened."), Length(max=LONG)])
    submit = SubmitField("Open the case")


class StepForm(ConsoleForm):
    """Record a checklist step as done, with its evidence."""

    evidence = StringField("Evidence", validators=[Optional(), Length(max=LONG)])
    submit = SubmitField("Mark as done")


class SkipForm(ConsoleForm):
    """Skip a step, with the clinician's reason."""

    reason = StringField("Why it is skipped", validators=[InputRequired("Say why the step is skipped."),
                                                          Length(max=LONG)])
    submit = SubmitField("Skip")


class NoteForm(ConsoleForm):
    """A clinical note."""

    body = TextAreaField("Clinical note", validators=[InputRequired("Write the note first."), Length(max=20_000)])
    submit = SubmitField("Add the note")


class CloseForm(ConsoleForm):
    """Close a case with a summary."""

    summary = TextAreaField("Closing summary", validators=[InputRequired("Write a closing summary."),
                                                           Length(max=LONG)])
    submit = SubmitField("Close the case")


class RevealForm(ConsoleForm):
    """Ask to see who a pseudonym is."""

    justification = TextAreaField("Why you need to know who this is (do not type personal details here)",
                                  validators=[InputRequired("Give your reason."), Length(max=LONG)])
    emergency = BooleanField("Emergency: break glass (reveal now; a second clinician reviews it within 24 hours)")
    code = step_up_code_field()
    submit = SubmitField("Reveal")


class ReviewForm(ConsoleForm):
    """A second clinician's review of an emergency reveal."""

    note = TextAreaField("What the review found", validators=[InputRequired("Write what the review found."),
                                                               Length(max=LONG)])
    submit = SubmitField("Record the review")


def _identity_field(name: str) -> StringField:
    return StringField(LABELS[name], validators=[Optional(), Length(max=200)])


class IdentityForm(ConsoleForm):
    """The identity behind a pseudonym; each field is checked by the vault's validation."""

    name = _identity_field("name")
    date_of_birth = StringField(LABELS["date_of_birth"] + " (day/month/year)", validators=[Optional(), Length(max=20)])
    nhs_number = _identity_field("nhs_number")
    phone = _identity_field("phone")
    email = _identity_field("email")
    address = _identity_field("address")
    postcode = _identity_field("postcode")
    gp_practice = _identity_field("gp_practice")
    emergency_contact = _identity_field("emergency_contact")
    emergency_phone = _identity_field("emergency_phone")
    code = step_up_code_field()
    submit = SubmitField("Save the identity")


class PlanStepForm(FlaskForm):
    """One row of the plan editor (an empty title drops the row)."""

    class Meta:
        csrf = False  # the enclosing form carries the token

    key = StringField("Key", validators=[Optional(), Length(max=40)])
    title = StringField("Step", validators=[Optional(), Length(max=200)])
    role = SelectField("Who", choices=[SelectChoice(k, v) for k, v in ROLES.items()], validate_choice=True)
    required = BooleanField("Required")
    evidence = SelectField("Evidence", choices=[SelectChoice(k, v) for k, v in EVIDENCE.items()],
                           validate_choice=True)
    choices = StringField("Options (for a choice: separated by ;)", validators=[Optional(), Length(max=500)])
    due_minutes = IntegerField("Overdue after (minutes)", validators=[
        Optional(), NumberRange(1, 7 * 24 * 60, "Between 1 minute and 10,080 (a week).")])


class PlanForm(ConsoleForm):
    """A service's escalation plan: its steps in order, and whether a reveal needs a second clinician (and, where
    an owner says it need not, why)."""

    steps = FieldList(FormField(PlanStepForm), min_entries=1)
    two_person_reveal = BooleanField("A reveal waits for a second clinician's approval (break glass excepted)")
    direct_reveal_reason = TextAreaField("Why this service may reveal without a second clinician's approval",
                                         validators=[Optional(), Length(max=LONG)])
    submit = SubmitField("Save as a new version")


class SubjectForm(ConsoleForm):
    """A subject's request: which pseudonym, and the request's reference."""

    service_id = SelectField("Service", coerce=int, validate_choice=True)
    pseudonym = StringField("Pseudonym", validators=[InputRequired("Give the pseudonym."), Length(max=80)])
    reason = StringField("Request reference or reason", validators=[InputRequired("Give the reference."),
                                                                    Length(max=500)])
    code = step_up_code_field()
    confirm_erase = BooleanField("To erase: I confirm the identity is to be erased for good (it cannot be undone)")
    export = SubmitField("Export everything held")
    erase = SubmitField("Erase the identity")
