"""The registry's data-sharing API for departments' systems: keys, purposes, the access rule, errors."""

import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied

from audit.models import AuditEvent
from residents.models import Assurance, DepartmentApiKey
from residents.registry import api_key_authenticate, api_key_create, api_key_revoke, consent_grant, fact_record
from residents.tests.test_registry import STATUTORY, submitted_case
from residents.tests.urls_for_tests import REGISTRY_API_ROOT, registry_api
from tests.helpers import signed_in

pytestmark = pytest.mark.urls("residents.tests.urls_for_tests")


@pytest.fixture
def key(world) -> str:  # type: ignore[no-untyped-def]
    _created, plain = api_key_create(
        actor=world.staff["city_admin"], department=world.yanta_civil_affairs, name="低保核对系统"
    )
    return plain


@pytest.fixture
def facts(world) -> None:  # type: ignore[no-untyped-def]
    fact_record(
        actor=None,
        resident=world.resident,
        category="minimum_allowance",
        value={"receiving": True, "since": "2024-03-01"},
        assurance=Assurance.VERIFIED,
        source_department=world.yanta_civil_affairs,
    )
    fact_record(
        actor=None,
        resident=world.resident,
        category="address",
        value={"address": "雁塔区长延堡街道1号"},
        assurance=Assurance.COUNTER,
    )


def get_facts(client, id_number, key=None, **params):  # type: ignore[no-untyped-def]
    headers = {"X-Api-Key": key} if key else {}
    return client.get(f"{REGISTRY_API_ROOT}registry/residents/{id_number}/facts", params, headers=headers)


def api_reads(world):  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(action="registry.api_read", subject_resident_id=world.resident.pk)


def test_the_plain_key_is_returned_once_and_only_its_hash_is_kept(world, key) -> None:  # type: ignore[no-untyped-def]
    stored = DepartmentApiKey.objects.get()
    assert key.startswith(f"ow_{stored.prefix}_") and len(stored.prefix) == 8
    assert stored.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in str(list(DepartmentApiKey.objects.values()))
    created = AuditEvent.objects.get(action="registry.api_key_create")
    assert key not in str(created.details)


def test_only_the_city_administrator_of_its_city_makes_keys(world) -> None:  # type: ignore[no-untyped-def]
    for persona in ("reviewer", "district_manager", "auditor"):
        with pytest.raises(PermissionDenied):
            api_key_create(actor=world.staff[persona], department=world.yanta_civil_affairs, name="x")
    from tests.factories import UserFactory

    other_city = world.other_city_resident.city
    other_admin = UserFactory(username="tc_admin", role="city_admin", city=other_city)
    with pytest.raises(PermissionDenied):
        api_key_create(actor=other_admin, department=world.yanta_civil_affairs, name="x")


def test_without_a_valid_key_the_answer_is_401(client, world, key) -> None:  # type: ignore[no-untyped-def]
    id_number = world.resident.id_number
    wrong_secret = key[:12] + "x" * (len(key) - 12)
    for presented in (None, "", "ow_", "not-a-key", wrong_secret):
        response = get_facts(client, id_number, presented, purpose=STATUTORY)
        assert response.status_code == 401, presented
        assert response.json()["code"] == "not_authenticated"
    assert not api_reads(world).exists()


def test_a_revoked_key_is_refused_at_once(client, world, key) -> None:  # type: ignore[no-untyped-def]
    assert get_facts(client, world.resident.id_number, key, purpose=STATUTORY).status_code == 200
    api_key_revoke(actor=world.staff["city_admin"], api_key=DepartmentApiKey.objects.get())
    assert get_facts(client, world.resident.id_number, key, purpose=STATUTORY).status_code == 401


@pytest.mark.parametrize("purpose", [None, "", "看", "statutory: check"])
def test_a_missing_or_vague_purpose_is_422(client, world, key, purpose) -> None:  # type: ignore[no-untyped-def]
    params = {} if purpose is None else {"purpose": purpose}
    response = get_facts(client, world.resident.id_number, key, **params)
    assert response.status_code == 422
    assert response.json()["code"] == "purpose_required"
    assert response.json()["message"]


def test_an_unknown_kind_of_data_is_422(client, world, key) -> None:  # type: ignore[no-untyped-def]
    response = get_facts(client, world.resident.id_number, key, purpose=STATUTORY, categories="address,income")
    assert (response.status_code, response.json()["code"]) == (422, "unknown_category")


