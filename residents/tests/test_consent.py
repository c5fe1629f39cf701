"""Consent: a resident lets a department read one kind of his data, and takes it back at once."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from residents.models import Assurance, Consent
from residents.registry import consent_grant, consent_revoke, consents_of, fact_record, facts_readable_by
from tests.factories import ResidentFactory, UserFactory
from tests.helpers import signed_in

PURPOSE = "核对残疾人补贴申请"


@pytest.fixture
def facts(world):  # type: ignore[no-untyped-def]
    for category, value in [
        ("disability", {"category": "physical", "grade": 2}),
        ("veteran", {"status": False}),
    ]:
        fact_record(
            actor=None,
            resident=world.resident,
            category=category,
            value=value,
            assurance=Assurance.VERIFIED,
            source_department=world.yanta_civil_affairs,
        )


def read_as(world, persona, **kwargs):  # type: ignore[no-untyped-def]
    return facts_readable_by(viewer=world.staff[persona], resident=world.resident, purpose=PURPOSE, **kwargs)


def test_consent_lets_the_department_read_that_kind_of_data_only(world, facts) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        read_as(world, "city_reviewer")
    consent_grant(resident_user=world.resident.user, department=world.city_civil_affairs, category="disability")
    assert list(read_as(world, "city_reviewer")) == ["disability"]
    assert list(read_as(world, "city_reviewer", categories=["disability"])) == ["disability"]
    with pytest.raises(PermissionDenied):
        read_as(world, "city_reviewer", categories=["disability", "veteran"])
    with pytest.raises(PermissionDenied):
        read_as(world, "reviewer")  # another department: the consent names one
    event = AuditEvent.objects.filter(action="registry.fact_read", outcome="success").first()
    assert event is not None
    assert event.details["basis"] == "consent"
    assert event.details["department"] == world.city_civil_affairs.name


def test_a_withdrawn_consent_refuses_the_next_read_at_once(world, facts) -> None:  # type: ignore[no-untyped-def]
    consent = consent_grant(resident_user=world.resident.user, department=world.city_civil_affairs, category="veteran")
    assert list(read_as(world, "city_reviewer")) == ["veteran"]
    consent_revoke(resident_user=world.resident.user, consent_id=consent.pk)
    with pytest.raises(PermissionDenied):
        read_as(world, "city_reviewer")
    assert list(consents_of(resident=world.resident)) == []
    actions = list(
        AuditEvent.objects.filter(subject_resident_id=world.resident.pk, action__startswith="registry.consent")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["registry.consent_grant", "registry.consent_revoke"]


def test_giving_the_same_consent_twice_keeps_one(world) -> None:  # type: ignore[no-untyped-def]
    kwargs = {"resident_user": world.resident.user, "department": world.city_civil_affairs, "category": "veteran"}
    assert consent_grant(**kwargs) == consent_grant(**kwargs)
    assert Consent.objects.count() == 1


def test_consent_is_given_and_withdrawn_by_the_resident_himself_only(world) -> None:  # type: ignore[no-untyped-def]
    consent = consent_grant(resident_user=world.resident.user, department=world.city_civil_affairs, category="veteran")
    with pytest.raises(PermissionDenied):
        consent_grant(resident_user=world.staff["reviewer"], department=world.city_civil_affairs, category="veteran")
    neighbour = UserFactory(username="13900000002", mobile="13900000002", role="resident", city=world.city)
    ResidentFactory(community=world.yanta_community, user=neighbour)
    with pytest.raises(Consent.DoesNotExist):
        consent_revoke(resident_user=neighbour, consent_id=consent.pk)
    assert Consent.objects.get().revoked_at is None


def test_consent_names_a_department_of_the_residents_city_and_a_known_kind(world) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import DepartmentFactory

    other_city = DepartmentFactory(district=world.other_city_resident.community.subdistrict.district)
    with pytest.raises(ValidationError):
        consent_grant(resident_user=world.resident.user, department=other_city, category="veteran")
    with pytest.raises(ValidationError):
        consent_grant(resident_user=world.resident.user, department=world.city_civil_affairs, category="income")


@pytest.mark.urls("residents.tests.urls_for_tests")
def test_the_resident_gives_and_withdraws_consent_on_his_privacy_page(world) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    response = client.post(
        reverse("privacy:consent_grant"), {"department": world.city_civil_affairs.pk, "category": "disability"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(resident=world.resident)
    page = client.get(reverse("privacy:page")).content.decode()
    assert world.city_civil_affairs.name in page
    assert reverse("privacy:consent_revoke", args=[consent.pk]) in page
    client.post(reverse("privacy:consent_revoke", args=[consent.pk]))
    consent.refresh_from_db()
    assert consent.revoked_at is not None


@pytest.mark.urls("residents.tests.urls_for_tests")
def test_the_consent_forms_refuse_bad_input_and_other_residents(world) -> None:  # type: ignore[no-untyped-def]
    client = signed_in(world.resident.user)
    client.post(reverse("privacy:consent_grant"), {"department": world.city_civil_affairs.pk, "category": "income"})
    assert not Consent.objects.exists()
    assert client.get(reverse("privacy:consent_grant")).status_code == 405
    neighbour = UserFactory(username="13900000003", mobile="13900000003", role="resident", city=world.city)
    ResidentFactory(community=world.yanta_community, user=neighbour)
    theirs = consent_grant(resident_user=neighbour, department=world.city_civil_affairs, category="veteran")
    assert client.post(reverse("privacy:consent_revoke", args=[theirs.pk])).status_code == 404
    staff = signed_in(world.staff["reviewer"])
    assert staff.post(reverse("privacy:consent_revoke", args=[theirs.pk])).status_code == 403
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
