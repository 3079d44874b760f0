"""Forms for making, checking and publishing rotas, and for a person's own shifts."""

from datetime import timedelta

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, IntegerField, \
    SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from console.database import local_today
from console.errors import UserError
from console.forms import CheckboxListField, ConsoleForm, NumberField
from console.rotas.flows import MAX_WEEKS
from console.rotas.standards import DAY_NAMES, ROLE_WORDS
from console.words import clock
from rota import domain
from rota.standards import MIN_HORIZON_DAYS

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
KINDS = [SelectChoice("presence", "On duty (presence)"), SelectChoice("check", "Moderation check"),
         SelectChoice("on_call", "On call (clinical supervision)")]


def _monday(form, field) -> None:
    if field.data is not None and field.data.weekday() != 0:
        raise ValidationError(f"Choose a Monday: {field.data:%d %b %Y} is a {field.data:%A}.")


def _not_past(form, field) -> None:
    """Past weeks are what was worked: a new rota starts this week at the earliest."""
    this_monday = local_today() - timedelta(days=local_today().weekday())
    if field.data is not None and field.data < this_monday:
        raise ValidationError(f"Start this week or later: {field.data:%d %b %Y} is in a past week, and a rota "
                              "published for it would change what the activity record shows as worked.")


class PeriodForm(ConsoleForm):
    """Services and a period of whole weeks from a Monday."""

    services = CheckboxListField("Services", coerce=int, validators=[DataRequired("Choose at least one service.")])
    start = DateField("First day (a Monday)", validators=[InputRequired("Enter the first day, a Monday."), _monday,
                                                          _not_past])
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

    file = FileField("Rota file", validators=[
        FileRequired("Choose a rota file."), FileAllowed(["json"], "Choose a .json file.")])
    submit = SubmitField("Import as a draft")


class OverrideForm(ConsoleForm):
    """Accept one broken contract limit of a draft, with a reason."""

    message = HiddenField(validators=[InputRequired()])
    reason = StringField("Reason (kept on record)", validators=[
        InputRequired("Give the reason."), Length(max=300, message="Keep the reason to 300 characters.")])
    submit = SubmitField("Accept with this reason")


class GoAheadForm(ConsoleForm):
    """Approve or publish; for a rota that leaves part of its standard uncovered, with the reason."""

    reason = StringField("Why it goes ahead with these gaps (kept on record)", validators=[
        Optional(), Length(max=500, message="Keep it to 500 characters.")])


class SwapForm(ConsoleForm):
    """Ask a colleague to take one of my shifts."""

    # Someone not offered is refused by the service, saying why (swaps.ask), rather than "Not a valid choice".
    # Nobody is chosen until the person chooses: a colleague picked for them by the list's order was asked unmeant.
    to_staff = SelectField("Who would you like to take it?", coerce=lambda value: int(value) if value else None,
                           validate_choice=False, validators=[
        InputRequired(message="Choose who you would like to take it.")])
    note = StringField("Note for them (optional)", validators=[
        Optional(), Length(max=200, message="Keep the note to 200 characters.")])
    submit = SubmitField("Ask them")


class TakeShiftForm(ConsoleForm):
    """The open shift a person takes (hidden fields of its button)."""

    service_id = IntegerField(validators=[InputRequired()])
    day = DateField(validators=[InputRequired()])
    gap_start = IntegerField(validators=[InputRequired(), NumberRange(0, 24 * 60)])
    kind = SelectField(choices=[SelectChoice("presence"), SelectChoice("check")], validate_choice=True)


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
        if field.errors or not self.start.data or self.start.errors:
            return
        if minutes_of(field.data) <= minutes_of(self.start.data):
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


WEEKDAY_CHOICES = [SelectChoice(i, name) for i, name in enumerate(DAY_NAMES)]
ROLE_CHOICES = [SelectChoice(role, words.capitalize()) for role, words in ROLE_WORDS.items()]
SEGMENT_ROWS = 20  # at most
TIME_OPTIONAL = Regexp(TIME_PATTERN + "|^$", message="Enter a time like 08:00.")


