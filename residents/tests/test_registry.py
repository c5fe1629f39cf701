"""The shared registry: fact schemas, versions kept on edit, optimistic locking, and the access rule."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEvent
from cases.intake import case_start, case_submit
from cases.models import Case
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from core.errors import Conflict
from residents.models import Assurance, Resident, ResidentFact
from residents.registry import fact_history, fact_record, facts_current, facts_readable_by
from tests.factories import ResidentFactory

STATUTORY = "statutory: Social Assistance Measures art. 11, annual review of the minimum allowance"


def submitted_case(world, resident: Resident, *, code: str = "CA-REG") -> Case:  # type: ignore[no-untyped-def]
    """A district civil-affairs application filed at the 雁塔区 counter: it is routed to the civil
    affairs bureau of the resident's home district."""
    item = item_create(
        actor=None,
        city=world.city,
        code=code,
        department_kind="civil_affairs",
        handling_level="district",
        content=guide_content(materials=[]),
    )
    item_publish(actor=None, version=item.versions.get())
    item.refresh_from_db()
    clerk = world.staff["counter_clerk"]
    case = case_start(actor=clerk, item=item, resident=resident)
    return case_submit(actor=clerk, case=case, form_data={"members": "3"})


def disability(world, grade: int = 2, **kwargs):  # type: ignore[no-untyped-def]
    return fact_record(
        actor=None,
        resident=world.resident,
        category="disability",
        value={"category": "physical", "grade": grade},
        assurance=Assurance.VERIFIED,
        source_department=world.yanta_civil_affairs,
        **kwargs,
    )


def codes(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in exc.error_dict.items()}  # type: ignore[misc]


# --- Facts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("grade", [0, 5, "2", 2.5, True, None])
def test_a_disability_grade_outside_1_to_4_is_refused_naming_the_field(world, grade) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        disability(world, grade=grade)
    assert codes(refused.value) == {"grade": ["invalid_grade"]}
    assert "grade" in " ".join(refused.value.messages)
    assert not ResidentFact.objects.exists()


def test_an_unknown_kind_of_data_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        fact_record(
            actor=None, resident=world.resident, category="criminal_record", value={}, assurance=Assurance.DECLARED
        )
    assert codes(refused.value) == {"category": ["unknown_category"]}


