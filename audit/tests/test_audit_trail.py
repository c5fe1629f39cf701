import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent, AuditTrailIsAppendOnly
from audit.services import audit_record
from tests.helpers import signed_in


def test_the_model_refuses_to_change_or_delete_an_event(world) -> None:  # type: ignore[no-untyped-def]
    event = audit_record(action="test.event", actor=world.staff["clerk_changan"])
    event.reason = "rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()


def test_the_database_refuses_an_update_even_behind_the_models_back(world) -> None:  # type: ignore[no-untyped-def]
    event = audit_record(action="test.event", actor=world.staff["counter_clerk"])
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="covered up")
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete(world) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE trigger exists on PostgreSQL only (set DATABASE_URL)")
    event = audit_record(action="test.event", actor=world.staff["counter_clerk"])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, action="test.event").exists()


def test_secret_values_never_reach_the_trail(world) -> None:  # type: ignore[no-untyped-def]
    event = audit_record(action="test.event", details={"password": "hunter22", "mobile": "13900000001", "field": "x"})
    assert event.details == {"field": "x"}


def test_the_auditor_filters_the_trail_by_action_and_resident(world) -> None:  # type: ignore[no-untyped-def]
    signed_in(world.staff["counter_clerk"]).get(reverse("residents:detail", args=[world.resident.pk]))
    audit_record(action="other.thing", actor=world.staff["reviewer"])
    client = signed_in(world.staff["auditor"])
    page = client.get(reverse("audit:list"), {"action": "resident.read", "resident": world.resident.pk})
    html = page.content.decode()
    assert "resident.read" in html
    assert "other.thing" not in html
    assert world.resident.id_number not in html
