"""Demo catalogue: one city's service items, their guides and its negative list, loaded from JSON.

The file holds the data (``catalogue/demo/xian-catalogue.json`` is the first city); this module
knows only its shape, so another city is another file. Shape::

    {"city": "610100",                                    # the City's code; load_demo_data made it
     "licence_kinds": [{code, name, name_en}],
     "categories": [{code, name, name_en, icon, position}],
     "synonyms": [{term, expansion}],
     "items": [{code, department_kind, handling_level, categories: [code],
                content: {<VERSION_FIELDS>, issues_licence_kind?, materials: [MATERIAL]}}],
     "negative_list": [{item, step, reason, owner, listed_on, target_date,
                        removed_on?, removed_reason?}]}        # owner: a Department code
    MATERIAL = {name, form, copies, required, licence_kind?, registry_fact?, note?}

Unlike core.demo, items and negative-list entries go through the catalogue services (with
actor=None, the system): publishing checks the rules an editor is held to (`version_problems`),
indexes the item for search and writes the audit trail, and a demo catalogue that an editor could
not have published would demonstrate nothing. Licence kinds, categories and synonyms have no
services; they are reference rows, written directly and compared before writing.

Loading is idempotent and additive. An item is created once; later runs publish a new version only
when the file's content differs from the published one, so versions pile up only when the file is
edited, exactly as they would if an editor made the edit. Negative-list entries are history: one is
found again by item, step and listing date, is removed when the file says so, and is never edited
or deleted. Rows missing from the file are left alone: cases may point at them.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from catalogue.models import (
    Category,
    EntryState,
    NegativeListEntry,
    RequiredMaterial,
    ServiceItem,
    ServiceItemVersion,
    Synonym,
    VersionStatus,
)
from catalogue.services import (
    MATERIAL_FIELDS,
    VERSION_FIELDS,
    item_create,
    item_draft_start,
    item_draft_update,
    item_publish,
    negative_list_add,
    negative_list_remove,
)
from core.demo import Change, DemoLoadSummary, ModelCounts
from core.models import City, Department, District
from licences.models import LicenceKind

DEFAULT_CATALOGUE_FILE = Path(__file__).resolve().parent / "demo" / "xian-catalogue.json"

# The facts the resident registry can supply in place of a material or a form field. Nothing else
# checks these names, and a misspelt one would silently make residents upload what the city knows.
REGISTRY_FACTS = frozenset(
    {
        "identity", "household", "address", "disability", "minimum_allowance", "pension_insurance",
        "medical_insurance", "veteran", "employment", "mobile",
    }
)  # fmt: skip

_CONTENT_KEYS = frozenset(VERSION_FIELDS) | {"issues_licence_kind", "materials"}
_MATERIAL_KEYS = frozenset(MATERIAL_FIELDS) | {"licence_kind"}
_PROGRESS_EVERY = 10


class CatalogueDataError(Exception):
    """The catalogue file is malformed, inconsistent, or refers to something that does not exist."""


@dataclass
class CatalogueLoadSummary(DemoLoadSummary):
    """What a load did per model, how many versions it published, and what it could not fix.

    `warnings` name items that loaded fine but that no department can decide yet: the catalogue is
    still right, the city's organisation is what is missing.
    """

    published_versions: int = 0
    warnings: list[str] = field(default_factory=list)


def read_catalogue_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogueDataError("no such file") from None
    except json.JSONDecodeError as exc:
        raise CatalogueDataError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("city"), str):
        raise CatalogueDataError("no 'city' code at the top level")
    return data


@transaction.atomic
def catalogue_demo_load(*, path: Path, progress: Callable[[str], None] | None = None) -> CatalogueLoadSummary:
    """Create, update and publish everything in the catalogue file; a second run changes nothing.

    One transaction, so an item that cannot be published leaves the database as it was rather
    than with half a catalogue. The file is checked as a whole first, then row by row by the
    services. `progress` receives a line per section and a running count of items.
    """
    data = read_catalogue_file(path)
    city = City.objects.filter(code=data["city"]).first()
    if city is None:
        raise CatalogueDataError(f"the city {data['city']} does not exist yet: run `manage.py load_demo_data` first")
    items = _list(data, "items")
    entries = _list(data, "negative_list")
    _check_file(items, entries)
    loader = _Loader(city=city, progress=progress or _ignore)
    loader.load(data, items, entries)
    return loader.summary


# --- checks on the file as a whole ---------------------------------------------------------------


def _list(data: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    rows = data.get(key, [])
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise CatalogueDataError(f"{key!r} must be a list of objects")
    return rows


def _field(row: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in row:
        raise CatalogueDataError(f"{where}: {key!r} is missing")
    return row[key]


def _date(row: Mapping[str, Any], key: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(_field(row, key, where)))
    except ValueError:
        raise CatalogueDataError(f"{where}: {key} must be a date (YYYY-MM-DD), not {row[key]!r}") from None


def _check_file(items: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
    """Rules no service checks, because only the file as a whole can break them.

    The online level shown to residents is derived from the negative list, so the list and the
    guides must tell the same story: every on-site step is listed (or the whole item is), and an
    open entry for a step names an on-site step of that item.
    """
    by_code: dict[str, dict[str, Any]] = {}
    for row in items:
        code = str(_field(row, "code", "an item"))
        if code in by_code:
            raise CatalogueDataError(f"item {code}: the code is used twice")
        by_code[code] = row
        _check_item(code, row)
    open_steps: dict[str, set[str]] = {}
    for row in entries:
        code = str(_field(row, "item", "a negative-list entry"))
        step = str(row.get("step", ""))
        where = f"item {code}, negative-list entry {step or '(whole item)'}"
        if code not in by_code:
            raise CatalogueDataError(f"{where}: the item is not in the file")
        for key in ("reason", "owner"):
            _field(row, key, where)
        listed_on = _date(row, "listed_on", where)
        _date(row, "target_date", where)
        if row.get("removed_on"):
            if _date(row, "removed_on", where) < listed_on:
                raise CatalogueDataError(f"{where}: removed_on is before listed_on")
            if not str(row.get("removed_reason", "")).strip():
                raise CatalogueDataError(f"{where}: a removed entry needs a removed_reason")
            continue
        steps = _on_site_steps(by_code[code])
        if step and step not in steps:
            raise CatalogueDataError(f"{where}: {step!r} is not an on-site step of the item")
        open_steps.setdefault(code, set()).add(step)
    for code, row in by_code.items():
        listed = open_steps.get(code, set())
        for step in _on_site_steps(row):
            if step not in listed and "" not in listed:
                raise CatalogueDataError(
                    f"item {code}: the on-site step {step!r} is not on the negative list; "
                    "list it (or the whole item) with a reason, an owner and a target date"
                )


def _check_item(code: str, row: Mapping[str, Any]) -> None:
    where = f"item {code}"
    if row.get("department_kind") not in Department.Kind.values:
        raise CatalogueDataError(f"{where}: department_kind must be one of {Department.Kind.values}")
    if row.get("handling_level") not in Department.Level.values:
        raise CatalogueDataError(f"{where}: handling_level must be one of {Department.Level.values}")
    if not isinstance(row.get("categories", []), list):
        raise CatalogueDataError(f"{where}: categories must be a list of category codes")
    content = _field(row, "content", where)
    if not isinstance(content, dict):
        raise CatalogueDataError(f"{where}: content must be an object")
    unknown = sorted(set(content) - _CONTENT_KEYS)
    if unknown:
        raise CatalogueDataError(f"{where}: unknown content fields {', '.join(unknown)}")
    for key in ("name", "statutory_days", "promised_days"):
        _field(content, key, where)
    steps = content.get("process_steps", [])
    if not isinstance(steps, list) or not all(isinstance(s, dict) and s.get("name") for s in steps):
        raise CatalogueDataError(f"{where}: process_steps must be a list of objects with a name")
    for position, form_field in enumerate(content.get("form_definition", []), start=1):
        fact = form_field.get("registry_fact") if isinstance(form_field, dict) else None
        if fact and fact not in REGISTRY_FACTS:
            raise CatalogueDataError(f"{where}: form field {position} has an unknown registry_fact {fact!r}")
    materials = content.get("materials", [])
    if not isinstance(materials, list):
        raise CatalogueDataError(f"{where}: materials must be a list")
    for position, material in enumerate(materials, start=1):
        _check_material(f"{where}, material {position}", material)


def _check_material(where: str, material: Any) -> None:
    """`_set_materials` bulk-creates without validating, so a material is validated here."""
    if not isinstance(material, dict):
        raise CatalogueDataError(f"{where}: a material must be an object")
    unknown = sorted(set(material) - _MATERIAL_KEYS)
    if unknown:
        raise CatalogueDataError(f"{where}: unknown fields {', '.join(unknown)}")
    fact = material.get("registry_fact")
    if fact and fact not in REGISTRY_FACTS:
        raise CatalogueDataError(f"{where}: unknown registry_fact {fact!r}")
    try:
        RequiredMaterial(**{k: material[k] for k in MATERIAL_FIELDS if k in material}).clean_fields(
            exclude=["version", "licence_kind"]
        )
    except ValidationError as exc:
        raise CatalogueDataError(f"{where}: {_messages(exc)}") from None


def _on_site_steps(row: Mapping[str, Any]) -> list[str]:
    return [str(s["name"]) for s in row["content"].get("process_steps", []) if s.get("on_site")]


def _messages(exc: ValidationError) -> str:
    """A ValidationError's messages, translated, with the field they concern, on one line."""
    if hasattr(exc, "error_dict"):
        return "; ".join(
            " ".join(messages) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def _ignore(line: str) -> None:
    pass


# --- comparing a published version with the file -------------------------------------------------


def _default(model: type[models.Model], name: str) -> Any:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.Field)  # a concrete column, never a reverse relation
    return model_field.get_default()