def test_a_statutory_read_answers_200_and_is_logged_with_the_department(client, world, key, facts) -> None:  # type: ignore[no-untyped-def]
    response = get_facts(
        client, world.resident.id_number.lower(), key, purpose=STATUTORY, categories="minimum_allowance"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id_number_masked"] == world.resident.id_number_masked
    assert [(f["category"], f["value"], f["assurance"], f["source_department"]) for f in body["facts"]] == [
        ("minimum_allowance", {"receiving": True, "since": "2024-03-01"}, "verified", world.yanta_civil_affairs.name)
    ]
    event = api_reads(world).get()
    assert event.actor is None
    assert event.reason == STATUTORY
    assert event.details == {
        "categories": ["minimum_allowance"],
        "department": world.yanta_civil_affairs.name,
        "department_id": world.yanta_civil_affairs.pk,
        "api_key": DepartmentApiKey.objects.get().prefix,
        "client": "低保核对系统",
        "basis": "statutory",
    }
    assert DepartmentApiKey.objects.get().last_used_at is not None


def test_a_case_the_department_handles_opens_the_residents_data(client, world, key, facts) -> None:  # type: ignore[no-untyped-def]
    case = submitted_case(world, world.resident)
    response = get_facts(client, world.resident.id_number, key, purpose="审核低保申请", case=case.number)
    assert response.status_code == 200
    assert [f["category"] for f in response.json()["facts"]] == ["address", "minimum_allowance"]
    assert api_reads(world).get().details["case"] == case.number


def test_without_a_case_duty_or_consent_the_answer_is_403_and_recorded(client, world, key, facts) -> None:  # type: ignore[no-untyped-def]
    response = get_facts(client, world.resident.id_number, key, purpose="审核低保申请")
    assert response.status_code == 403
    assert set(response.json()) >= {"code", "message"}
    assert api_reads(world).get().outcome == "denied"
    consent_grant(resident_user=world.resident.user, department=world.yanta_civil_affairs, category="address")
    allowed = get_facts(client, world.resident.id_number, key, purpose="审核低保申请")
    assert [f["category"] for f in allowed.json()["facts"]] == ["address"]


def test_an_unknown_id_number_is_404_with_the_same_error_shape(client, world, key) -> None:  # type: ignore[no-untyped-def]
    for id_number in ("110101199003074514", world.other_city_resident.id_number):
        response = get_facts(client, id_number, key, purpose=STATUTORY)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        assert response.json()["message"]


def test_the_openapi_schema_declares_the_key_and_the_errors(world) -> None:  # type: ignore[no-untyped-def]
    schema = registry_api.get_openapi_schema()
    operation = schema["paths"]["/test-registry-api/registry/residents/{id_number}/facts"]["get"]
    assert set(operation["responses"]) == {200, 401, 403, 404, 422}
    assert schema["components"]["securitySchemes"]["DepartmentKeyAuth"]["name"] == "X-Api-Key"


def test_the_city_administrator_makes_a_key_in_the_admin_and_sees_it_once(world) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(world.staff["city_admin"])
    response = admin.post(
        "/admin/residents/departmentapikey/add/",
        {"department": world.yanta_civil_affairs.pk, "name": "残联系统"},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    stored = DepartmentApiKey.objects.get()
    plain = next(m for text in shown for m in re.findall(rf"ow_{stored.prefix}_[A-Za-z0-9_-]+", text))
    assert api_key_authenticate(plain) == stored
    again = admin.get(f"/admin/residents/departmentapikey/{stored.pk}/change/").content.decode()
    assert plain not in again
    assert signed_in(world.staff["reviewer"]).get("/admin/residents/departmentapikey/add/").status_code in (302, 403)


def test_the_city_administrator_lists_and_revokes_keys_of_his_city_only(world, key) -> None:  # type: ignore[no-untyped-def]
    admin = signed_in(world.staff["city_admin"])
    stored = DepartmentApiKey.objects.get()
    listing = admin.get("/admin/residents/departmentapikey/")
    assert listing.status_code == 200 and stored.prefix in listing.content.decode()
    admin.post("/admin/residents/departmentapikey/", {"action": "revoke", "_selected_action": [stored.pk]}, follow=True)
    stored.refresh_from_db()
    assert stored.revoked_at is not None
    assert api_key_authenticate(key) is None
    assert AuditEvent.objects.filter(action="registry.api_key_revoke").count() == 1
