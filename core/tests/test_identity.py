import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError

from core.identity import (
    Sex,
    check_character,
    make_citizen_id,
    mask_citizen_id,
    mask_mobile,
    parse_citizen_id,
    validate_mobile,
)

# Synthetic numbers built by hand with the GB 11643 weights (never a real person's).
VALID = [
    ("11010519491231002X", dt.date(1949, 12, 31), Sex.FEMALE),  # the standard's own worked example
    ("610113199001011230", dt.date(1990, 1, 1), Sex.MALE),
    ("610116200002290029", dt.date(2000, 2, 29), Sex.FEMALE),
]


@pytest.mark.parametrize(("number", "birth", "sex"), VALID)
def test_a_valid_number_gives_birth_date_and_sex(number: str, birth: dt.date, sex: str) -> None:
    citizen = parse_citizen_id(number)
    assert citizen.birth_date == birth
    assert citizen.sex == sex
    assert citizen.region_code == number[:6]


def test_a_lowercase_x_and_spaces_are_accepted() -> None:
    assert parse_citizen_id(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("11010519491231002", "id_shape"),  # 17 characters
        ("1101051949123100211", "id_shape"),  # 19 characters
        ("11010519491231002Y", "id_shape"),  # bad final character
        ("1101051949X231002X", "id_shape"),  # letter inside
        ("110105194912310021", "id_check_digit"),  # wrong check digit
        ("990105194912310020", "id_region"),  # no province 99
        ("110000194912310020", "id_region"),  # province only, no county
        ("610113199002300011", "id_birth_date"),  # 30 February
        ("610113199013010011", "id_birth_date"),  # month 13
        ("610113210001010011", "id_birth_date"),  # born in the future
        ("610113180001010011", "id_birth_date"),  # before 1890
    ],
)
def test_an_invalid_number_is_refused_with_the_reason(number: str, code: str) -> None:
    # Build a correct check digit for the cases that test something else than the check digit.
    if code not in {"id_shape", "id_check_digit"}:
        number = number[:17] + check_character(number[:17])
    with pytest.raises(ValidationError) as exc:
        parse_citizen_id(number, today=dt.date(2026, 11, 29))
    assert exc.value.code == code


def test_generated_numbers_are_valid_and_carry_what_was_asked() -> None:
    rng = random.Random(7)
    for i in range(200):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(0, 30000))
        sex = Sex.MALE if i % 2 else Sex.FEMALE
        citizen = parse_citizen_id(make_citizen_id(region_code="610118", birth_date=birth, sex=sex, rng=rng))
        assert (citizen.birth_date, citizen.sex, citizen.region_code) == (birth, sex, "610118")


@pytest.mark.parametrize("mobile", ["13812345678", "19912345678", "+86 138 1234 5678", "138-1234-5678"])
def test_valid_mobile_numbers(mobile: str) -> None:
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["12812345678", "1381234567", "138123456789", "abcdefghijk", ""])
def test_malformed_mobile_numbers_are_refused(mobile: str) -> None:
    with pytest.raises(ValidationError):
        validate_mobile(mobile)


def test_masks_hide_the_middle() -> None:
    assert mask_citizen_id("61011319900101123X") == "610113********123X"
    assert mask_mobile("13812345678") == "138****5678"
