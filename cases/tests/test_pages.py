"""The web pages of cases: counter intake, the resident's list, materials served with permission."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Case
from cases.tests.conftest import form, jpeg_bytes, slots
from tests.helpers import signed_in


def test_a_clerk_files_a_case_for_a_walk_in_from_another_district(world, item) -> None:  # type: ignore[no-untyped-def]
    clerk = signed_in(world.staff["counter_clerk"])  # a 雁塔区 centre
    found = clerk.post(reverse("cases:intake"), {"id_number": world.resident_changan.id_number})
    assert world.resident_changan.name in found.content.decode()
    url = reverse("cases:apply", args=[item.code]) + f"?resident={world.resident_changan.pk}"
    page = clerk.get(url)
    assert page.status_code == 200
    files = {f"material_{s}": SimpleUploadedFile("scan.jpg", jpeg_bytes()) for s in slots(item)}
    response = clerk.post(url, {"submission_key": "abc", **form(), **files})
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/cases/{case.number}/")
    assert (case.channel, case.receiving_centre, case.status) == ("counter", world.yanta_centre, "submitted")
    assert case.handling_department.district == world.changan, "routed by where he lives, not where he came"
    assert set(case.materials.values_list("trust_level", flat=True)) == {"B"}, "checked at a counter"
    again = clerk.post(url, {"submission_key": "abc", **form()})
    assert again.status_code == 302 and Case.objects.count() == 1, "a double click files nothing twice"


def test_a_refused_file_is_named_and_the_draft_keeps_the_rest(world, item) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    url = reverse("cases:apply", args=[item.code])
    first, second = slots(item)
    files = {
        f"material_{first}": SimpleUploadedFile("id.jpg", jpeg_bytes()),
        f"material_{second}": SimpleUploadedFile("income.png", b"\x89PNG\r\n\x1a\n<html><script>x</script>"),
    }
    response = client.post(url, {"submission_key": "k1", **form(), **files})
    assert response.status_code == 400
    assert "income.png" in response.content.decode()
    case = Case.objects.get()
    assert case.status == "draft"
    assert list(case.materials.values_list("original_name", flat=True)) == ["id.jpg"]
    finish = client.post(
        reverse("cases:edit", args=[case.number]),
        {**form(), f"material_{second}": SimpleUploadedFile("income.jpg", jpeg_bytes())},
    )
    assert finish.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"


def test_materials_are_served_only_to_who_may_see_the_case(world, item) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    files = {f"material_{s}": SimpleUploadedFile("my-id-card.jpg", jpeg_bytes()) for s in slots(item)}
    client.post(reverse("cases:apply", args=[item.code]), {"submission_key": "k2", **form(), **files})
    case = Case.objects.get()
    material = case.materials.first()
    url = reverse("cases:material", args=[case.number, material.pk])
    own = client.get(url)
    assert own.status_code == 200 and own["Content-Type"] == "image/jpeg"
    assert own["X-Content-Type-Options"] == "nosniff"
    assert signed_in(world.staff["changan_reviewer"]).get(url).status_code == 404
    assert signed_in(world.staff["reviewer"]).get(url).status_code == 200
    assert signed_in(world.staff["auditor"]).get(url).status_code == 404
    assert "my-id-card" not in material.path, "stored under a random name"


def test_a_clerk_cannot_open_a_residents_prefilled_form_by_walking_record_numbers(world, item) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditEvent

    clerk = signed_in(world.staff["clerk_changan"])
    url = reverse("cases:apply", args=[item.code]) + f"?resident={world.resident.pk}"
    refused = clerk.get(url)
    assert refused.status_code == 403
    assert world.resident.id_number not in refused.content.decode()
    clerk.post(reverse("cases:intake"), {"id_number": world.resident.id_number})  # he is at the counter
    page = clerk.get(url)
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="case.prefill_read", subject_resident_id=world.resident.pk).exists()


def test_the_case_api_masks_the_form_and_records_staff_reads(world, item) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditEvent
    from cases.tests.test_workflow import submitted_case

    case = submitted_case(world, item)
    body = signed_in(world.staff["reviewer"]).get(f"/api/v1/cases/{case.number}").json()
    assert body["form_data"]["phone"] == "139****0001"
    assert AuditEvent.objects.filter(action="case.read", subject_resident_id=world.resident.pk).exists()
    assert signed_in(world.resident.user).get("/api/v1/cases?offset=99999999999999999999").status_code in (200, 422)
