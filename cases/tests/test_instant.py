"""Instant decisions and the reuse of what the platform already knows."""

import pytest

from cases import services
from cases.intake import case_attach_material, case_start, case_submit
from cases.tests.conftest import jpeg_bytes
from catalogue.models import ServiceItem
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from core.models import Department
from licences.models import LicenceKind
from licences.selectors import licences_valid_for
from licences.services import licence_issue
from residents.registry import fact_record, facts_current
from tests.factories import DepartmentFactory

RULES = {
    "all": [
        {"fact": "licence.disability_certificate", "op": "is_true", "label": "持有有效残疾人证"},
        {"fact": "resident.in_city", "op": "is_true", "label": "本市居民"},
        {"fact": "minimum_allowance.receiving", "op": "is_true", "label": "正在享受低保"},
        {"fact": "case.already_approved", "op": "is_false", "label": "未重复申领"},
    ],
    "otherwise": "refer",
}


@pytest.fixture
def disability(world):  # type: ignore[no-untyped-def]
    return disability_subsidy_item(world)


def disability_subsidy_item(world):  # type: ignore[no-untyped-def]
    """An instant 困难残疾人生活补贴 item whose certificate an e-licence can stand in for."""
    kind = LicenceKind.objects.create(code="disability_certificate", name="残疾人证")
    federation = DepartmentFactory(district=world.yanta, kind=Department.Kind.DISABLED_PERSONS, name="雁塔区残联")
    content = guide_content(
        name="困难残疾人生活补贴申请",
        kind="instant",
        promised_days=0,
        statutory_days=0,
        max_visits=0,
        form_definition=[
            {
                "name": "id_number",
                "label": "身份证号",
                "type": "id_number",
                "required": True,
                "registry_fact": "identity",
            },
            {"name": "phone", "label": "电话", "type": "text", "required": True, "registry_fact": "mobile"},
        ],
        materials=[
            {
                "name": "残疾人证",
                "form": "original",
                "licence_kind": "disability_certificate",
                "registry_fact": "disability",
            }
        ],
        decision_rules=RULES,
    )
    item = item_create(
        actor=None,
        city=world.city,
        code="DP-009",
        department_kind="disabled_persons",
        handling_level="district",
        content=content,
    )
    item_publish(actor=None, version=item.versions.get())
    return {"item": ServiceItem.objects.get(pk=item.pk), "kind": kind, "federation": federation}


def apply(world, item):  # type: ignore[no-untyped-def]
    user = world.resident.user
    case = case_start(actor=user, item=item, resident=world.resident)
    values = {"id_number": world.resident.id_number, "phone": world.resident.mobile}
    return case_submit(actor=user, case=case, form_data=values, prefill=values)


def test_a_resident_with_a_licence_and_registry_data_is_approved_on_the_spot(world, disability) -> None:  # type: ignore[no-untyped-def]
    licence_issue(
        actor=None, holder=world.resident, kind=disability["kind"], issuing_department=disability["federation"]
    )
    fact_record(
        actor=None,
        resident=world.resident,
        category="minimum_allowance",
        value={"receiving": True, "since": "2025-06-01"},
        assurance="verified",
        source_department=world.yanta_civil_affairs,
    )
    case = apply(world, disability["item"])
    assert (case.status, case.outcome) == ("concluded", "approved")
    assert (case.fields_typed, case.fields_prefilled) == (0, 2), "he typed nothing he had already given"
    material = case.materials.get()
    assert (material.source, material.trust_level) == ("e_licence", "A"), "the certificate came from his e-licence"
    checks = case.decision["checks"]
    assert [c["passed"] for c in checks] == [True, True, True, True]
    assert any("雁塔区民政局" in (c["source"] or "") for c in checks), "each check names its source"
    assert case.decision["decided_in_ms"] < 1000
    again = apply(world, disability["item"])
    assert again.status == "submitted", "a second claim is referred to a person"
    assert "未重复申领" in again.history.get(action="refer").reason


def test_without_the_licence_the_material_must_be_uploaded_and_the_case_is_referred(world, disability) -> None:  # type: ignore[no-untyped-def]
    user = world.resident.user
    case = case_start(actor=user, item=disability["item"], resident=world.resident)
    slot = disability["item"].current_version.materials.get().pk
    case_attach_material(actor=user, case=case, required_material_id=slot, name="card.jpg", stream=jpeg_bytes())
    case = case_submit(
        actor=user, case=case, form_data={"id_number": world.resident.id_number, "phone": world.resident.mobile}
    )
    assert case.status == "submitted"
    failed = [c["label"] for c in case.decision["checks"] if not c["passed"]]
    assert "持有有效残疾人证" in failed[0]
    assert case.history.filter(action="refer").exists()


def test_approving_an_item_that_issues_a_licence_issues_it_and_records_the_facts(world, item) -> None:  # type: ignore[no-untyped-def]
    from cases.tests.test_workflow import submitted_case

    kind = LicenceKind.objects.create(code="minimum_allowance_certificate", name="低保证")
    version = item.current_version
    version.issues_licence_kind = kind
    version.save(update_fields=["issues_licence_kind"])
    case = services.case_accept(actor=world.staff["counter_clerk"], case=submitted_case(world, item))
    case = services.case_start_review(actor=world.staff["reviewer"], case=case)
    services.case_approve(actor=world.staff["approver"], case=case)
    licence = licences_valid_for(resident=world.resident)["minimum_allowance_certificate"]
    assert licence.case == case and licence.issuing_department == world.yanta_civil_affairs
    fact = facts_current(resident=world.resident)["minimum_allowance"]
    assert fact.value["receiving"] is True and fact.source_case == case, "the next case needs none of it"


def test_the_handling_department_reads_the_registry_for_the_case_and_the_read_is_tracked(world, item) -> None:  # type: ignore[no-untyped-def]
    from audit.models import AuditEvent
    from cases.tests.test_workflow import submitted_case
    from tests.helpers import signed_in

    fact_record(
        actor=None,
        resident=world.resident,
        category="minimum_allowance",
        value={"receiving": True, "since": "2025-06-01"},
        assurance="verified",
        source_department=world.yanta_civil_affairs,
    )
    case = submitted_case(world, item)
    page = signed_in(world.staff["reviewer"]).get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="facts"' in page
    read = AuditEvent.objects.get(action="registry.fact_read", subject_resident_id=world.resident.pk)
    assert read.actor == world.staff["reviewer"] and case.number in read.reason
    other = signed_in(world.staff["city_admin"]).get(f"/cases/{case.number}/").content.decode()
    assert 'data-testid="facts"' not in other, "no department, no registry data"
