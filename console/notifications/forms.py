"""The notifications form."""

from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional, Regexp

from console.forms import ConsoleForm
from console.words import clock

QUIET_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
ALARMS = [SelectChoice("", "No reminder in my calendar"), SelectChoice("15", "15 minutes before"),
          SelectChoice("30", "30 minutes before"), SelectChoice("60", "1 hour before"),
          SelectChoice("120", "2 hours before"), SelectChoice("1440", "1 day before")]


def _minutes(text: str | None) -> int | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _time(minutes: int | None) -> str:
    return "" if minutes is None else clock(minutes)


class NotificationsForm(ConsoleForm):
    """A person's choices of what they are sent."""

    remind_day_before = BooleanField("Email me the day before each of my shifts (24 hours ahead)")
    remind_hour_before = BooleanField("Email me an hour before each of my shifts")
    calendar_alarm_minutes = SelectField("Reminder on each shift in my calendar subscription", choices=ALARMS,
                                         validate_choice=True)
    open_shift_offers = BooleanField("Email me open shifts I could take")
    offers_per_week = IntegerField("At most this many open-shift offers a week (leave empty for no limit)",
                                   validators=[Optional(), NumberRange(0, 100, "Enter 0 to 100 offers, or leave "
                                                                               "it empty for no limit.")])
    manager_digest = BooleanField("Email me each morning what the rotas of the services I manage leave uncovered")
    monthly_report = BooleanField("Email me each service's monthly report on the first of the month")
    quiet_from = StringField("Quiet hours from (e.g. 22:00)", validators=[
        Optional(), Regexp(QUIET_TIME, message="Enter a time like 22:00.")])
    quiet_until = StringField("Quiet hours until (e.g. 07:00)", validators=[
        Optional(), Regexp(QUIET_TIME, message="Enter a time like 07:00.")])
    submit = SubmitField("Save")

    def fill(self, settings) -> "NotificationsForm":
        """Show a person's saved choices."""
        for name in ("remind_day_before", "remind_hour_before", "open_shift_offers", "offers_per_week",
                     "manager_digest", "monthly_report"):
            self[name].data = getattr(settings, name)
        self.calendar_alarm_minutes.data = str(settings.calendar_alarm_minutes or "")
        self.quiet_from.data, self.quiet_until.data = _time(settings.quiet_from), _time(settings.quiet_until)
        return self

    def values(self) -> dict:
        """The choices as saved."""
        return {"remind_day_before": self.remind_day_before.data, "remind_hour_before": self.remind_hour_before.data,
                "calendar_alarm_minutes": int(self.calendar_alarm_minutes.data) if self.calendar_alarm_minutes.data
                else None, "open_shift_offers": self.open_shift_offers.data,
                "offers_per_week": self.offers_per_week.data, "manager_digest": self.manager_digest.data,
                "monthly_report": self.monthly_report.data, "quiet_from": _minutes(self.quiet_from.data),
                "quiet_until": _minutes(self.quiet_until.data)}
