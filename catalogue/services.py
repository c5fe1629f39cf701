"""Catalogue writes: items and their versions (draft → published), the negative list.

Editors (role catalogue_editor) change only the items of their own department's kind in their
city. Every write is atomic and audited; publishing re-indexes the item for search.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from audit.services import audit_record
from catalogue.form_definition import form_definition_problems
from catalogue.models import (
    Category,
    EntryState,
    ItemKind,
    NegativeListEntry,
    RequiredMaterial,
    ServiceItem,
    ServiceItemVersion,
    VersionStatus,
)
from catalogue.rules import rules_problems
from core.errors import Conflict
from core.models import City, Department
from licences.models import LicenceKind

# The guide fields an editor sets on a version (everything but bookkeeping).
VERSION_FIELDS = (
    "name", "short_name", "name_en", "aliases", "keywords", "summary", "applicant_type", "conditions",
    "legal_basis", "is_free", "fees", "fee_basis", "statutory_days", "promised_days", "kind", "max_visits",
    "process_steps", "everywhere", "consultation_phone", "complaint_phone", "form_definition", "decision_rules",
)  # fmt: skip
MATERIAL_FIELDS = ("name", "form", "copies", "required", "registry_fact", "note")


def item_editable_by(user: User, item: ServiceItem) -> bool:
    if user.is_superuser:
        return True
    return (
        user.role == Role.CATALOGUE_EDITOR
        and user.city_id == item.city_id
        and user.department_id is not None
        and user.department.kind == item.department_kind  # type: ignore[union-attr]
    )


def _require_editor(actor: User | None, item: ServiceItem) -> None:
    if actor is not None and not item_editable_by(actor, item):
        raise PermissionDenied(_("You may only edit the items of your own department."))


def version_problems(version: ServiceItemVersion) -> list[ValidationError]:
    """Inconsistencies that block publishing, each with a code and a message for the editor."""
    problems = []
    if version.promised_days > version.statutory_days:
        problems.append(
            ValidationError(
                _("The promised time limit (%(p)s days) is longer than the statutory one (%(s)s days).")
                % {"p": version.promised_days, "s": version.statutory_days},
                code="promised_exceeds_statutory",
            )
        )
    if version.kind == ItemKind.INSTANT and (version.on_site_steps or version.max_visits > 0):
        problems.append(
            ValidationError(
                _("An instant item is decided without a visit, so it cannot have on-site steps or visits."),
                code="instant_with_visit",
            )
        )
    has_open_entry = version.item.negative_entries.filter(state=EntryState.LISTED).exists()
    if (version.max_visits > 0 or version.on_site_steps) and not has_open_entry:
        problems.append(
            ValidationError(
                _("This item needs a visit but nothing is on the negative list: list the step and its reason."),
                code="visit_not_on_negative_list",
            )
        )
    if version.max_visits == 0 and version.on_site_steps:
        problems.append(ValidationError(_("On-site steps need at least one visit."), code="on_site_without_visit"))
    for message in form_definition_problems(version.form_definition):
        problems.append(ValidationError(message, code="form_definition"))
    if version.decision_rules != {}:  # {} is "no rules": staff decide
        if version.kind != ItemKind.INSTANT:
            problems.append(
                ValidationError(
                    _("Only an instant item is decided by rules; remove the rules or make the item instant."),
                    code="decision_rules_not_instant",
                )
            )
        for message in rules_problems(version.decision_rules, form_definition=version.form_definition):
            problems.append(ValidationError(message, code="decision_rules"))
    if not version.materials.exists() and not version.form_definition:
        problems.append(ValidationError(_("Say what to bring or what to fill in."), code="nothing_required"))
    return problems


def _set_materials(version: ServiceItemVersion, materials: list[dict[str, Any]]) -> None:
    codes = {m["licence_kind"] for m in materials if m.get("licence_kind")}
    kinds = {k.code: k for k in LicenceKind.objects.filter(code__in=codes)}
    unknown = sorted(codes - kinds.keys())
    if unknown:
        raise ValidationError(
            {
                "materials": ValidationError(
                    _("Unknown e-licence kind: %(codes)s.") % {"codes": ", ".join(unknown)}, code="unknown_licence_kind"
                )
            }
        )
    version.materials.all().delete()
    RequiredMaterial.objects.bulk_create(
        RequiredMaterial(
            version=version,
            position=position,
            licence_kind=kinds.get(m.get("licence_kind") or ""),
            **{k: m[k] for k in MATERIAL_FIELDS if k in m},
        )
        for position, m in enumerate(materials)
    )


def _apply_content(version: ServiceItemVersion, content: dict[str, Any]) -> None:
    unknown = set(content) - set(VERSION_FIELDS) - {"materials", "issues_licence_kind"}
    if unknown:
        raise ValidationError(_("Unknown fields: %(f)s") % {"f": ", ".join(sorted(unknown))}, code="unknown_field")
    for key in VERSION_FIELDS:
        if key in content:
            setattr(version, key, content[key])
    if "issues_licence_kind" in content:
        code = content["issues_licence_kind"]
        version.issues_licence_kind = LicenceKind.objects.filter(code=code).first() if code else None
        if code and version.issues_licence_kind is None:
            raise ValidationError(
                _("Unknown e-licence kind: %(codes)s.") % {"codes": code}, code="unknown_licence_kind"
            )
    version.full_clean(exclude=["item", "created_by", "published_by"], validate_constraints=False)
    if version.promised_days > version.statutory_days:
        raise ValidationError(
            {"promised_days": ValidationError(_("The promised time limit cannot exceed the statutory one."),
                                              code="promised_exceeds_statutory")}
        )  # fmt: skip


@transaction.atomic
def item_create(
    *,
    actor: User | None,
    city: City,
    code: str,
    department_kind: str,
    handling_level: str,
    content: dict[str, Any],
    categories: list[Category] | None = None,
) -> ServiceItem:
    """A new item with its first draft (version 1). Publishing is a separate step."""
    if ServiceItem.objects.filter(city=city, code=code).exists():
        raise Conflict(_("An item with code %(code)s already exists.") % {"code": code}, code="duplicate_item_code")
    item = ServiceItem(city=city, code=code, department_kind=department_kind, handling_level=handling_level)
    _require_editor(actor, item)
    item.full_clean(exclude=["current_version"])
    item.save()
    if categories:
        item.categories.set(categories)
    version = ServiceItemVersion(item=item, number=1, created_by=actor)
    _apply_content(version, {k: v for k, v in content.items() if k != "materials"})
    version.save()
    _set_materials(version, content.get("materials", []))
    audit_record(action="catalogue.item_create", actor=actor, obj=item, city=city, details={"code": code})
    return item


@transaction.atomic
def item_draft_start(*, actor: User | None, item: ServiceItem) -> ServiceItemVersion:
    """The item's open draft, or a new one copied from the published version."""
    _require_editor(actor, item)
    item = ServiceItem.objects.select_for_update().get(pk=item.pk)
    draft = item.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is not None:
        return draft
    source = item.current_version
    if source is None:
        raise ValidationError(_("This item has no version to start from."), code="no_version")
    materials = list(source.materials.all())
    last = item.versions.order_by("-number").values_list("number", flat=True).first() or 0
    draft = ServiceItemVersion.objects.get(pk=source.pk)
    draft.pk = None
    draft.number, draft.status, draft.created_by = last + 1, VersionStatus.DRAFT, actor
    draft.published_at = draft.published_by = None  # type: ignore[assignment]
    draft.save()
    draft.centres.set(source.centres.all())
    for material in materials:
        material.pk, material.version = None, draft
    RequiredMaterial.objects.bulk_create(materials)
    audit_record(action="catalogue.draft_start", actor=actor, obj=draft, city=item.city)
    return draft


