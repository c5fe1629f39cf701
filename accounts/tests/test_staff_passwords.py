import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import Role, User


@pytest.mark.parametrize("password", ["short1a", "onlyletterslong", "1234567890123"])
def test_a_weak_staff_password_is_refused(password: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(password, User(username="clerk9", role=Role.COUNTER_CLERK))


def test_a_strong_staff_password_is_accepted() -> None:
    validate_password("Window-Counter-2026", User(username="clerk9", role=Role.COUNTER_CLERK))