def _material_snapshot(material: Mapping[str, Any]) -> dict[str, Any]:
    snapshot = {name: material.get(name, _default(RequiredMaterial, name)) for name in MATERIAL_FIELDS}
    snapshot["licence_kind"] = material.get("licence_kind") or ""
    return snapshot


def _file_content(content: Mapping[str, Any]) -> dict[str, Any]:
    """The file's content with every guide field present, model defaults filling the gaps.

    Passing every field (not just the ones in the file) makes deleting a key from the file reset
    the field, instead of keeping whatever the previous version had.
    """
    full = {name: content.get(name, _default(ServiceItemVersion, name)) for name in VERSION_FIELDS}
    full["issues_licence_kind"] = content.get("issues_licence_kind") or ""
    full["materials"] = [dict(m) for m in content.get("materials", [])]
    return full


def _file_snapshot(content: Mapping[str, Any], categories: Iterable[str]) -> dict[str, Any]:
    snapshot = {name: content[name] for name in VERSION_FIELDS}
    snapshot["issues_licence_kind"] = content["issues_licence_kind"]
    snapshot["materials"] = [_material_snapshot(m) for m in content["materials"]]
    snapshot["categories"] = sorted(categories)
    return snapshot


def _version_snapshot(version: ServiceItemVersion, categories: Iterable[str]) -> dict[str, Any]:
    snapshot = {name: getattr(version, name) for name in VERSION_FIELDS}
    snapshot["issues_licence_kind"] = version.issues_licence_kind.code if version.issues_licence_kind else ""
    snapshot["materials"] = [
        _material_snapshot(
            {
                **{name: getattr(m, name) for name in MATERIAL_FIELDS},
                "licence_kind": m.licence_kind.code if m.licence_kind else "",
            }
        )
        for m in version.materials.all()
    ]
    snapshot["categories"] = sorted(categories)
    return snapshot