def test_missing_and_unexpected_fields_are_each_named(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        fact_record(
            actor=None,
            resident=world.resident,
            category="minimum_allowance",
            value={"receiving": "yes", "amount": 800},
            assurance=Assurance.VERIFIED,
            source_department=world.yanta_civil_affairs,
        )
    assert codes(refused.value) == {
        "receiving": ["invalid_receiving"],
        "since": ["required"],
        "amount": ["unknown_field"],
    }


@pytest.mark.parametrize(
    ("category", "value"),
    [
        ("minimum_allowance", {"receiving": True, "since": "2999-01-01"}),
        ("minimum_allowance", {"receiving": True, "since": "2024-13-01"}),
        ("pension_insurance", {"status": "maybe"}),
        ("employment", {"status": "student"}),
        ("veteran", {"status": 1}),
        ("household", {"relation": "neighbour"}),
        ("address", {"address": "  "}),
        ("identity", "王建国"),
    ],
)
def test_each_kind_checks_its_own_schema(world, category, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError):
        fact_record(
            actor=None,
            resident=world.resident,
            category=category,
            value=value,
            assurance=Assurance.VERIFIED,
            source_department=world.yanta_civil_affairs,
        )


def test_an_edit_adds_a_version_and_keeps_the_history(world) -> None:  # type: ignore[no-untyped-def]
    first = disability(world, grade=3)
    second = disability(world, grade=2, expected_version=1)
    assert (first.version, second.version) == (1, 2)
    assert facts_current(resident=world.resident) == {"disability": second}
    history = list(fact_history(resident=world.resident, category="disability"))
    assert [(f.version, f.value["grade"], f.is_current) for f in history] == [(2, 2, True), (1, 3, False)]
    recorded = AuditEvent.objects.filter(action="registry.fact_record", subject_resident_id=world.resident.pk)
    assert recorded.count() == 2
    assert "value" not in recorded.first().details, "the audit trail names the data, never its value"  # type: ignore[union-attr]


def test_an_edit_from_a_stale_version_is_refused_with_a_conflict(world) -> None:  # type: ignore[no-untyped-def]
    disability(world, grade=3, expected_version=0)
    disability(world, grade=2, expected_version=1)
    with pytest.raises(Conflict) as refused:
        disability(world, grade=1, expected_version=1)
    assert refused.value.code == "stale_fact"
    assert facts_current(resident=world.resident)["disability"].value["grade"] == 2
    assert ResidentFact.objects.count() == 2


def test_a_resident_declares_only_his_own_address_household_and_employment(world) -> None:  # type: ignore[no-untyped-def]
    user = world.resident.user
    fact = fact_record(
        actor=user,
        resident=world.resident,
        category="employment",
        value={"status": "flexible"},
        assurance=Assurance.DECLARED,
    )
    assert fact.recorded_by == user
    with pytest.raises(PermissionDenied):
        fact_record(
            actor=user, resident=world.resident, category="veteran", value={"status": True}, assurance="declared"
        )
    with pytest.raises(PermissionDenied):
        fact_record(
            actor=user,
            resident=world.resident_changan,
            category="address",
            value={"address": "韦曲北街1号"},
            assurance=Assurance.DECLARED,
        )


def test_a_verified_fact_is_recorded_by_staff_of_the_verifying_department(world) -> None:  # type: ignore[no-untyped-def]
    veteran = {"category": "veteran", "value": {"status": True}, "assurance": Assurance.VERIFIED}
    with pytest.raises(ValidationError) as refused:
        fact_record(actor=None, resident=world.resident, **veteran)
    assert codes(refused.value) == {"source_department": ["source_department_required"]}
    with pytest.raises(PermissionDenied):
        fact_record(
            actor=world.staff["city_reviewer"],
            resident=world.resident,
            source_department=world.yanta_civil_affairs,
            **veteran,
        )
    fact = fact_record(
        actor=world.staff["reviewer"], resident=world.resident, source_department=world.yanta_civil_affairs, **veteran
    )
    assert fact.source_department == world.yanta_civil_affairs


# --- The access rule ---------------------------------------------------------------------------


def reads(world, **filters):  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(subject_resident_id=world.resident.pk, action="registry.fact_read", **filters)


def test_the_handling_departments_reviewer_reads_for_a_case_he_handles(world) -> None:  # type: ignore[no-untyped-def]
    disability(world)
    case = submitted_case(world, world.resident)
    reviewer = world.staff["reviewer"]
    facts = facts_readable_by(viewer=reviewer, resident=world.resident, purpose="审核低保申请", case=case)
    assert list(facts) == ["disability"]
    event = reads(world).get()
    assert (event.actor, event.reason, event.outcome) == (reviewer, "审核低保申请", "success")
    assert event.details == {
        "categories": ["disability"],
        "department": world.yanta_civil_affairs.name,
        "basis": "case",
        "case": case.number,
    }


@pytest.mark.parametrize("persona", ["changan_reviewer", "city_reviewer", "counter_clerk", "city_admin"])
def test_another_department_or_district_reads_nothing_for_that_case(world, persona) -> None:  # type: ignore[no-untyped-def]
    disability(world)
    case = submitted_case(world, world.resident)
    with pytest.raises(PermissionDenied):
        facts_readable_by(viewer=world.staff[persona], resident=world.resident, purpose="审核低保申请", case=case)
    assert not reads(world, outcome="success").exists()


def test_a_case_of_another_resident_opens_nothing(world) -> None:  # type: ignore[no-untyped-def]
    other = submitted_case(world, ResidentFactory(community=world.yanta_community))
    with pytest.raises(PermissionDenied):
        facts_readable_by(viewer=world.staff["reviewer"], resident=world.resident, purpose="审核低保申请", case=other)
    denied = reads(world).get()
    assert denied.outcome == "denied"


def test_a_statutory_duty_named_in_the_purpose_allows_the_read_and_is_logged(world) -> None:  # type: ignore[no-untyped-def]
    disability(world)
    facts = facts_readable_by(
        viewer=world.staff["reviewer"], resident=world.resident, purpose=STATUTORY, categories=["disability"]
    )
    assert list(facts) == ["disability"]
    event = reads(world).get()
    assert event.reason == STATUTORY
    assert event.details["basis"] == "statutory"


def test_a_statutory_duty_in_chinese_counts_its_characters(world) -> None:  # type: ignore[no-untyped-def]
    purpose = "statutory：《社会救助暂行办法》第十一条 低保年度复核"
    assert facts_readable_by(viewer=world.staff["reviewer"], resident=world.resident, purpose=purpose) == {}


@pytest.mark.parametrize("purpose", ["statutory: review", "statutory:", "法定 statutory: 复核", "", "  看看 "])
def test_a_vague_or_missing_purpose_is_refused(world, purpose) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises((ValidationError, PermissionDenied)) as refused:
        facts_readable_by(viewer=world.staff["reviewer"], resident=world.resident, purpose=purpose)
    if isinstance(refused.value, ValidationError):
        assert codes(refused.value) == {"purpose": ["purpose_required"]}
    assert not reads(world, outcome="success").exists()


def test_a_district_departments_statutory_duty_ends_at_its_district(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        facts_readable_by(viewer=world.staff["changan_reviewer"], resident=world.resident, purpose=STATUTORY)
    facts_readable_by(viewer=world.staff["city_reviewer"], resident=world.resident, purpose=STATUTORY)
    assert [e.outcome for e in reads(world).order_by("id")] == ["denied", "success"]


def test_no_department_reads_another_citys_resident(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        facts_readable_by(viewer=world.staff["city_reviewer"], resident=world.other_city_resident, purpose=STATUTORY)


def test_the_resident_reads_his_own_facts_unrecorded_and_nobody_elses(world) -> None:  # type: ignore[no-untyped-def]
    disability(world)
    user = world.resident.user
    assert list(facts_readable_by(viewer=user, resident=world.resident, purpose="")) == ["disability"]
    assert not reads(world).exists()
    with pytest.raises(PermissionDenied):
        facts_readable_by(viewer=user, resident=world.resident_changan, purpose=STATUTORY)


def _concurrently(work, times: int) -> list[str]:  # type: ignore[no-untyped-def]
    import threading

    from django.db import connection

    outcomes: list[str] = []
    barrier = threading.Barrier(times)

    def worker(n: int) -> None:
        barrier.wait()
        try:
            work(n)
            outcomes.append("recorded")
        except Conflict as exc:
            outcomes.append(exc.code or "")
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_queue_and_only_one_from_the_same_version_wins(world) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrency needs PostgreSQL (SQLite serialises writers); CI runs it there")
    disability(world, grade=3)
    outcomes = _concurrently(lambda n: disability(world, grade=1 + n % 4, expected_version=1), 8)
    assert outcomes == ["recorded"] + ["stale_fact"] * 7
    assert _concurrently(lambda n: disability(world, grade=1 + n % 4), 8) == ["recorded"] * 8
    versions = [f.version for f in fact_history(resident=world.resident, category="disability")]
    assert versions == list(range(10, 0, -1))
    assert ResidentFact.objects.filter(is_current=True).get().version == 10
