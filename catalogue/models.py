"""The service catalogue (事项清单): items, their versioned guides, materials, the negative list.

An item's content lives in versions: editors change a draft, publish it, and cases keep the
version they were filed under. An item's online level is derived from its open negative-list
entries (see `ServiceItem.online_level`), never typed.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import City, Department, ServiceCentre
from licences.models import LicenceKind


class Category(models.Model):
    """A life event residents browse by: 生育, 就业, 养老, 医疗, 住房, 救助, 残疾人, 退役军人 …"""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=30)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    icon = models.CharField(_("icon"), max_length=8, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    INSTANT = "instant", _("Instant (decided on the spot)")
    PROMISE = "promise", _("Promise (decided within the promised time)")


class ApplicantType(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    HOUSEHOLD = "household", _("Household")


class OnlineLevel(models.TextChoices):
    FULLY_ONLINE = "fully_online", _("Fully online")
    AT_MOST_ONE_VISIT = "at_most_one_visit", _("At most one visit")
    ON_SITE = "on_site", _("On site")


class ServiceItemQuerySet(models.QuerySet["ServiceItem"]):
    def published(self) -> "ServiceItemQuerySet":
        return self.filter(current_version__isnull=False).select_related("current_version")

    def with_online_level(self) -> "ServiceItemQuerySet":
        """Annotate `open_whole` and `open_steps`: the counts `online_level` is derived from."""
        listed = Q(negative_entries__state="listed")
        return self.annotate(
            open_whole=models.Count("negative_entries", filter=listed & Q(negative_entries__step="")),
            open_steps=models.Count("negative_entries", filter=listed & ~Q(negative_entries__step="")),
        )


class ServiceItem(models.Model):
    """The stable identity of an item; its content is in `ServiceItemVersion`.

    `department_kind` and `handling_level` say who decides: a city-level item goes to the city's
    department of that kind, a district-level item to that of the resident's district.
    """

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="service_items")
    code = models.CharField(_("code"), max_length=40)
    department_kind = models.CharField(_("responsible department"), max_length=30, choices=Department.Kind.choices)
    handling_level = models.CharField(_("handling level"), max_length=10, choices=Department.Level.choices)
    categories = models.ManyToManyField(Category, related_name="items", blank=True, verbose_name=_("categories"))
    current_version = models.OneToOneField(
        "ServiceItemVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ServiceItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("service item")
        verbose_name_plural = _("service items")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["city", "code"], name="item_unique_code_in_city")]

    def __str__(self) -> str:
        return self.current_version.name if self.current_version else self.code

    @property
    def is_published(self) -> bool:
        return self.current_version_id is not None

    @property
    def online_level(self) -> str:
        """Derived from the negative list only: fully online exactly when no entry is open.

        An open entry for the whole item means on site; open entries for steps only mean the
        resident comes at most once. Uses the `with_online_level()` annotation when present.
        """
        whole = getattr(self, "open_whole", None)
        steps = getattr(self, "open_steps", None)
        if whole is None or steps is None:
            open_entries = self.negative_entries.filter(state="listed")
            whole = open_entries.filter(step="").count()
            steps = open_entries.exclude(step="").count()
        if whole:
            return OnlineLevel.ON_SITE
        if steps:
            return OnlineLevel.AT_MOST_ONE_VISIT
        return OnlineLevel.FULLY_ONLINE

    def get_online_level_display(self) -> str:
        return str(OnlineLevel(self.online_level).label)


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class ServiceItemVersion(models.Model):
    """One edition of an item's guide (办事指南) and form, with the national guide fields."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT)

    name = models.CharField(_("name"), max_length=100)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    aliases = models.JSONField(_("aliases"), default=list, blank=True, help_text=_("Other names residents use"))
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    summary = models.TextField(_("what it is"), blank=True)
    applicant_type = models.CharField(
        _("applicant"), max_length=12, choices=ApplicantType.choices, default=ApplicantType.INDIVIDUAL
    )
    conditions = models.TextField(_("who can apply"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    is_free = models.BooleanField(_("free of charge"), default=True)
    fees = models.CharField(_("fees"), max_length=200, blank=True)
    fee_basis = models.CharField(_("basis of the fees"), max_length=200, blank=True)
    statutory_days = models.PositiveSmallIntegerField(_("statutory time limit (working days)"))
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices, default=ItemKind.PROMISE)
    max_visits = models.PositiveSmallIntegerField(_("maximum visits"), default=0)
    process_steps = models.JSONField(
        _("process steps"),
        default=list,
        blank=True,
        help_text=_('[{"name": "…", "description": "…", "on_site": false}]'),
    )
    everywhere = models.BooleanField(_("handled at every centre of the city"), default=True)
    centres = models.ManyToManyField(ServiceCentre, blank=True, related_name="+", verbose_name=_("centres"))
    consultation_phone = models.CharField(_("consultation phone"), max_length=30, blank=True)
    complaint_phone = models.CharField(_("complaint phone"), max_length=30, blank=True)
    form_definition = models.JSONField(_("application form"), default=list, blank=True)
    decision_rules = models.JSONField(_("decision rules"), default=dict, blank=True)
    issues_licence_kind = models.ForeignKey(
        LicenceKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("issues licence"),
    )  # fmt: skip

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("service item version")
        verbose_name_plural = _("service item versions")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="version_unique_number"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="draft"), name="version_one_draft"),
            models.UniqueConstraint(fields=["item"], condition=Q(status="published"), name="version_one_published"),
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")), name="version_promised_within_statutory"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def on_site_steps(self) -> list[dict[str, object]]:
        return [step for step in self.process_steps if step.get("on_site")]


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ELECTRONIC = "electronic", _("Electronic")


