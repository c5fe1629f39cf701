import datetime as dt

import pytest
from django.core.cache import cache

from cases.models import Case, CaseStatus, Channel, Outcome
from catalogue.services import item_create, item_publish
from catalogue.tests.conftest import guide_content
from licences.models import Licence, LicenceKind
from licences.services import licence_issue


@pytest.fixture(autouse=True)
def locmem_cache(settings):  # type: ignore[no-untyped-def]
    """A fresh local-memory cache per test: the verification rate limit counts in it."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "licences"}}
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def disability(db) -> LicenceKind:  # type: ignore[no-untyped-def]
    return LicenceKind.objects.create(code="disability_certificate", name="残疾人证", name_en="Disability certificate")


@pytest.fixture
def employment(db) -> LicenceKind:  # type: ignore[no-untyped-def]
    return LicenceKind.objects.create(
        code="employment_certificate", name="就业创业证", name_en="Employment certificate"
    )


def issue(world, kind: LicenceKind, *, valid_years: int | None = 5, today: dt.date | None = None) -> Licence:  # type: ignore[no-untyped-def]
    return licence_issue(
        actor=world.staff["approver"],
        holder=world.resident,
        kind=kind,
        issuing_department=world.yanta_civil_affairs,
        valid_years=valid_years,
        today=today,
    )


@pytest.fixture
def approved_case(world, disability):  # type: ignore[no-untyped-def]
    """The resident's application, approved by 雁塔区民政局 (built directly: the workflow is tested in cases)."""
    item = item_create(
        actor=None, city=world.city, code="CA-009", department_kind="civil_affairs", handling_level="district",
        content=guide_content(issues_licence_kind="disability_certificate"),
    )  # fmt: skip
    item_publish(actor=None, version=item.versions.get())
    item.refresh_from_db()
    return Case.objects.create(
        city=world.city,
        number="XA-20260301-000001",
        item=item,
        item_version=item.current_version,
        resident=world.resident,
        created_by=world.resident.user,
        channel=Channel.ONLINE,
        status=CaseStatus.CONCLUDED,
        outcome=Outcome.APPROVED,
        handling_department=world.yanta_civil_affairs,
    )
