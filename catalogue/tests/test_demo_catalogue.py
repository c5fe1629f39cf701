"""The demo-catalogue loader: the Xi'an file publishes a realistic catalogue, and loading is idempotent."""

import datetime as dt
import json
from collections import Counter
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from catalogue.demo import (
    DEFAULT_CATALOGUE_FILE,
    CatalogueDataError,
    CatalogueLoadSummary,
    catalogue_demo_load,
    read_catalogue_file,
)
from catalogue.models import (
    Category,
    EntryState,
    ItemKind,
    NegativeListEntry,
    OnlineLevel,
    ServiceItem,
    ServiceItemVersion,
    Synonym,
    VersionStatus,
)
from core.demo import DEFAULT_DEMO_FILE, demo_data_load
from core.models import City, Department
from licences.models import LicenceKind

REPORT_DAY = dt.date(2026, 11, 29)


@pytest.fixture
def city(db: None) -> City:
    demo_data_load(path=DEFAULT_DEMO_FILE, password="x-Demo-2026-pass")
    return City.objects.get(code="610100")


@pytest.fixture
def loaded(city: City) -> CatalogueLoadSummary:
    return catalogue_demo_load(path=DEFAULT_CATALOGUE_FILE)


def edited_copy(tmp_path: Path, edit: Any) -> Path:
    """A copy of the demo file with `edit(data)` applied, to load instead of the real one."""
    data = read_catalogue_file(DEFAULT_CATALOGUE_FILE)
    edit(data)
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def item_row(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(row for row in data["items"] if row["code"] == code)


def catalogue_rows() -> dict[str, int]:
    models = (LicenceKind, Category, Synonym, ServiceItem, ServiceItemVersion, NegativeListEntry)
    return {model.__name__: model._default_manager.count() for model in models}


def test_the_demo_file_publishes_at_least_42_items(loaded: CatalogueLoadSummary, city: City) -> None:
    items = ServiceItem.objects.filter(city=city).published()

    assert items.count() >= 42
    assert not ServiceItemVersion.objects.filter(status=VersionStatus.DRAFT).exists()
    assert loaded.published_versions == items.count()


def test_every_department_kind_in_the_file_exists_or_is_reported(loaded: CatalogueLoadSummary, city: City) -> None:
    items = read_catalogue_file(DEFAULT_CATALOGUE_FILE)["items"]
    kinds = {row["department_kind"] for row in items}
    with_department = set(Department.objects.filter(city=city).values_list("kind", flat=True))

    assert kinds <= set(Department.Kind.values)
    for kind in kinds - with_department:  # reported, not hidden: the items load, routing waits
        codes = [row["code"] for row in items if row["department_kind"] == kind]
        assert any(kind in warning and all(code in warning for code in codes) for warning in loaded.warnings)
    assert {"civil_affairs", "human_resources", "healthcare_security", "disabled_persons"} <= kinds & with_department


def test_instant_items_are_a_real_share_and_none_needs_a_visit(loaded: CatalogueLoadSummary) -> None:
    instant = ServiceItemVersion.objects.filter(status=VersionStatus.PUBLISHED, kind=ItemKind.INSTANT)

    assert instant.count() >= 8
    for version in instant:
        assert version.on_site_steps == [], version.name
        assert version.max_visits == 0
        assert version.promised_days == 0


def test_the_negative_list_has_open_overdue_and_removed_entries(loaded: CatalogueLoadSummary, city: City) -> None:
    entries = NegativeListEntry.objects.filter(city=city)
    open_entries = list(entries.open())

    assert open_entries
    assert any(entry.is_overdue(REPORT_DAY) for entry in open_entries)
    assert any(not entry.is_overdue(REPORT_DAY) for entry in open_entries)
    removed = entries.filter(state=EntryState.REMOVED)
    assert removed.count() >= 3
    assert all(entry.removed_on and entry.removed_reason for entry in removed)
    assert {entry.owner_department.district_id is None for entry in entries} == {True, False}


def test_every_online_level_occurs(loaded: CatalogueLoadSummary, city: City) -> None:
    levels = Counter(item.online_level for item in ServiceItem.objects.filter(city=city).with_online_level())

    assert set(levels) == set(OnlineLevel.values)
    assert levels[OnlineLevel.FULLY_ONLINE] > levels[OnlineLevel.AT_MOST_ONE_VISIT] > levels[OnlineLevel.ON_SITE]


def test_loading_twice_creates_and_updates_nothing(loaded: CatalogueLoadSummary) -> None:
    rows_after_first = catalogue_rows()

    second = catalogue_demo_load(path=DEFAULT_CATALOGUE_FILE)

    assert (second.created, second.updated, second.unchanged) == (0, 0, loaded.total)
    assert second.published_versions == 0
    assert catalogue_rows() == rows_after_first


def test_an_edited_summary_publishes_version_2_and_supersedes_version_1(
    loaded: CatalogueLoadSummary, city: City, tmp_path: Path
) -> None:
    def edit(data: dict[str, Any]) -> None:
        item_row(data, "CA-001")["content"]["summary"] = "低保申请的新说明。"

    summary = catalogue_demo_load(path=edited_copy(tmp_path, edit))

    item = ServiceItem.objects.get(city=city, code="CA-001")
    assert (summary.counts["ServiceItem"].updated, summary.published_versions) == (1, 1)
    assert item.current_version is not None
    assert (item.current_version.number, item.current_version.summary) == (2, "低保申请的新说明。")
    assert item.versions.get(number=1).status == VersionStatus.SUPERSEDED
    assert item.current_version.materials.count() == item.versions.get(number=1).materials.count()


def test_an_entry_the_file_marks_removed_is_taken_off_the_list_on_reload(
    loaded: CatalogueLoadSummary, city: City, tmp_path: Path
) -> None:
    def edit(data: dict[str, Any]) -> None:
        content = item_row(data, "DP-001")["content"]
        for step in content["process_steps"]:
            step["on_site"] = False
        content["max_visits"] = 0
        entry = next(row for row in data["negative_list"] if row["item"] == "DP-001")
        entry.update(removed_on="2026-11-20", removed_reason="远程视频评定已获批准。")

    summary = catalogue_demo_load(path=edited_copy(tmp_path, edit))

    item = ServiceItem.objects.get(city=city, code="DP-001")
    entry = NegativeListEntry.objects.get(item=item)
    assert (entry.state, entry.removed_on) == (EntryState.REMOVED, dt.date(2026, 11, 20))
    assert summary.counts["NegativeListEntry"].updated == 1
    assert item.online_level == OnlineLevel.FULLY_ONLINE
    assert item.current_version is not None and item.current_version.number == 2


def test_a_category_change_alone_publishes_a_new_version(
    loaded: CatalogueLoadSummary, city: City, tmp_path: Path
) -> None:
    def edit(data: dict[str, Any]) -> None:
        item_row(data, "HR-006")["categories"] = ["employment", "other"]

    summary = catalogue_demo_load(path=edited_copy(tmp_path, edit))

    item = ServiceItem.objects.get(city=city, code="HR-006")
    assert summary.published_versions == 1
    assert sorted(item.categories.values_list("code", flat=True)) == ["employment", "other"]


def test_a_promise_longer_than_the_law_allows_loads_nothing(city: City, tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        item_row(data, "HR-004")["content"]["promised_days"] = 60  # statutory: 45

    with pytest.raises(CatalogueDataError, match="HR-004"):
        catalogue_demo_load(path=edited_copy(tmp_path, edit))

    assert set(catalogue_rows().values()) == {0}


def test_an_on_site_step_missing_from_the_negative_list_is_refused(city: City, tmp_path: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        data["negative_list"] = [row for row in data["negative_list"] if row["item"] != "DP-001"]

    with pytest.raises(CatalogueDataError, match=r"DP-001.*现场评定残疾等级"):
        catalogue_demo_load(path=edited_copy(tmp_path, edit))


def test_the_catalogue_needs_the_city_first(db: None) -> None:
    with pytest.raises(CatalogueDataError, match="load_demo_data"):
        catalogue_demo_load(path=DEFAULT_CATALOGUE_FILE)


def test_the_command_reports_nothing_changed_on_a_second_run(loaded: CatalogueLoadSummary) -> None:
    out = StringIO()

    call_command("load_demo_catalogue", stdout=out)

    assert "nothing changed" in out.getvalue()
    assert "Versions published: 0" in out.getvalue()


@override_settings(PRODUCTION=True)
def test_the_command_refuses_to_run_in_production(db: None) -> None:
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo_catalogue", stdout=StringIO())
