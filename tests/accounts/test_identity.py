"""Real-name checks: resident IDs, credit codes, phone numbers (no database)."""

from __future__ import annotations

import pytest

from tests.accounts.helpers import (
    BAD_CHECKSUM_ID,
    BAD_DATE_ID,
    BAD_USCC,
    SHORT_ID,
    UNKNOWN_REGION_ID,
    VALID_ID,
    VALID_USCC,
    with_check_digit,
)
from yiwang.accounts import identity


def test_valid_id_has_no_warnings():
    checked = identity.check_resident_id(" 110101199003070011 ")
    assert checked.number == VALID_ID
    assert checked.warnings == []
    assert checked.birth_date.isoformat() == "1990-03-07"


@pytest.mark.parametrize(("number", "code"), [
    (BAD_CHECKSUM_ID, "id_checksum"),
    (SHORT_ID, "id_length"),
    (BAD_DATE_ID, "id_birth_date"),
    ("1101011990030A0011", "id_format"),
    ("", "id_required"),
    (with_check_digit("11010130000101001"), "id_birth_date"),  # born in the year 3000
])
def test_bad_ids_are_hard_errors(number, code):
    with pytest.raises(identity.IdentityError) as info:
        identity.check_resident_id(number)
    assert info.value.code == code
    assert info.value.message


def test_unknown_region_is_only_a_warning():
    checked = identity.check_resident_id(UNKNOWN_REGION_ID)
    assert checked.number == UNKNOWN_REGION_ID
    assert checked.warnings == [identity.WARNING_REGION_UNKNOWN]
    assert "地区码" in identity.warning_text(checked.warnings[0])


def test_lower_case_x_is_normalised():
    number = with_check_digit("11010119900307003")
    if number.endswith("X"):  # pragma: no branch - depends on the digits chosen
        assert identity.check_resident_id(number.lower()).number == number


def test_credit_codes():
    assert identity.check_credit_code(" 91110000600037341l ".upper()) == VALID_USCC
    with pytest.raises(identity.IdentityError) as info:
        identity.check_credit_code(BAD_USCC)
    assert info.value.code == "credit_code_checksum"
    with pytest.raises(identity.IdentityError) as info:
        identity.check_credit_code("12345")
    assert info.value.code == "credit_code_length"


@pytest.mark.parametrize("phone", ["13800000000", "138-0000-0000", "+8619912345678"])
def test_phone_ok(phone):
    assert len(identity.check_phone(phone)) == 11


@pytest.mark.parametrize("phone", ["12800000000", "1380000000", "138000000001", "abc", ""])
def test_phone_bad(phone):
    with pytest.raises(identity.IdentityError):
        identity.check_phone(phone)
