"""Forms for availability, unavailability, leave and contracts."""

from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from console.forms import CheckboxListField, ConsoleForm, NumberField
from console.rotas.forms import TimeRangeForm
from console.staffing.service import WEEKDAYS


class AvailabilityForm(TimeRangeForm):
    """A weekly time someone can work."""

    weekday = SelectField("Day of the week", coerce=int, validate_choice=True,
                          choices=[SelectChoice(i, name) for i, name in enumerate(WEEKDAYS)])
    submit = SubmitField("Add")


class PreferenceForm(TimeRangeForm):
    """A time someone would like to work, or would rather not (the service choices are set by the page)."""

    kind = RadioField("At the days and times below, I", default="avoid",
                      choices=[SelectChoice("prefer", "would like to work"),
                               SelectChoice("avoid", "would rather not work")],
                      validators=[InputRequired("Choose whether you would like to work then or would rather not.")])
    weekdays = CheckboxListField("On", coerce=int, choices=[SelectChoice(i, name) for i, name in enumerate(WEEKDAYS)],
                                 validators=[InputRequired("Choose at least one day of the week.")])
    strength = RadioField("How much it matters", default="1", choices=[SelectChoice("1", "A little"),
                                                                      SelectChoice("3", "Strongly")],
                          validators=[InputRequired("Choose how much it matters.")])
    service = SelectField("For", default="", validate_choice=True)
    submit = SubmitField("Add")

    @property
    def service_id(self) -> int | None:
        return int(self.service.data) if self.service.data else None


class MostDaysForm(ConsoleForm):
    """The most days a week someone asks to be on the rota."""

    most_days_week = IntegerField("At most this many days a week", validators=[
        Optional(), NumberRange(min=1, max=7, message="Give a number of days from 1 to 7, or leave it empty.")])
    submit = SubmitField("Save")


class UnavailabilityForm(TimeRangeForm):
    """A one-off time someone cannot work (00:00 to 24:00 for the whole day)."""

    day = DateField("Day", validators=[InputRequired("Enter the day.")])
    submit = SubmitField("Add")


class LeaveForm(ConsoleForm):
    """Ask for leave over whole days."""

    first_day = DateField("First day of leave", validators=[InputRequired("Enter the first day of leave.")])
    last_day = DateField("Last day of leave", validators=[InputRequired("Enter the last day of leave.")])
    note = StringField("Note for your manager (optional)", validators=[
        Optional(), Length(max=200, message="Keep the note to 200 characters.")])
    submit = SubmitField("Ask for leave")


class DecisionForm(ConsoleForm):
    """A manager's answer to a leave request."""

    decision = RadioField("Decision", choices=[SelectChoice("approve", "Approve"), SelectChoice("reject", "Reject")],
                          validators=[InputRequired("Choose approve or reject.")])
    note = StringField("Note to the person (needed to reject)", validators=[
        Optional(), Length(max=200, message="Keep the note to 200 characters.")])
    submit = SubmitField("Save decision")


class ContractForm(ConsoleForm):
    """A person's working limits."""

    min_hours_week = NumberField("Minimum hours a week", places=1, validators=[
        InputRequired("Enter the minimum hours a week (0 for none)."), NumberRange(0, 60, "Enter 0 to 60 hours.")])
    max_hours_week = NumberField("Maximum hours a week", places=1, validators=[
        InputRequired("Enter the maximum hours a week."), NumberRange(0, 60, "Enter 0 to 60 hours.")])
    max_days_week = IntegerField("Most working days a week", validators=[
        InputRequired("Enter the most working days a week."), NumberRange(0, 7, "Enter 0 to 7 days.")])
    max_consecutive_days = IntegerField("Most working days in a row", validators=[
        InputRequired("Enter the most working days in a row."), NumberRange(1, 14, "Enter 1 to 14 days.")])
    min_rest_hours = NumberField("Least rest between shifts (hours)", places=1, validators=[
        InputRequired("Enter the least rest between shifts."), NumberRange(0, 24, "Enter 0 to 24 hours.")])
    max_weekends = IntegerField("Most weekends worked in one rota", validators=[
        InputRequired("Enter the most weekends worked in one rota."), NumberRange(0, 12, "Enter 0 to 12 weekends.")])
    submit = SubmitField("Save contract")

    def terms(self) -> dict:
        """The contract as the service takes it (hours as floats)."""
        return {name: float(self[name].data) if isinstance(self[name], NumberField) else self[name].data
                for name in ("min_hours_week", "max_hours_week", "max_days_week", "max_consecutive_days",
                             "min_rest_hours", "max_weekends")}
