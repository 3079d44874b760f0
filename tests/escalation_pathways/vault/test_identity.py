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
    assert identity.date_of_birth == "1990-04-21"
    assert validated({"date_of_birth": "21/04/1990"}, today=TODAY).date_of_birth == "1990-04-21"  # as UK forms ask
    assert validated({"date_of_birth": "2/3/1994"}, today=TODAY).date_of_birth == "1994-03-02"


def test_an_identity_is_shown_as_uk_clinical_records_write_it():
    identity = validated({"name": "Alex Example", "date_of_birth": "02/03/1994", "nhs_number": "9434765919",
                          "phone": "+441184960123", "emergency_phone": "07911123456", "postcode": "RG15AN"},
                         today=TODAY)
    assert identity.shown(today=date(2026, 3, 2)) == [
        ("Name", "Alex Example"), ("Date of birth", "2 March 1994 (age 32)"), ("NHS number", "943 476 5919"),
        ("Phone", "0118 496 0123"), ("Postcode", "RG1 5AN"), ("Emergency contact's phone", "07911 123456")]
    assert ("Date of birth", "2 March 1994 (age 31)") in identity.shown(today=date(2026, 3, 1))  # the day before
    abroad = validated({"phone": "+33 1 23 45 67 89"}, today=TODAY)
    assert abroad.shown(today=TODAY) == [("Phone", "+33 1 23 45 67 89")]
    # To correct them, the same details as they are typed, and they read back the same.
    typed = identity.as_typed()
    assert (typed["date_of_birth"], typed["nhs_number"], typed["phone"]) == ("02/03/1994", "943 476 5919",
                                                                            "0118 496 0123")
    assert validated(typed, today=TODAY) == identity


def test_every_bad_field_is_named_with_its_reason():
    with pytest.raises(InvalidIdentity) as raised:
        validated({"date_of_birth": "31/02/1990", "nhs_number": "9434765918", "phone": "12345",
                   "email": "alex.example.org", "postcode": "RG1", "name": "x" * 201}, today=TODAY)
    errors = raised.value.errors
    assert errors == {
        "name": "at most 200 characters.",
        "date_of_birth": "give the date as day/month/year, e.g. 21/04/1990.",
        "nhs_number": "This is not a valid NHS number: its last digit does not match. Check it was copied correctly.",
        "phone": "not a phone number that can be rung: give a UK number like 0118 496 0123, or + and the country "
                 "code for a number abroad.",
        "email": "An email address must have an @-sign.",
        "postcode": "not a UK postcode (like RG1 5AN).",
    }


@pytest.mark.parametrize("born, why", [("2026-11-26", "cannot be in the future"),
                                       ("1899-01-01", "more than 125 years ago")])
def test_impossible_dates_of_birth_are_refused(born, why):
    with pytest.raises(InvalidIdentity, match=why):
        validated({"date_of_birth": born}, today=TODAY)


def test_nothing_known_is_an_empty_identity():
    assert validated({"name": "  "}, today=TODAY).shown(today=TODAY) == []