class RequiredMaterial(models.Model):
    version = models.ForeignKey(ServiceItemVersion, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=100)
    form = models.CharField(_("form"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ELECTRONIC)
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    required = models.BooleanField(_("required"), default=True)
    licence_kind = models.ForeignKey(
        LicenceKind, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("may be satisfied by e-licence"),
    )  # fmt: skip
    registry_fact = models.CharField(_("may be satisfied by registry data"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")
        ordering = ["version", "position", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_upload(self) -> bool:
        return self.licence_kind_id is None and not self.registry_fact


class EntryState(models.TextChoices):
    LISTED = "listed", _("Listed")
    REMOVED = "removed", _("Removed")


class NegativeListQuerySet(models.QuerySet["NegativeListEntry"]):
    def open(self) -> "NegativeListQuerySet":
        return self.filter(state=EntryState.LISTED)

    def open_on(self, day: dt.date) -> "NegativeListQuerySet":
        """Entries that were on the list at the end of `day`."""
        return self.filter(listed_on__lte=day).filter(Q(removed_on__isnull=True) | Q(removed_on__gt=day))


class NegativeListEntry(models.Model):
    """An item, or one step of it, that cannot yet be done online (负面清单)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="negative_entries")
    step = models.CharField(_("step"), max_length=100, blank=True, help_text=_("Empty: the whole item"))
    reason = models.TextField(_("reason"))
    owner_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="negative_entries", verbose_name=_("owner department")
    )
    listed_on = models.DateField(_("listed on"))
    target_date = models.DateField(_("target date for removal"))
    state = models.CharField(_("state"), max_length=10, choices=EntryState.choices, default=EntryState.LISTED)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removed_reason = models.TextField(_("why removed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = NegativeListQuerySet.as_manager()

    class Meta:
        verbose_name = _("negative list entry")
        verbose_name_plural = _("negative list entries")
        ordering = ["state", "target_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="listed", removed_on__isnull=True) | Q(state="removed", removed_on__isnull=False),
                name="negative_entry_removed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(target_date__gte=models.F("listed_on")), name="negative_entry_target_after_listing"
            ),
            models.UniqueConstraint(
                fields=["item", "step"], condition=Q(state="listed"), name="negative_entry_one_open_per_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.step}".strip()

    def is_overdue(self, today: dt.date) -> bool:
        return self.state == EntryState.LISTED and self.target_date < today


class Synonym(models.Model):
    """What residents say → the words of the catalogue (低保 → 最低生活保障). Editors maintain it."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    term = models.CharField(_("what residents say"), max_length=40)
    expansion = models.CharField(_("catalogue words"), max_length=200, help_text=_("Space-separated"))

    class Meta:
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        ordering = ["term"]
        constraints = [models.UniqueConstraint(fields=["city", "term"], name="synonym_unique_term")]

    def __str__(self) -> str:
        return f"{self.term} → {self.expansion}"


class SearchDocument(models.Model):
    """The analysed text of an item's published version, for full-text search (catalogue.search).

    `name_tokens` (name, short name, aliases, their pinyin) rank above `body_tokens` (keywords,
    summary, conditions, materials). Both are space-separated tokens from Chinese word segmentation.
    PostgreSQL indexes them with a GIN index over a weighted tsvector; SQLite mirrors them into an
    FTS5 table (see the search migration).
    """

    item = models.OneToOneField(ServiceItem, on_delete=models.CASCADE, related_name="search_document")
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    name_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")

    def __str__(self) -> str:
        return str(self.item)
