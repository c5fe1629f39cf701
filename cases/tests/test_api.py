"""The cases API: idempotent creation, uploads checked by content, errors as JSON with codes."""

import threading

import pytest
from django.db import connection

from cases.models import Case
from cases.tests.conftest import form, jpeg_bytes, slots
from tests.helpers import signed_in


def create(client, item, key, **overrides):  # type: ignore[no-untyped-def]
    body = {"item_code": item.code, "form_data": form(), **overrides}
    return client.post("/api/v1/cases", body, content_type="application/json", headers={"Idempotency-Key": key})


def test_the_same_key_and_body_return_the_original_case(world, item) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    first = create(client, item, "k-1")
    again = create(client, item, "k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(world, item) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    create(client, item, "k-2")
    other = create(client, item, "k-2", form_data=form(members="4"))
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    missing = client.post("/api/v1/cases", {"item_code": item.code}, content_type="application/json")
    assert missing.status_code == 422
    assert missing.json()["code"] == "idempotency_key_missing"


def test_an_online_application_with_uploads_through_the_api(world, item) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    number = create(client, item, "k-3").json()["number"]
    for slot in slots(item):
        response = client.post(
            f"/api/v1/cases/{number}/materials",
            {"file": _file("photo.jpg", jpeg_bytes()), "required_material_id": slot},
        )
        assert response.status_code == 201, response.content
    submitted = client.post(f"/api/v1/cases/{number}/submit", {"form_data": form()}, content_type="application/json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    assert [c["number"] for c in client.get("/api/v1/cases").json()] == [number]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "corrupt_image"),
        ("scan.jpg", b"MZ\x90\x00" + b"\x00" * 200, "unsupported_type"),
        ("empty.jpg", b"", "empty"),
    ],
)
def test_attack_files_are_refused_naming_the_file_and_the_case_is_unchanged(world, item, name, content, code) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    number = create(client, item, "k-4").json()["number"]
    response = client.post(
        f"/api/v1/cases/{number}/materials", {"file": _file(name, content), "required_material_id": slots(item)[0]}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == code
    assert name in body["message"]
    assert Case.objects.get(number=number).materials.count() == 0


def test_another_residents_case_is_not_found(world, item) -> None:  # type: ignore[no-untyped-def]
    number = create(signed_in(world.resident.user), item, "k-5").json()["number"]
    from tests.factories import UserFactory

    stranger = UserFactory(username="13911112222", mobile="13911112222", role="resident", city=world.city)
    assert signed_in(stranger).get(f"/api/v1/cases/{number}").status_code == 404
    assert signed_in(world.staff["changan_reviewer"]).get(f"/api/v1/cases/{number}").status_code == 404
    assert signed_in(world.staff["reviewer"]).post(
        f"/api/v1/cases/{number}/approve", {}, content_type="application/json"
    ).status_code in (403, 422)


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_submissions_with_one_key_create_one_case(world, item) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises writers); CI runs it there")
    statuses: list[int] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        client = signed_in(world.resident.user)
        barrier.wait()
        statuses.append(create(client, item, "same-key").status_code)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Case.objects.count() == 1
    assert statuses.count(201) == 1
    assert set(statuses) <= {200, 201, 409}


def _file(name: str, content: bytes):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)
