"""Issuing, replacing, revoking and expiring licences, and reading the valid ones."""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEvent
from licences.models import REPLACED, Licence, LicenceStatus
from licences.selectors import licences_valid_for
from licences.services import kind_initials, licence_issue, licence_revoke, licences_expire
from licences.tasks import expire_licences, next_run
from licences.tests.conftest import issue
from notifications.models import Notification

pytestmark = pytest.mark.urls("licences.tests.urls")

MARCH = dt.date(2026, 3, 1)


def test_an_issued_licence_is_valid_and_listed_by_kind(world, disability, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability, valid_years=5, today=MARCH)
    assert licence.status == LicenceStatus.VALID
    assert (licence.valid_from, licence.valid_until) == (MARCH, dt.date(2031, 2, 28))
    assert licence.number == "610100-DC-2026-000001"
    assert len(licence.verification_token) >= 40
    with django_assert_num_queries(1):
        valid = licences_valid_for(resident=world.resident, today=MARCH)
        assert valid["disability_certificate"].kind.name == "残疾人证"
    assert valid == {"disability_certificate": licence}
    event = AuditEvent.objects.get(action="licence.issue")
    assert (event.actor, event.subject_resident_id) == (world.staff["approver"], world.resident.pk)
    assert event.city == world.city
    assert Notification.objects.filter(recipient=world.resident.user, event_key__contains=licence.number).exists()


def test_a_re_issue_replaces_the_previous_licence_of_that_kind(world, disability, employment) -> None:  # type: ignore[no-untyped-def]
    first = issue(world, disability, today=MARCH)
    other_kind = issue(world, employment, today=MARCH)
    second = issue(world, disability, today=MARCH + dt.timedelta(days=10))
    first.refresh_from_db()
    assert (first.status, first.revocation_reason) == (LicenceStatus.REVOKED, REPLACED)
    assert first.revoked_at is not None
    assert second.number == "610100-DC-2026-000002", "numbers are never reused"
    assert licences_valid_for(resident=world.resident, today=MARCH + dt.timedelta(days=10)) == {
        "disability_certificate": second,
        "employment_certificate": other_kind,
    }


def test_the_database_refuses_two_valid_licences_of_one_kind(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability, today=MARCH)
    with pytest.raises(IntegrityError), transaction.atomic():
        Licence.objects.create(
            number="X-1", kind=disability, holder=world.resident, issuing_department=licence.issuing_department,
            valid_from=MARCH,
        )  # fmt: skip


def test_only_an_approver_of_the_issuing_department_or_the_city_admin_may_issue(world, disability) -> None:  # type: ignore[no-untyped-def]
    for someone in ("counter_clerk", "reviewer", "changan_reviewer", "district_manager"):
        with pytest.raises(PermissionDenied):
            licence_issue(
                actor=world.staff[someone], holder=world.resident, kind=disability,
                issuing_department=world.yanta_civil_affairs,
            )  # fmt: skip
    assert licence_issue(
        actor=world.staff["city_admin"], holder=world.resident, kind=disability,
        issuing_department=world.yanta_civil_affairs,
    ).status == LicenceStatus.VALID  # fmt: skip
    assert not Licence.objects.exclude(status=LicenceStatus.VALID).exists()


def test_a_licence_of_a_case_needs_the_holders_approved_case(world, disability, approved_case) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        licence_issue(
            actor=None, holder=world.resident_changan, kind=disability, issuing_department=world.yanta_civil_affairs,
            case=approved_case,
        )  # fmt: skip
    assert refused.value.code == "case_mismatch"
    licence = licence_issue(
        actor=None, holder=world.resident, kind=disability, issuing_department=world.yanta_civil_affairs,
        case=approved_case, valid_years=None,
    )  # fmt: skip
    assert (licence.case, licence.valid_until) == (approved_case, None)


def test_a_holder_of_another_city_gets_no_licence_from_this_one(world, disability) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        licence_issue(
            actor=None, holder=world.other_city_resident, kind=disability,
            issuing_department=world.yanta_civil_affairs,
        )  # fmt: skip


