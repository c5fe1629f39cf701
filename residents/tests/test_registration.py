import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from audit.models import AuditEvent
from residents.models import Resident
from tests.factories import synthetic_id_number

GOOD_PASSWORD = "Chang'an-2026!"


def form_data(world, **overrides):  # type: ignore[no-untyped-def]
    data = {
        "name": "陈小梅",
        "id_number": synthetic_id_number(region_code="610113", sex="female"),
        "mobile": "13688886666",
        "community": world.yanta_community.pk,
        "password": GOOD_PASSWORD,
    }
    data.update(overrides)
    return data


def test_a_resident_registers_and_lands_on_his_home_page(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    data = form_data(world)
    response = client.post(reverse("residents:register"), data, follow=True)
    assert response.status_code == 200
    resident = Resident.objects.get(id_number=data["id_number"])
    assert resident.user.role == Role.RESIDENT
    assert resident.sex == "female"
    assert str(resident.birth_date.year) == data["id_number"][6:10]
    page = response.content.decode()
    assert "陈小梅" in page
    assert data["id_number"] not in page, "the full ID number is never shown, even to its owner"
    assert resident.id_number_masked in page
    assert AuditEvent.objects.filter(action="resident.register", subject_resident_id=resident.pk).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "610113199001011231", "最后一位"),  # wrong check digit
        ("id_number", "61011319900230001X", "不是真实的日期"),  # impossible date
        ("mobile", "1234567", "11 位"),
        ("community", "999999", "请从列表中选择"),
        ("name", "   ", "真实姓名"),
        ("password", "123", "密码"),
    ],
)
def test_bad_input_is_refused_in_chinese_the_form_stays_filled_and_nothing_is_written(  # type: ignore[no-untyped-def]
    world, field, value, message
) -> None:
    before = (Resident.objects.count(), User.objects.count())
    data = form_data(world, **{field: value})
    response = Client().post(reverse("residents:register"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert (Resident.objects.count(), User.objects.count()) == before
    if field != "name":
        assert 'value="陈小梅"' in page, "what the resident typed is kept"


def test_the_error_is_in_english_when_the_interface_is_english(world) -> None:  # type: ignore[no-untyped-def]
    data = form_data(world, mobile="1234567")
    response = Client().post(reverse("residents:register") + "?lang=en", data)
    assert "A mobile number has 11 digits" in response.content.decode()


def test_an_id_number_registers_only_once(world) -> None:  # type: ignore[no-untyped-def]
    data = form_data(world, id_number=world.resident.id_number)
    response = Client().post(reverse("residents:register"), data)
    assert "该身份证号已注册" in response.content.decode()
    assert Resident.objects.filter(id_number=world.resident.id_number).count() == 1


def test_the_api_answers_409_for_a_duplicate_and_422_for_bad_input(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    url = "/api/v1/residents/register"
    body = {
        "name": "陈小梅",
        "id_number": world.resident.id_number,
        "mobile": "13688886666",
        "community_id": world.yanta_community.pk,
        "password": GOOD_PASSWORD,
    }
    duplicate = client.post(url, body, content_type="application/json")
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "duplicate_id_number"

    bad = client.post(url, {**body, "id_number": "610113199001011231"}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["errors"]["id_number"][0]["code"] == "id_check_digit"

    missing = client.post(url, {"name": "x"}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["code"] == "invalid_request"

    fresh_id = synthetic_id_number(region_code="610116")
    created = client.post(url, {**body, "id_number": fresh_id}, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["id_number_masked"] == fresh_id[:6] + "********" + fresh_id[14:]
    assert "id_number" not in created.json()


def test_a_clerk_registers_a_walk_in_who_later_takes_over_his_record_online(  # type: ignore[no-untyped-def]
    world, django_capture_on_commit_callbacks
) -> None:
    from accounts.models import SmsMessage
    from tests.helpers import signed_in

    id_number = synthetic_id_number(region_code="610116", sex="male")
    clerk = signed_in(world.staff["counter_clerk"])
    data = {"name": "赵大爷", "id_number": id_number, "mobile": "13677778888", "community": world.changan_community.pk}
    response = clerk.post(reverse("residents:register_at_counter"), data)
    assert response.status_code == 302
    resident = Resident.objects.get(id_number=id_number)
    assert response["Location"].endswith(f"?resident={resident.pk}"), "straight on to the intake desk"
    assert "赵大爷" in clerk.get(response["Location"]).content.decode()
    assert resident.user is None
    assert signed_in(world.resident.user).post(reverse("residents:register_at_counter"), data).status_code == 403

    # Knowing his name and ID number is not enough: another mobile, or no code, is refused.
    thief = Client().post(reverse("residents:register"), {**data, "mobile": "13699990000", "password": GOOD_PASSWORD})
    assert "窗口登记" in thief.content.decode() or "验证码" in thief.content.decode()
    no_code = Client().post(reverse("residents:register"), {**data, "password": GOOD_PASSWORD})
    assert "验证码" in no_code.content.decode()
    resident.refresh_from_db()
    assert resident.user is None and resident.mobile == "13677778888"

    # He proves he holds the mobile recorded at the counter, and takes his record over.
    online = Client()
    with django_capture_on_commit_callbacks(execute=True):
        online.post(reverse("accounts:sms_code"), {"mobile": "13677778888"})
    code = "".join(ch for ch in SmsMessage.objects.get(mobile="13677778888").body if ch.isdigit())[:6]
    done = online.post(
        reverse("residents:register"), {**data, "password": GOOD_PASSWORD, "sms_code": code}, follow=True
    )
    assert done.status_code == 200
    resident.refresh_from_db()
    assert resident.user is not None, "the online sign-up took over the counter record"
    assert Resident.objects.filter(id_number=id_number).count() == 1