@transaction.atomic
def item_draft_update(
    *, actor: User | None, version: ServiceItemVersion, content: dict[str, Any]
) -> ServiceItemVersion:
    _require_editor(actor, version.item)
    version = ServiceItemVersion.objects.select_for_update().select_related("item").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("Only a draft can be edited; start a new draft."), code="not_a_draft")
    _apply_content(version, {k: v for k, v in content.items() if k != "materials"})
    version.save()
    if "materials" in content:
        _set_materials(version, content["materials"])
    audit_record(action="catalogue.draft_update", actor=actor, obj=version, city=version.item.city)
    return version


@transaction.atomic
def item_publish(*, actor: User | None, version: ServiceItemVersion) -> ServiceItemVersion:
    """Publish a draft: the previous version is superseded (cases filed under it keep it)."""
    from catalogue.search import item_index

    _require_editor(actor, version.item)
    version = ServiceItemVersion.objects.select_for_update().select_related("item__city").get(pk=version.pk)
    if version.status != VersionStatus.DRAFT:
        raise Conflict(_("Only a draft can be published."), code="not_a_draft")
    problems = version_problems(version)
    if problems:
        raise ValidationError(problems)
    item = version.item
    item.versions.filter(status=VersionStatus.PUBLISHED).update(status=VersionStatus.SUPERSEDED)
    version.status, version.published_at, version.published_by = VersionStatus.PUBLISHED, timezone.now(), actor
    version.save(update_fields=["status", "published_at", "published_by"])
    item.current_version = version
    item.save(update_fields=["current_version"])
    item_index(item=item)
    audit_record(action="catalogue.publish", actor=actor, obj=item, city=item.city, details={"version": version.number})
    return version


