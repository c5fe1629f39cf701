"""The data tracker (谁查看了我的信息): every read of a resident's personal data, on his privacy page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEvent
from audit.services import audit_record
from residents.models import Assurance
from residents.registry import (
    api_key_create,
    data_access_entry,
    data_accesses_of,
    fact_record,
    facts_readable_by,
    facts_readable_by_department,
)
from residents.selectors import resident_get_for
from residents.services import resident_reveal
from residents.tests.test_registry import STATUTORY
from tests.helpers import signed_in

pytestmark = pytest.mark.urls("residents.tests.urls_for_tests")

REASON = "核对低保申请人身份"


def privacy_page(world) -> str:  # type: ignore[no-untyped-def]
    response = signed_in(world.resident.user).get(reverse("privacy:page"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_staff_reveal_of_the_full_id_number_appears_on_the_residents_privacy_page(world) -> None:  # type: ignore[no-untyped-def]
    reviewer = world.staff["reviewer"]
    resident_reveal(actor=reviewer, resident_id=world.resident.pk, field="id_number", reason=REASON)
    entry = data_access_entry(data_accesses_of(resident=world.resident).get())
    assert (entry.who, entry.department, entry.why) == (reviewer.display_name, world.yanta_civil_affairs.name, REASON)
    assert entry.role == Role.REVIEWER.label
    page = privacy_page(world)
    assert reviewer.display_name in page
    assert REASON in page
    assert world.yanta_civil_affairs.name in page
    assert world.resident.id_number not in page, "the page shows who looked, never the full value"


def test_registry_reads_by_staff_and_by_a_departments_system_are_listed_with_their_department(world) -> None:  # type: ignore[no-untyped-def]
    fact_record(
        actor=None,
        resident=world.resident,
        category="veteran",
        value={"status": True},
        assurance=Assurance.VERIFIED,
        source_department=world.yanta_civil_affairs,
    )
    facts_readable_by(viewer=world.staff["city_reviewer"], resident=world.resident, purpose=STATUTORY)
    key, _plain = api_key_create(actor=world.staff["city_admin"], department=world.yanta_civil_affairs, name="优抚系统")
    facts_readable_by_department(
        department=world.yanta_civil_affairs, resident=world.resident, purpose=STATUTORY, api_key=key
    )
    api_read, staff_read = (data_access_entry(e) for e in data_accesses_of(resident=world.resident))
    assert (api_read.who, api_read.department, api_read.by_system) == ("优抚系统", world.yanta_civil_affairs.name, True)
    assert (staff_read.who, staff_read.department) == (world.staff["city_reviewer"].display_name, "市民政局")
    assert api_read.data == staff_read.data != ""
    page = privacy_page(world)
    assert "优抚系统" in page and "市民政局" in page and STATUTORY in page


def test_only_successful_reads_of_his_own_data_are_listed(world) -> None:  # type: ignore[no-untyped-def]
    resident_get_for(viewer=world.staff["reviewer"], resident_id=world.resident.pk, purpose="查看居民档案")
    resident_get_for(viewer=world.staff["city_admin"], resident_id=world.resident_changan.pk, purpose="另一位居民")
    audit_record(action="resident.register", actor=world.resident.user, subject_resident_id=world.resident.pk)
    audit_record(
        action="registry.fact_read",
        actor=world.staff["changan_reviewer"],
        subject_resident_id=world.resident.pk,
        outcome="denied",
        reason="被拒绝的读取",
    )
    assert [e.reason for e in data_accesses_of(resident=world.resident)] == ["查看居民档案"]
    page = privacy_page(world)
    assert "另一位居民" not in page and "被拒绝的读取" not in page


def test_the_resident_reading_his_own_data_leaves_no_trace(world) -> None:  # type: ignore[no-untyped-def]
    privacy_page(world)
    facts_readable_by(viewer=world.resident.user, resident=world.resident, purpose="")
    assert not data_accesses_of(resident=world.resident).exists()


def test_the_privacy_page_is_for_residents_only(world, client) -> None:  # type: ignore[no-untyped-def]
    assert signed_in(world.staff["reviewer"]).get(reverse("privacy:page")).status_code == 403
    response = client.get(reverse("privacy:page"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_the_privacy_page_takes_the_same_few_queries_however_many_reads_there_are(
    world, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    staff = [world.staff[p] for p in ("reviewer", "counter_clerk", "community_worker", "city_reviewer")]
    resident_reveal(actor=staff[0], resident_id=world.resident.pk, field="mobile", reason=REASON)
    with CaptureQueriesContext(connection) as one_read:
        client.get(reverse("privacy:page"))
    for n in range(45):
        resident_get_for(viewer=staff[n % len(staff)], resident_id=world.resident.pk, purpose=f"查看 {n}")
    with django_assert_max_num_queries(len(one_read)):
        page = client.get(reverse("privacy:page")).content.decode()
    assert len(one_read) <= 10
    assert "查看 44" in page and "查看 24" not in page, "newest first, twenty a page"
    assert "查看 24" in client.get(reverse("privacy:page"), {"page": 2}).content.decode()
    assert AuditEvent.objects.filter(subject_resident_id=world.resident.pk).count() == 46
