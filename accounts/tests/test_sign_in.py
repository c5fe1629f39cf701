import datetime as dt

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import SmsMessage
from audit.models import AuditEvent


def test_a_resident_signs_in_with_mobile_and_password(world, password) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post(reverse("accounts:login"), {"mobile": "139 0000 0001", "password": password}, follow=True)
    assert "王建国" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.login", actor=world.resident.user).exists()


def test_staff_cannot_use_the_resident_sign_in_and_residents_not_the_staff_one(world, password) -> None:  # type: ignore[no-untyped-def]
    response = Client().post(reverse("accounts:staff_login"), {"username": "13900000001", "password": password})
    assert "用户名或密码错误" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_a_resident_signs_in_with_a_one_time_sms_code(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("accounts:sms_code"), {"mobile": "13900000001"})
    assert sent.status_code == 200
    body = SmsMessage.objects.get(mobile="13900000001").body
    code = "".join(ch for ch in body if ch.isdigit())[:6]
    assert len(code) == 6
    wrong_code = "000000" if code != "000000" else "111111"
    wrong = client.post(reverse("accounts:login"), {"method": "sms", "mobile": "13900000001", "sms_code": wrong_code})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session
    ok = client.post(reverse("accounts:login"), {"method": "sms", "mobile": "13900000001", "sms_code": code})
    assert ok.status_code == 302
    replay = Client().post(reverse("accounts:login"), {"method": "sms", "mobile": "13900000001", "sms_code": code})
    assert replay.status_code == 200, "a code works only once"


def test_a_second_code_within_a_minute_is_refused(world, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:sms_code"), {"mobile": "13900000001"})
        again = client.post(reverse("accounts:sms_code"), {"mobile": "13900000001"})
    assert again.status_code == 400
    assert SmsMessage.objects.count() == 1


def test_five_wrong_passwords_lock_a_staff_account_even_with_the_right_one(world, password) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(5):
        client.post(reverse("accounts:staff_login"), {"username": "clerk", "password": "wrong-password"})
    locked = client.post(reverse("accounts:staff_login"), {"username": "clerk", "password": password})
    assert locked.status_code == 429
    assert "锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    other = Client().post(reverse("accounts:staff_login"), {"username": "reviewer", "password": password})
    assert other.status_code == 302, "only the attacked account is locked"
    assert AuditEvent.objects.filter(action="auth.login_failed").count() >= 5


def test_a_staff_session_ends_after_30_idle_minutes(world, password) -> None:  # type: ignore[no-untyped-def]
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client = Client()
        client.post(reverse("accounts:staff_login"), {"username": "clerk", "password": password})
        assert client.get(reverse("residents:list")).status_code == 200
        clock.shift(dt.timedelta(minutes=29))
        assert client.get(reverse("residents:list")).status_code == 200, "activity keeps the session alive"
        clock.shift(dt.timedelta(minutes=31))
        assert client.get(reverse("residents:list")).status_code == 302


def test_each_demo_role_lands_on_a_home_page_of_its_own(world, password) -> None:  # type: ignore[no-untyped-def]
    for username, expected in [("clerk", "居民"), ("auditor", "审计"), ("admin", "管理")]:
        client = Client()
        response = client.post(
            reverse("accounts:staff_login"), {"username": username, "password": password}, follow=True
        )
        assert response.status_code == 200
        assert expected in response.content.decode()
