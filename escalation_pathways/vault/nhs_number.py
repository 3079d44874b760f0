"""NHS numbers: ten digits, the last a modulus 11 check digit (NHS Data Dictionary)."""

import re

SEPARATORS = re.compile(r"[\s-]")


class InvalidNhsNumber(ValueError):
    """Not an NHS number; the message says why, in words a clinician reads."""


def check_digit(first_nine: str) -> int | None:
    """The check digit of nine digits, or None when no number can end them (the remainder gives 10)."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def normalise(text: str) -> str:
    """The ten digits of a valid NHS number (spaces and hyphens allowed, as in "943 476 5919"), or
    InvalidNhsNumber."""
    digits = SEPARATORS.sub("", text or "")
    if not digits.isdigit():
        raise InvalidNhsNumber("An NHS number has digits only (spaces between groups are fine).")
    if len(digits) != 10:
        raise InvalidNhsNumber(f"An NHS number has 10 digits; this has {len(digits)}.")
    if check_digit(digits[:9]) != int(digits[9]):
        raise InvalidNhsNumber("This is not a valid NHS number: its last digit does not match. Check it was "
                               "copied correctly.")
    return digits