# --- the load -------------------------------------------------------------------------------------


class _Loader:
    """One load: the city, the rows already loaded by code, and the running counts."""

    def __init__(self, *, city: City, progress: Callable[[str], None]) -> None:
        self.city = city
        self.progress = progress
        self.summary = CatalogueLoadSummary()
        self.section = ModelCounts()
        self.categories: dict[str, Category] = {}
        self.departments: dict[str, Department] = {}

    def load(self, data: Mapping[str, Any], items: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
        self._reference_rows(data)
        self._items(items, entries)
        self.summary.warnings.extend(self._routing_gaps(items))

    def _reference_rows(self, data: Mapping[str, Any]) -> None:
        """Licence kinds, categories and synonyms: what items refer to, so they come first."""
        for row in _list(data, "licence_kinds"):
            where = f"licence kind {row.get('code')}"
            self._upsert(
                LicenceKind,
                {"code": _field(row, "code", where)},
                {"name": _field(row, "name", where), "name_en": row.get("name_en", "")},
            )
        self._done("Licence kinds")
        for row in _list(data, "categories"):
            where = f"category {row.get('code')}"
            values = {
                "name": _field(row, "name", where),
                "name_en": row.get("name_en", ""),
                "icon": row.get("icon", ""),
                "position": row.get("position", 0),
            }
            code = _field(row, "code", where)
            self.categories[code] = self._upsert(Category, {"code": code}, values)
        self.categories.update({c.code: c for c in Category.objects.exclude(code__in=self.categories)})
        self._done("Categories")
        for row in _list(data, "synonyms"):
            where = f"synonym {row.get('term')}"
            lookup = {"city": self.city, "term": _field(row, "term", where)}
            self._upsert(Synonym, lookup, {"expansion": _field(row, "expansion", where)})
        self._done("Synonyms")

    def _items(self, items: list[dict[str, Any]], entries: list[dict[str, Any]]) -> None:
        """Each item in turn: create it, put its entries on the negative list, then publish.

        The entries come before publishing because `version_problems` refuses to publish an item
        that needs a visit while nothing on the negative list says why.
        """
        self.departments = {d.code: d for d in Department.objects.filter(city=self.city)}
        existing = {
            item.code: item
            for item in ServiceItem.objects.filter(city=self.city)
            .select_related("current_version__issues_licence_kind")
            .prefetch_related("categories", "current_version__materials__licence_kind")
        }
        listed = {
            (entry.item_id, entry.step, entry.listed_on): entry
            for entry in NegativeListEntry.objects.filter(city=self.city)
        }
        entries_by_item: dict[str, list[dict[str, Any]]] = {}
        for row in sorted(entries, key=lambda e: (e["listed_on"], e.get("step", ""))):
            entries_by_item.setdefault(row["item"], []).append(row)
        item_counts, entry_counts = ModelCounts(), ModelCounts()
        for position, row in enumerate(items, start=1):
            code = row["code"]
            try:
                item, change = self._item(row, existing.get(code))
                for entry in entries_by_item.get(code, []):
                    entry_counts.add(self._entry(item, entry, listed))
                if change is Change.CREATED:
                    self._publish(item.versions.get(status=VersionStatus.DRAFT))
                elif item.current_version_id is None:
                    self._publish_draft(item, row)
                    change = Change.UPDATED
                elif self._differs(item, row):
                    self._publish_new_version(item, row)
                    change = Change.UPDATED
            except ValidationError as exc:
                raise CatalogueDataError(f"item {code}: {_messages(exc)}") from exc
            self.summary.record(ServiceItem, change)
            item_counts.add(change)
            if position % _PROGRESS_EVERY == 0 and position < len(items):
                self.progress(f"{'Service items':<18}{position:>5}/{len(items)} …")
        self.section = item_counts
        self._done("Service items")
        self.section = entry_counts
        self._done("Negative list")

    def _done(self, label: str) -> None:
        counts = self.section
        self.progress(
            f"{label:<18}{counts.total:>5}  ({counts.created} created, {counts.updated} updated, "
            f"{counts.unchanged} unchanged; {self.summary.published_versions} versions published so far)"
        )
        self.section = ModelCounts()

    def _upsert[M: models.Model](self, model: type[M], lookup: Mapping[str, Any], values: Mapping[str, Any]) -> M:
        """update_or_create that compares before it writes, so an unchanged row costs one read."""
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj, changed, change = model(**lookup, **values), None, Change.CREATED
        else:
            changed = [name for name, value in values.items() if getattr(obj, name) != value]
            for name in changed:
                setattr(obj, name, values[name])
            change = Change.UPDATED if changed else Change.UNCHANGED
        if change is not Change.UNCHANGED:
            try:
                obj.full_clean()
            except ValidationError as exc:
                raise CatalogueDataError(f"{model._meta.verbose_name} {dict(lookup)}: {_messages(exc)}") from exc
            obj.save(update_fields=changed)
        self.summary.record(model, change)
        self.section.add(change)
        return obj

    def _categories(self, row: Mapping[str, Any]) -> list[Category]:
        unknown = sorted(set(row.get("categories", [])) - self.categories.keys())
        if unknown:
            raise CatalogueDataError(f"item {row['code']}: unknown categories {', '.join(unknown)}")
        return [self.categories[code] for code in row.get("categories", [])]

    def _item(self, row: Mapping[str, Any], item: ServiceItem | None) -> tuple[ServiceItem, Change]:
        """The item, created with its first draft when it is new.

        Who decides an existing item is not changed from the file: cases already routed by its
        department kind and level would silently change hands. Doing it is an editor's decision.
        """
        if item is None:
            item = item_create(
                actor=None,
                city=self.city,
                code=row["code"],
                department_kind=row["department_kind"],
                handling_level=row["handling_level"],
                content=_file_content(row["content"]),
                categories=self._categories(row),
            )
            return item, Change.CREATED
        if (item.department_kind, item.handling_level) != (row["department_kind"], row["handling_level"]):
            raise CatalogueDataError(
                f"item {row['code']}: it exists as {item.department_kind}/{item.handling_level} and the file says "
                f"{row['department_kind']}/{row['handling_level']}; the loader does not move items between "
                "departments, an editor must"
            )
        return item, Change.UNCHANGED

    def _entry(
        self,
        item: ServiceItem,
        row: Mapping[str, Any],
        listed: dict[tuple[int, str, dt.date], NegativeListEntry],
    ) -> Change:
        step = str(row.get("step", "")).strip()
        listed_on = dt.date.fromisoformat(row["listed_on"])
        entry = listed.get((item.pk, step, listed_on))
        change = Change.UNCHANGED
        if entry is None:
            owner = self.departments.get(row["owner"])
            if owner is None:
                raise CatalogueDataError(
                    f"item {item.code}: the owner {row['owner']!r} of the negative-list entry "
                    f"{step or '(whole item)'} is not a department of {self.city.name}"
                )
            entry = negative_list_add(
                actor=None,
                item=item,
                step=step,
                reason=row["reason"],
                owner_department=owner,
                target_date=dt.date.fromisoformat(row["target_date"]),
                listed_on=listed_on,
            )
            listed[(item.pk, step, listed_on)] = entry
            change = Change.CREATED
        if row.get("removed_on") and entry.state == EntryState.LISTED:
            entry = negative_list_remove(
                actor=None,
                entry=entry,
                reason=row["removed_reason"],
                removed_on=dt.date.fromisoformat(row["removed_on"]),
            )
            listed[(item.pk, step, listed_on)] = entry
            change = change if change is Change.CREATED else Change.UPDATED
        self.summary.record(NegativeListEntry, change)
        return change

    def _differs(self, item: ServiceItem, row: Mapping[str, Any]) -> bool:
        current = item.current_version
        assert current is not None
        categories = [c.code for c in item.categories.all()]
        return _version_snapshot(current, categories) != _file_snapshot(
            _file_content(row["content"]), row.get("categories", [])
        )

    def _publish(self, draft: ServiceItemVersion) -> None:
        item_publish(actor=None, version=draft)
        self.summary.published_versions += 1

    def _publish_draft(self, item: ServiceItem, row: Mapping[str, Any]) -> None:
        """An item that exists but was never published (an editor created it): the file wins."""
        draft = item_draft_start(actor=None, item=item)
        content = _file_content(row["content"])
        if _version_snapshot(draft, []) != _file_snapshot(content, []):
            draft = item_draft_update(actor=None, version=draft, content=content)
        item.categories.set(self._categories(row))
        self._publish(draft)

    def _publish_new_version(self, item: ServiceItem, row: Mapping[str, Any]) -> None:
        """A new version, as an editor would make it: start a draft, change it, publish it.

        Categories are not versioned, but they change with a new version here anyway: they are part
        of what residents see of the item, and publishing is what re-indexes and audits it.
        """
        draft = item_draft_start(actor=None, item=item)
        draft = item_draft_update(actor=None, version=draft, content=_file_content(row["content"]))
        item.categories.set(self._categories(row))
        self._publish(draft)

    def _routing_gaps(self, items: list[dict[str, Any]]) -> list[str]:
        """Items whose department kind has no department to decide them, at their level."""
        city_kinds = set(
            Department.objects.filter(city=self.city, level=Department.Level.CITY).values_list("kind", flat=True)
        )
        districts = set(District.objects.filter(city=self.city).values_list("pk", flat=True))
        district_kinds: dict[str, set[int]] = {}
        for kind, district_id in Department.objects.filter(city=self.city, level=Department.Level.DISTRICT).values_list(
            "kind", "district_id"
        ):
            district_kinds.setdefault(kind, set()).add(district_id)
        gaps: dict[tuple[str, str], list[str]] = {}
        for row in items:
            kind, level = row["department_kind"], row["handling_level"]
            covered = (
                kind in city_kinds if level == Department.Level.CITY else districts <= district_kinds.get(kind, set())
            )
            if not covered:
                gaps.setdefault((kind, level), []).append(row["code"])
        where = {str(Department.Level.CITY): "at city level", str(Department.Level.DISTRICT): "in every district"}
        return [
            f"no {kind} department {where[level]} of {self.city.name}: "
            f"{', '.join(codes)} will be published but cannot be routed until one is added"
            for (kind, level), codes in sorted(gaps.items())
        ]