def _require_list_manager(actor: User | None, item: ServiceItem) -> None:
    if actor is None or actor.is_superuser:
        return
    if actor.role == Role.CITY_ADMIN and actor.city_id == item.city_id:
        return
    _require_editor(actor, item)


@transaction.atomic
def negative_list_add(
    *,
    actor: User | None,
    item: ServiceItem,
    step: str,
    reason: str,
    owner_department: Department,
    target_date: dt.date,
    listed_on: dt.date | None = None,
) -> NegativeListEntry:
    """Put an item (step="") or one step of it on the negative list, with an owner and a deadline."""
    _require_list_manager(actor, item)
    listed_on = listed_on or timezone.localdate()
    errors = {}
    if len(reason.strip()) < 4:
        errors["reason"] = ValidationError(_("Say why this cannot be done online yet."), code="reason_required")
    if target_date < listed_on:
        errors["target_date"] = ValidationError(
            _("The target date cannot be before the listing date."), code="target_in_past"
        )
    if owner_department.city_id != item.city_id:
        errors["owner_department"] = ValidationError(
            _("The owner must be a department of this city."), code="foreign_department"
        )
    if errors:
        raise ValidationError(errors)
    if NegativeListEntry.objects.filter(item=item, step=step.strip(), state=EntryState.LISTED).exists():
        raise Conflict(_("This step is already on the negative list."), code="already_listed")
    entry = NegativeListEntry.objects.create(
        city=item.city,
        item=item,
        step=step.strip(),
        reason=reason.strip(),
        owner_department=owner_department,
        listed_on=listed_on,
        target_date=target_date,
        created_by=actor,
    )
    audit_record(action="catalogue.negative_add", actor=actor, obj=entry, city=item.city)
    return entry


@transaction.atomic
def negative_list_remove(
    *, actor: User | None, entry: NegativeListEntry, reason: str, removed_on: dt.date | None = None
) -> NegativeListEntry:
    """Take an entry off the list: the item (or step) can now be done online."""
    _require_list_manager(actor, entry.item)
    entry = NegativeListEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.state != EntryState.LISTED:
        raise Conflict(_("This entry was already removed."), code="already_removed")
    if len(reason.strip()) < 4:
        raise ValidationError({"removed_reason": ValidationError(_("Say what changed."), code="reason_required")})
    entry.state, entry.removed_on, entry.removed_reason = EntryState.REMOVED, removed_on or timezone.localdate(), reason
    entry.save(update_fields=["state", "removed_on", "removed_reason"])
    audit_record(action="catalogue.negative_remove", actor=actor, obj=entry, city=entry.city)
    return entry
