"""The personal identifiable data the vault holds about one pseudonym, and its validation.

Every field is optional (the platform asks only for what a service needs), but whatever is given must be
well formed. Bad input raises InvalidIdentity with one message per field, in words a clinician reads.
"""

import re
from dataclasses import asdict, dataclass, fields
from datetime import date

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from escalation_pathways.vault.nhs_number import InvalidNhsNumber
from escalation_pathways.vault.nhs_number import normalise as normalise_nhs_number

# The Royal Mail pattern: outward code (area, district), space optional, inward code (sector, unit).
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
OLDEST_AGE_YEARS = 125
NOT_A_PHONE_NUMBER = ("not a phone number that can be rung: give a UK number like 0118 496 0123, or + and the "
                      "country code for a number abroad.")
LONGEST_TEXT = 200

LABELS = {
    "name": "Name",
    "date_of_birth": "Date of birth",
    "nhs_number": "NHS number",
    "phone": "Phone",
    "email": "Email",
    "address": "Address",
    "postcode": "Postcode",
    "gp_practice": "GP practice",
    "emergency_contact": "Emergency contact",
    "emergency_phone": "Emergency contact's phone",
}


class InvalidIdentity(ValueError):
    """Some fields are not well formed; `errors` maps each field to why."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{LABELS[name]}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Identity:
    """Who a pseudonym is. Empty strings for what is not known."""

    name: str = ""
    date_of_birth: str = ""  # ISO date
    nhs_number: str = ""  # ten digits
    phone: str = ""  # E.164
    email: str = ""
    address: str = ""
    postcode: str = ""
    gp_practice: str = ""
    emergency_contact: str = ""
    emergency_phone: str = ""  # E.164

    def as_dict(self) -> dict[str, str]:
        """The fields by name (for sealing and for a subject access export)."""
        return asdict(self)

    def shown(self, *, today: date) -> list[tuple[str, str]]:
        """(label, value) of the fields that are known, in order, for the reveal page, as UK clinical records write
        them: NHS number "943 476 5919", date of birth "2 March 1994 (age 32)" (`today` where the reader is),
        phone numbers as dialled in the UK ("0118 496 0123"; others with their country code)."""
        typed = self.as_typed()
        if self.date_of_birth:
            born = date.fromisoformat(self.date_of_birth)
            typed["date_of_birth"] = f"{born.day} {born:%B %Y} (age {_age(born, today)})"
        return [(LABELS[name], value) for name, value in typed.items() if value]

    def as_typed(self) -> dict[str, str]:
        """The fields as a person types them to correct them (what validated() takes back): the NHS number in its
        three groups, the date of birth as day/month/year, phone numbers as dialled in the UK."""
        values = self.as_dict()
        if self.nhs_number:
            values["nhs_number"] = f"{self.nhs_number[:3]} {self.nhs_number[3:6]} {self.nhs_number[6:]}"
        if self.date_of_birth:
            values["date_of_birth"] = f"{date.fromisoformat(self.date_of_birth):%d/%m/%Y}"
        for name in ("phone", "emergency_phone"):
            if values[name]:
                values[name] = _dialled(values[name])
        return values


FIELD_NAMES = tuple(field.name for field in fields(Identity))


def validated(raw: dict[str, str | None], *, today: date) -> Identity:
    """An Identity from form or import input (surrounding spaces ignored), or InvalidIdentity naming each bad
    field. Unknown field names are a programming error."""
    unknown = set(raw) - set(FIELD_NAMES)
    if unknown:
        raise KeyError(f"not identity fields: {', '.join(sorted(unknown))}")
    values = {name: (raw.get(name) or "").strip() for name in FIELD_NAMES}
    errors: dict[str, str] = {}
    checks = {"date_of_birth": lambda text: _date_of_birth(text, today), "nhs_number": _nhs_number,
              "phone": _phone, "emergency_phone": _phone, "email": _email, "postcode": _postcode}
    for name, text in values.items():
        if not text:
            continue
        if len(text) > LONGEST_TEXT:
            errors[name] = f"at most {LONGEST_TEXT} characters."
            continue
        check = checks.get(name)
        if check is None:
            continue
        try:
            values[name] = check(text)
        except ValueError as error:
            errors[name] = str(error)
    if errors:
        raise InvalidIdentity(errors)
    return Identity(**values)


def _age(born: date, today: date) -> int:
    """Whole years from born to today (a birthday on 29 February falls on 1 March in other years)."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _dialled(e164: str) -> str:
    """A stored (E.164) phone number as it is dialled from the UK: "0118 496 0123", "+33 1 23 45 67 89"."""
    number = phonenumbers.parse(e164, "GB")
    # +44 numbers (the Channel Islands' and the Isle of Man's too) are dialled from the UK as national numbers.
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 44
                                      else phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# A date of birth as it is typed: day/month/year as UK forms ask ("02/03/1994", "2/3/1994"), or ISO ("1994-03-02").
DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _date_of_birth(text: str, today: date) -> str:
    written = DAY_MONTH_YEAR.match(text)
    try:
        born = date(int(written[3]), int(written[2]), int(written[1])) if written else date.fromisoformat(text)
    except ValueError:
        raise ValueError("give the date as day/month/year, e.g. 21/04/1990.") from None
    if born > today:
        raise ValueError("cannot be in the future.")
    if today.year - born.year > OLDEST_AGE_YEARS:
        raise ValueError(f"more than {OLDEST_AGE_YEARS} years ago: check the year.")
    return born.isoformat()


def _nhs_number(text: str) -> str:
    try:
        return normalise_nhs_number(text)
    except InvalidNhsNumber as error:
        raise ValueError(str(error)) from None


def _phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        raise ValueError(NOT_A_PHONE_NUMBER) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(NOT_A_PHONE_NUMBER)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(text: str) -> str:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None


def _postcode(text: str) -> str:
    match = POSTCODE.match(re.sub(r"\s", "", text.upper()))
    if not match:
        raise ValueError("not a UK postcode (like RG1 5AN).")
    return f"{match.group(1)} {match.group(2)}"
