from django.urls import reverse

from audit.models import AuditEvent
from tests.helpers import signed_in


def test_staff_see_masked_values_by_default_and_each_read_is_audited(world) -> None:  # type: ignore[no-untyped-def]
    clerk = world.staff["counter_clerk"]
    response = signed_in(clerk).get(reverse("residents:detail", args=[world.resident.pk]))
    page = response.content.decode()
    assert world.resident.id_number not in page
    assert world.resident.mobile not in page
    assert world.resident.id_number_masked in page
    assert "139****0001" in page
    read = AuditEvent.objects.get(action="resident.read", subject_resident_id=world.resident.pk)
    assert read.actor == clerk
    assert read.reason


def test_revealing_needs_a_reason_and_writes_who_saw_what(world) -> None:  # type: ignore[no-untyped-def]
    clerk = world.staff["counter_clerk"]
    client = signed_in(clerk)
    url = reverse("residents:reveal", args=[world.resident.pk])

    refused = client.post(url, {"field": "id_number", "reason": ""})
    assert refused.status_code == 400
    assert world.resident.id_number not in refused.content.decode()
    assert not AuditEvent.objects.filter(action="resident.reveal").exists()

    shown = client.post(url, {"field": "id_number", "reason": "核对窗口材料"})
    assert shown.status_code == 200
    assert world.resident.id_number in shown.content.decode()
    event = AuditEvent.objects.get(action="resident.reveal")
    assert (event.actor, event.subject_resident_id, event.reason) == (clerk, world.resident.pk, "核对窗口材料")
    assert event.details == {"field": "id_number"}
    assert world.resident.id_number not in str(event.details), "the secret value itself is never stored"


def test_revealing_outside_ones_scope_is_refused_and_leaves_no_value(world) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.staff["counter_clerk"])
    response = client.post(
        reverse("residents:reveal", args=[world.resident_changan.pk]), {"field": "mobile", "reason": "好奇"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="resident.reveal").exists()


def test_the_api_reveals_with_a_reason_and_refuses_residents(world) -> None:  # type: ignore[no-untyped-def]
    url = f"/api/v1/residents/{world.resident.pk}/reveal"
    staff = signed_in(world.staff["reviewer"])
    ok = staff.post(url, {"field": "mobile", "reason": "电话回访"}, content_type="application/json")
    assert ok.status_code == 200
    assert ok.json() == {"field": "mobile", "value": "13900000001"}
    no_reason = staff.post(url, {"field": "mobile", "reason": " "}, content_type="application/json")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"]["reason"][0]["code"] == "reason_required"
    resident = signed_in(world.resident.user)
    assert resident.post(url, {"field": "mobile", "reason": "看看"}, content_type="application/json").status_code == 403
