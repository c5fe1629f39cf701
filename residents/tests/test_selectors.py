"""Role scopes: each role against a resident of its own scope and one of another district/city."""

import pytest
from django.urls import reverse

from residents.selectors import residents_visible_to
from tests.helpers import signed_in

# role → (sees the 雁塔区 resident, sees the 长安区 resident)
EXPECTED = {
    "community_worker": (True, False),
    "counter_clerk": (True, False),
    "reviewer": (True, False),
    "approver": (True, False),
    "district_manager": (True, False),
    "city_admin": (True, True),
    "auditor": (False, False),
    "clerk_changan": (False, True),
    "city_reviewer": (True, True),
    "changan_reviewer": (False, True),
}


@pytest.mark.parametrize(("persona", "expected"), EXPECTED.items())
def test_each_role_sees_exactly_its_scope(world, persona, expected) -> None:  # type: ignore[no-untyped-def]
    visible = set(residents_visible_to(world.staff[persona]))
    assert (world.resident in visible, world.resident_changan in visible) == expected
    assert world.other_city_resident not in visible, "no role sees another city's residents"


@pytest.mark.parametrize("persona", ["counter_clerk", "reviewer", "district_manager", "community_worker"])
def test_a_yanta_staff_member_cannot_open_a_changan_record(world, persona) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.staff[persona])
    assert client.get(reverse("residents:detail", args=[world.resident.pk])).status_code == 200
    assert client.get(reverse("residents:detail", args=[world.resident_changan.pk])).status_code == 404
    assert client.get(f"/api/v1/residents/{world.resident_changan.pk}").status_code == 404


def test_a_resident_sees_only_himself(world) -> None:  # type: ignore[no-untyped-def]
    resident_user = world.resident.user
    assert list(residents_visible_to(resident_user)) == [world.resident]
    client = signed_in(resident_user)
    assert client.get(reverse("residents:list")).status_code == 403
    assert client.get(f"/api/v1/residents/{world.resident_changan.pk}").status_code == 404
    assert client.get("/api/v1/residents/me").json()["name"] == "王建国"


def test_the_auditor_reads_the_audit_trail_and_no_resident(world) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.staff["auditor"])
    assert client.get(reverse("residents:list")).status_code == 403
    assert client.get(reverse("audit:list")).status_code == 200


def test_staff_other_than_the_auditor_cannot_read_the_audit_trail(world) -> None:  # type: ignore[no-untyped-def]
    for persona in ("city_admin", "district_manager", "counter_clerk"):
        assert signed_in(world.staff[persona]).get(reverse("audit:list")).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(world) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    response = Client().get(reverse("residents:list"))
    assert response.status_code == 302
    assert reverse("accounts:staff_login") in response["Location"]
    assert Client().get(f"/api/v1/residents/{world.resident.pk}").status_code == 401


def test_the_resident_list_pages_with_a_constant_number_of_queries(world, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import ResidentFactory

    ResidentFactory.create_batch(30, community=world.yanta_community)
    client = signed_in(world.staff["district_manager"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("residents:list"))
    assert response.status_code == 200
    assert "第 1 页，共 2 页" in response.content.decode()