class SegmentForm(Form):
    """One presence segment: at least `min` people of some roles on duty at a time on some days (a row left
    without days is not used)."""

    days = CheckboxListField("Days", coerce=int, choices=WEEKDAY_CHOICES, validators=[Optional()])
    start = StringField("From", validators=[TIME_OPTIONAL])
    end = StringField("To", validators=[TIME_OPTIONAL])
    roles = CheckboxListField("Who may cover it", choices=ROLE_CHOICES, validators=[Optional()])
    min = IntegerField("At least", default=1, validators=[Optional(), NumberRange(1, 20, "Enter 1 to 20 people.")])


class StandardForm(ConsoleForm):
    """A service's coverage standard: presence segments and/or a checks standard."""

    segments = FieldList(FormField(SegmentForm), max_entries=SEGMENT_ROWS)
    checks_on = BooleanField("Moderation checks")
    per_day = IntegerField("Checks a day", default=4, validators=[Optional(), NumberRange(1, 48, "Enter 1 to 48.")])
    max_gap_hours = NumberField("Longest gap between checks (hours)", places=1, default=4, validators=[
        Optional(), NumberRange(0.5, 24, "Enter 0.5 to 24 hours.")])
    window_start = StringField("Checks from", default="08:00", validators=[TIME_OPTIONAL])
    window_end = StringField("Checks until", default="22:00", validators=[TIME_OPTIONAL])
    minutes = IntegerField("Minutes a check takes", default=30, validators=[
        Optional(), NumberRange(5, 240, "Enter 5 to 240 minutes.")])
    check_roles = CheckboxListField("Who may do checks", choices=ROLE_CHOICES, validators=[Optional()])
    auto_approve_swaps = BooleanField("Apply a swap both people agreed without a manager, when it breaks no rule")
    submit = SubmitField("Save standard")

    def to_standard(self, slug: str, name: str, tier: str) -> domain.Service:
        """The standard the form describes, or UserError naming the row or field left incomplete."""
        presence = []
        for number, row in enumerate(self.segments, 1):
            segment = row.form
            if not segment.days.data:
                continue
            if not (segment.start.data and segment.end.data and segment.roles.data and segment.min.data):
                raise UserError(f"Presence row {number}: enter the times, who may cover it and how many people, "
                                "or untick its days.")
            presence.append(domain.PresenceSegment(
                domain.Window(frozenset(segment.days.data), minutes_of(segment.start.data),
                              minutes_of(segment.end.data)),
                frozenset(segment.roles.data), segment.min.data))
        checks = None
        if self.checks_on.data:
            if None in (self.per_day.data, self.max_gap_hours.data, self.minutes.data) or not (
                    self.window_start.data and self.window_end.data and self.check_roles.data):
                raise UserError("Moderation checks: fill in every checks field, or untick Moderation checks.")
            checks = domain.ChecksStandard(
                per_day=self.per_day.data, max_gap=round(float(self.max_gap_hours.data) * 60),
                window_start=minutes_of(self.window_start.data), window_end=minutes_of(self.window_end.data),
                minutes=self.minutes.data, roles=frozenset(self.check_roles.data))
        return domain.Service(slug, name, tier, presence=tuple(presence), checks=checks)


def standard_form_data(standard: domain.Service, auto_approve_swaps: bool) -> dict:
    """A standard as the form's initial data."""
    segments = [{"days": sorted(s.window.days), "start": clock(s.window.start), "end": clock(s.window.end),
                 "roles": sorted(s.roles), "min": s.min} for s in standard.presence]
    data = {"segments": segments,
            "auto_approve_swaps": auto_approve_swaps, "checks_on": standard.checks is not None}
    if standard.checks is not None:
        checks = standard.checks
        data.update(per_day=checks.per_day, max_gap_hours=checks.max_gap / 60, minutes=checks.minutes,
                    window_start=clock(checks.window_start), window_end=clock(checks.window_end),
                    check_roles=sorted(checks.roles))
    return data
