"""Bank holidays of the UK's three calendars, from the maintained `holidays` library (no download: its tables ship
with it). Each service says whose it keeps (Service.bank_holidays); the rota grid names them."""

from datetime import date

import holidays

# The `holidays` subdivision of each calendar; England and Wales share one.
REGIONS = {"ENG": "England and Wales", "SCT": "Scotland", "NIR": "Northern Ireland"}
DEFAULT_REGION = "ENG"


def between(region: str, first: date, last: date) -> dict[date, str]:
    """The bank holidays of a calendar from first to last, by day, named ("Christmas Day", "Boxing Day (observed)")."""
    calendar = holidays.country_holidays("GB", subdiv=region, years=range(first.year, last.year + 1))
    return {day: name for day, name in sorted(calendar.items()) if first <= day <= last}