def test_a_revocation_needs_a_reason_and_an_approver_of_the_department(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence = issue(world, disability, today=MARCH)
    with pytest.raises(ValidationError) as missing:
        licence_revoke(actor=world.staff["approver"], licence=licence, reason="  ")
    assert missing.value.error_dict["reason"][0].code == "reason_required"
    with pytest.raises(PermissionDenied):
        licence_revoke(actor=world.staff["changan_reviewer"], licence=licence, reason="证件信息有误")
    revoked = licence_revoke(actor=world.staff["approver"], licence=licence, reason="证件信息有误")
    assert (revoked.status, revoked.revocation_reason) == (LicenceStatus.REVOKED, "证件信息有误")
    assert licences_valid_for(resident=world.resident, today=MARCH) == {}
    with pytest.raises(ValidationError) as again:
        licence_revoke(actor=world.staff["approver"], licence=licence, reason="重复")
    assert again.value.code == "illegal_transition"
    assert AuditEvent.objects.filter(action="licence.revoke", reason="证件信息有误").count() == 1


def test_a_licence_past_its_last_day_is_not_valid_even_before_the_job_runs(world, disability) -> None:  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        licence = issue(world, disability, valid_years=1)
    assert licence.valid_until == dt.date(2027, 2, 28)
    with time_machine.travel(dt.datetime(2027, 2, 28, 15, 0, tzinfo=dt.UTC), tick=False):  # 23:00 in Xi'an
        assert "disability_certificate" in licences_valid_for(resident=world.resident)
    with time_machine.travel(dt.datetime(2027, 2, 28, 17, 0, tzinfo=dt.UTC), tick=False):  # 01:00, 1 March
        assert licences_valid_for(resident=world.resident) == {}
        licence.refresh_from_db()
        assert licence.status == LicenceStatus.VALID, "the job has not run"
        assert licence.status_on(dt.date(2027, 3, 1)) == LicenceStatus.EXPIRED
        assert licences_expire() == 1
        assert licences_expire() == 0
    licence.refresh_from_db()
    assert licence.status == LicenceStatus.EXPIRED
    assert AuditEvent.objects.filter(action="licence.expire", object_id=str(licence.pk), actor=None).exists()


def test_a_re_issue_after_expiry_marks_the_old_one_expired_not_replaced(world, disability) -> None:  # type: ignore[no-untyped-def]
    old = issue(world, disability, valid_years=1, today=MARCH)
    issue(world, disability, valid_years=1, today=dt.date(2027, 6, 1))
    old.refresh_from_db()
    assert (old.status, old.revocation_reason) == (LicenceStatus.EXPIRED, "")


def test_the_command_and_the_task_expire_licences(world, disability, employment) -> None:  # type: ignore[no-untyped-def]
    issue(world, disability, valid_years=1, today=dt.date(2024, 1, 1))
    issue(world, employment, valid_years=1, today=dt.date(2024, 1, 1))
    out = io.StringIO()
    call_command("expire_licences", stdout=out)
    assert "expired 2 licence(s)" in out.getvalue()
    assert expire_licences.enqueue(reschedule=False).return_value == 0


def test_the_task_runs_again_after_the_next_midnight_in_xian() -> None:
    run = next_run(dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC))  # 01:00 on 2 March in Xi'an
    assert run.isoformat() == "2026-03-03T00:05:00+08:00"


@pytest.mark.parametrize(
    ("code", "initials"),
    [("disability_certificate", "DC"), ("resident_id_card", "RIC"), ("hukou", "HU"), ("a-b", "AB")],
)
def test_kind_initials_make_the_number_readable(code: str, initials: str) -> None:
    assert kind_initials(code) == initials


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_of_one_kind_leave_one_valid_licence_and_distinct_numbers(world, disability) -> None:  # type: ignore[no-untyped-def]
    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises writers); CI runs it there")
    numbers: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        numbers.append(issue(world, disability).number)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(numbers)) == 8
    assert Licence.objects.filter(status=LicenceStatus.VALID).count() == 1
    assert Licence.objects.filter(revocation_reason=REPLACED).count() == 7
