"""Versioning, editor scope and consistency checks of service items."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogue.models import ServiceItem, VersionStatus
from catalogue.services import item_create, item_draft_start, item_draft_update, item_publish
from catalogue.tests.conftest import guide_content, list_step
from licences.models import LicenceKind


def test_publishing_a_new_version_supersedes_the_old_one_which_is_kept(published_item, editors) -> None:  # type: ignore[no-untyped-def]
    v1 = published_item.current_version
    draft = item_draft_start(actor=editors["civil"], item=published_item)
    assert draft.number == 2
    assert [m.name for m in draft.materials.all()] == ["居民身份证"], "materials are copied into the draft"
    item_draft_update(actor=editors["civil"], version=draft, content={"promised_days": 15})
    published_item.refresh_from_db()
    assert published_item.current_version == v1, "a draft changes nothing residents see"
    item_publish(actor=editors["civil"], version=draft)
    published_item.refresh_from_db()
    v1.refresh_from_db()
    assert published_item.current_version.number == 2
    assert published_item.current_version.promised_days == 15
    assert v1.status == VersionStatus.SUPERSEDED
    assert v1.promised_days == 20, "the old version (and cases filed under it) keep their terms"


def test_a_published_version_cannot_be_edited(published_item, editors) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        item_draft_update(actor=editors["civil"], version=published_item.current_version, content={"promised_days": 1})
    assert exc.value.code == "not_a_draft"


def test_an_editor_cannot_touch_another_departments_items(published_item, editors, world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied):
        item_draft_start(actor=editors["hr"], item=published_item)
    with pytest.raises(PermissionDenied):
        item_create(
            actor=editors["hr"], city=world.city, code="CA-999", department_kind="civil_affairs",
            handling_level="district", content=guide_content(),
        )  # fmt: skip
    hr_item = item_create(
        actor=editors["hr"], city=world.city, code="HR-001", department_kind="human_resources",
        handling_level="district", content=guide_content(name="就业登记"),
    )  # fmt: skip
    assert hr_item.versions.get().status == VersionStatus.DRAFT


def test_the_editor_admin_shows_only_the_own_departments_items(published_item, editors) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import signed_in

    civil = signed_in(editors["civil"]).get("/admin/catalogue/serviceitem/")
    hr = signed_in(editors["hr"]).get("/admin/catalogue/serviceitem/")
    assert civil.status_code == hr.status_code == 200
    assert "CA-001" in civil.content.decode()
    assert "CA-001" not in hr.content.decode()
    assert signed_in(editors["hr"]).get(f"/admin/catalogue/serviceitem/{published_item.pk}/change/").status_code in (
        302,
        403,
        404,
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"promised_days": 40}, "promised_exceeds_statutory"),
        (
            {"kind": "instant", "process_steps": [{"name": "现场核验", "on_site": True}], "max_visits": 1},
            "instant_with_visit",
        ),
        ({"max_visits": 1}, "visit_not_on_negative_list"),
        ({"form_definition": [{"name": "Bad Name", "label": "x", "type": "colour"}]}, "form_definition"),
    ],
)
def test_inconsistent_items_are_refused_with_a_clear_reason(world, editors, overrides, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        item = item_create(
            actor=editors["civil"], city=world.city, code="CA-002", department_kind="civil_affairs",
            handling_level="district", content=guide_content(**overrides),
        )  # fmt: skip
        item_publish(actor=editors["civil"], version=item.versions.get())
    codes = {e.code for e in exc.value.error_list} if hasattr(exc.value, "error_list") else set()
    codes |= {e.code for errors in getattr(exc.value, "error_dict", {}).values() for e in errors}
    assert code in codes
    assert all(m for m in exc.value.messages), "every problem has a message"


def test_a_material_naming_an_unknown_licence_kind_is_refused(world, editors) -> None:  # type: ignore[no-untyped-def]
    materials = [{"name": "残疾人证", "form": "electronic", "licence_kind": "no_such_licence"}]
    with pytest.raises(ValidationError) as exc:
        item_create(
            actor=editors["civil"], city=world.city, code="CA-003", department_kind="civil_affairs",
            handling_level="district", content=guide_content(materials=materials),
        )  # fmt: skip
    assert "no_such_licence" in " ".join(exc.value.messages)
    assert not ServiceItem.objects.filter(code="CA-003").exists(), "nothing half-written"
    LicenceKind.objects.create(code="disability_certificate", name="残疾人证")
    materials[0]["licence_kind"] = "disability_certificate"
    item = item_create(
        actor=editors["civil"], city=world.city, code="CA-003", department_kind="civil_affairs",
        handling_level="district", content=guide_content(materials=materials),
    )  # fmt: skip
    assert item.versions.get().materials.get().licence_kind.code == "disability_certificate"


def test_an_item_with_a_visit_publishes_once_the_step_is_on_the_negative_list(world, editors) -> None:  # type: ignore[no-untyped-def]
    item = item_create(
        actor=editors["civil"], city=world.city, code="CA-004", department_kind="civil_affairs",
        handling_level="district",
        content=guide_content(max_visits=1, process_steps=[{"name": "入户调查", "on_site": True}]),
    )  # fmt: skip
    list_step(item, world)
    item_publish(actor=editors["civil"], version=item.versions.get())
    item = ServiceItem.objects.with_online_level().get(pk=item.pk)
    assert item.online_level == "at_most_one_visit"
