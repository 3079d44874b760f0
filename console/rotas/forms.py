"""Forms for making, checking and publishing rotas, and for a person's own shifts."""

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Regexp, ValidationError

from console.forms import CheckboxListField, ConsoleForm
from console.rotas.flows import MAX_WEEKS
from rota.standards import MIN_HORIZON_DAYS

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
KINDS = [SelectChoice("presence", "On duty (presence)"), SelectChoice("check", "Moderation check"),
         SelectChoice("on_call", "On call (clinical supervision)")]


def _monday(form, field) -> None:
    if field.data is not None and field.data.weekday() != 0:
        raise ValidationError(f"Choose a Monday: {field.data:%d %b %Y} is a {field.data:%A}.")


class PeriodForm(ConsoleForm):
    """Services and a period of whole weeks from a Monday."""

    services = CheckboxListField("Services", coerce=int, validators=[DataRequired("Choose at least one service.")])
    start = DateField("First day (a Monday)", validators=[InputRequired("Enter the first day, a Monday."), _monday])
    weeks = IntegerField("Weeks", default=MIN_HORIZON_DAYS // 7, validators=[
        InputRequired("Enter how many weeks."),
        NumberRange(MIN_HORIZON_DAYS // 7, MAX_WEEKS, f"A rota is {MIN_HORIZON_DAYS // 7} to {MAX_WEEKS} weeks long.")])


class GenerateForm(PeriodForm):
    """Ask the optimiser for a draft."""

    seconds = IntegerField("Time for the optimiser (seconds)", default=60, validators=[
        InputRequired("Enter how long the optimiser may take."),
        NumberRange(5, 600, "Give the optimiser between 5 and 600 seconds.")])
    submit = SubmitField("Make a draft rota")


class ImportForm(PeriodForm):
    """A modrota-solution/1 file as a draft."""

    file = FileField("Rota file (modrota-solution/1 JSON)", validators=[
        FileRequired("Choose a rota file."), FileAllowed(["json"], "Choose a .json file.")])
    submit = SubmitField("Import as a draft")


def minutes_of(text: str) -> int:
    """"HH:MM" (already checked against TIME_PATTERN) as minutes after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class TimeRangeForm(ConsoleForm):
    """A time of day from start to end ("HH:MM", 24:00 for midnight at the end)."""

    start = StringField("Starts", validators=[DataRequired("Enter a start time like 08:00."),
                                              Regexp(TIME_PATTERN, message="Enter a time like 08:00.")])
    end = StringField("Ends", validators=[DataRequired("Enter an end time like 17:00."),
                                          Regexp(TIME_PATTERN, message="Enter a time like 17:00 (24:00 is midnight).")])

    def validate_end(self, field) -> None:
        """The end comes after the start."""
        if not field.errors and self.start.data and not self.start.errors and minutes_of(field.data) <= minutes_of(self.start.data):
            raise ValidationError("The end must come after the start.")

    @property
    def minutes(self) -> tuple[int, int]:
        """Start and end as minutes after midnight."""
        return minutes_of(self.start.data), minutes_of(self.end.data)


class ShiftForm(TimeRangeForm):
    """Add one shift to a draft by hand."""

    staff = SelectField("Person", coerce=int, validate_choice=True)
    service = SelectField("Service", coerce=int, validate_choice=True)
    kind = SelectField("Kind", choices=KINDS, validate_choice=True)
    day = DateField("Day", validators=[InputRequired("Enter the day.")])
    submit = SubmitField("Add shift")
