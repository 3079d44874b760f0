"""The vault's building blocks: NHS number check digits, and sealing with key rotation."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation_pathways.vault import nhs_number
from escalation_pathways.vault.sealing import Sealer, VaultKeyError, new_key


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", "4010232137"])
def test_valid_nhs_numbers_are_accepted(text):
    assert nhs_number.normalise(text) == text.replace(" ", "").replace("-", "")


@pytest.mark.parametrize("text, why", [
    ("9434765918", "its last digit does not match"),  # check digit off by one
    ("943476591", "has 10 digits; this has 9"),
    ("94347659190", "has 10 digits; this has 11"),
    ("943476591A", "digits only"),
    ("", "digits only"),
    ("1000000010", "its last digit does not match"),
    ("0000000060", "its last digit does not match"),  # 11 - remainder is 10: no check digit can end these nine
])
def test_invalid_nhs_numbers_say_why(text, why):
    with pytest.raises(nhs_number.InvalidNhsNumber, match=why):
        nhs_number.normalise(text)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_nine_digits_with_their_check_digit_is_valid_and_no_other_last_digit_is(first_nine):
    check = nhs_number.check_digit(first_nine)
    for last in range(10):
        number = first_nine + str(last)
        if last == check:
            assert nhs_number.normalise(number) == number
        else:
            with pytest.raises(nhs_number.InvalidNhsNumber):
                nhs_number.normalise(number)


def test_a_sealed_field_opens_only_with_its_key_and_survives_rotation():
    old, new = new_key(), new_key()
    sealed = Sealer([old]).seal("Jane Example")
    assert b"Jane" not in sealed and Sealer([old]).unseal(sealed) == "Jane Example"
    with pytest.raises(VaultKeyError, match="its key is not configured"):
        Sealer([new]).unseal(sealed)
    rotating = Sealer([new, old])  # the new key first, the old one still there
    resealed = rotating.reseal(sealed)
    assert Sealer([new]).unseal(resealed) == "Jane Example"  # the old key can now be removed
    tampered = resealed[:-4] + (b"AAAA" if resealed[-4:] != b"AAAA" else b"BBBB")
    with pytest.raises(VaultKeyError, match="altered"):
        Sealer([new]).unseal(tampered)


def test_missing_and_bad_keys_are_refused():
    with pytest.raises(VaultKeyError, match="no key"):
        Sealer([])
    with pytest.raises(VaultKeyError, match="not a valid Fernet key"):
        Sealer(["not-a-key"])
