from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

STAFF_MIN_LENGTH = 10


class StaffPasswordValidator:
    """Staff accounts reach many residents' data: their passwords must be longer and mixed."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "is_staff_member", False):
            return
        has_letter = any(ch.isalpha() for ch in password)
        has_digit = any(ch.isdigit() for ch in password)
        if len(password) < STAFF_MIN_LENGTH or not (has_letter and has_digit):
            raise ValidationError(
                _("A staff password needs at least 10 characters with both letters and digits."),
                code="staff_password_weak",
            )

    def get_help_text(self) -> str:
        return _("A staff password needs at least 10 characters with both letters and digits.")
