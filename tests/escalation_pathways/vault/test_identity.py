"""Validating identities before they are sealed: every bad field is named, in words a clinician reads."""

from datetime import date

import pytest

from escalation_pathways.vault.identity import InvalidIdentity, validated

TODAY = date(2026, 11, 25)


def test_good_input_is_normalised():
    identity = validated({"name": " Alex Example ", "date_of_birth": "1990-04-21", "nhs_number": "943 476 5919",
                          "phone": "0118 496 0000", "email": "Alex@Example.org", "postcode": "rg1 5an",
                          "emergency_phone": "+44 7911 123456"}, today=TODAY)
    assert (identity.name, identity.nhs_number, identity.phone, identity.postcode, identity.emergency_phone) == (
        "Alex Example", "9434765919", "+441184960000", "RG1 5AN", "+447911123456")
    assert identity.email == "Alex@example.org"
    assert ("NHS number", "9434765919") in identity.shown() and ("Address", "") not in identity.shown()


def test_every_bad_field_is_named_with_its_reason():
    with pytest.raises(InvalidIdentity) as raised:
        validated({"date_of_birth": "21/04/1990", "nhs_number": "9434765918", "phone": "12345",
                   "email": "alex.example.org", "postcode": "RG1", "name": "x" * 201}, today=TODAY)
    errors = raised.value.errors
    assert errors == {
        "name": "at most 200 characters.",
        "date_of_birth": "give the date as YYYY-MM-DD, e.g. 1990-04-21.",
        "nhs_number": "This is not a valid NHS number: its last digit does not match. Check it was copied correctly.",
        "phone": "not a valid phone number (a UK number, or +country code and number).",
        "email": "An email address must have an @-sign.",
        "postcode": "not a UK postcode (like RG1 5AN).",
    }


@pytest.mark.parametrize("born, why", [("2026-11-26", "cannot be in the future"),
                                       ("1899-01-01", "more than 125 years ago")])
def test_impossible_dates_of_birth_are_refused(born, why):
    with pytest.raises(InvalidIdentity, match=why):
        validated({"date_of_birth": born}, today=TODAY)


def test_nothing_known_is_an_empty_identity():
    assert validated({"name": "  "}, today=TODAY).shown() == []
