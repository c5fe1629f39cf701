"""Citizen ID numbers (GB 11643-1999) and mobile numbers: validation, derivation, masking.

Synthetic numbers for demo and test residents come from `make_citizen_id`; never use a real one.
"""

import datetime as dt
import random
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"
# First two digits of the administrative region code: provinces, autonomous regions, municipalities,
# Hong Kong, Macao and Taiwan (GB/T 2260).
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54,
     61, 62, 63, 64, 65, 71, 81, 82, 83}
)  # fmt: skip
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_SHAPE = re.compile(r"^1[3-9]\d{9}$")


class Sex:
    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class CitizenId:
    number: str
    region_code: str
    birth_date: dt.date
    sex: str


def check_character(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def normalise_citizen_id(value: str) -> str:
    return value.strip().replace(" ", "").upper()


def parse_citizen_id(value: str, *, today: dt.date | None = None) -> CitizenId:
    """Validate an 18-character citizen ID number and derive birth date and sex from it.

    Raises ValidationError with a code naming what is wrong: shape, region, birth date, check digit.
    """
    number = normalise_citizen_id(value)
    if not _ID_SHAPE.match(number):
        raise ValidationError(
            _("A citizen ID number has 18 characters: 17 digits and a final digit or X."), code="id_shape"
        )
    if int(number[:2]) not in PROVINCE_CODES or number[2:6] == "0000":
        raise ValidationError(_("The region code at the start of the ID number does not exist."), code="id_region")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("The birth date inside the ID number is not a real date."), code="id_birth_date")
    today = today or dt.date.today()
    if birth > today or birth.year < 1890:
        raise ValidationError(_("The birth date inside the ID number is not possible."), code="id_birth_date")
    if check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("The ID number's last character does not match; please check each digit."), code="id_check_digit"
        )
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return CitizenId(number=number, region_code=number[:6], birth_date=birth, sex=sex)


def validate_citizen_id(value: str) -> None:
    parse_citizen_id(value)


def make_citizen_id(
    *, region_code: str, birth_date: dt.date, sex: str, sequence: int | None = None, rng: random.Random | None = None
) -> str:
    """Generate a synthetic, checksum-valid ID number (for demo and test residents only)."""
    rng = rng or random.Random()  # noqa: S311  synthetic demo data, not a secret
    seq = sequence if sequence is not None else rng.randrange(0, 100)
    odd_digit = rng.choice([1, 3, 5, 7, 9]) if sex == Sex.MALE else rng.choice([0, 2, 4, 6, 8])
    first17 = f"{region_code}{birth_date:%Y%m%d}{seq % 100:02d}{odd_digit}"
    return first17 + check_character(first17)


def normalise_mobile(value: str) -> str:
    number = re.sub(r"[\s-]", "", value.strip())
    if number.startswith("+86"):
        number = number[3:]
    return number


def validate_mobile(value: str) -> None:
    if not _MOBILE_SHAPE.match(normalise_mobile(value)):
        raise ValidationError(
            _("A mobile number has 11 digits and starts with 13 to 19, e.g. 13812345678."), code="mobile_shape"
        )


def mask_citizen_id(value: str) -> str:
    """610113********123X: region kept, birth date and sequence hidden, last four kept."""
    if len(value) != 18:
        return "*" * len(value)
    return f"{value[:6]}{'*' * 8}{value[14:]}"


def mask_mobile(value: str) -> str:
    """138****5678."""
    if len(value) != 11:
        return "*" * len(value)
    return f"{value[:3]}****{value[7:]}"


def mask_name(value: str) -> str:
    """张** / 张*: the family name kept."""
    if not value:
        return value
    return value[0] + "*" * max(len(value) - 1, 1)
