"""Residents (real-name verified people) and households."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.identity import mask_citizen_id, mask_mobile, mask_name
from core.models import City, Community


class Household(models.Model):
    """People registered at one address."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="households")
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="households")
    address = models.CharField(_("address"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.address


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDCHILD = "grandchild", _("Grandchild")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Resident(models.Model):
    """One real person. Birth date and sex are derived from the ID number, never typed."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="residents")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="resident"
    )
    name = models.CharField(_("name"), max_length=50)
    id_number = models.CharField(_("citizen ID number"), max_length=18, unique=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    mobile = models.CharField(_("mobile number"), max_length=11, blank=True)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="residents")
    household = models.ForeignKey(Household, on_delete=models.SET_NULL, null=True, blank=True, related_name="members")
    relation = models.CharField(_("relation to head"), max_length=12, choices=Relation.choices, blank=True)
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["-registered_at", "-id"]
        indexes = [models.Index(fields=["community", "name"], name="resident_community_name")]

    def __str__(self) -> str:
        return mask_name(self.name)

    @property
    def id_number_masked(self) -> str:
        return mask_citizen_id(self.id_number)

    @property
    def mobile_masked(self) -> str:
        return mask_mobile(self.mobile)

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


# The shared resident registry (居民信息库): facts recorded once and reused by departments,
# the resident's consents, and the keys departments' systems read it with. The rules are in
# residents.registry; these models only hold the data and its invariants.


class FactCategory(models.TextChoices):
    IDENTITY = "identity", _("Identity")
    HOUSEHOLD = "household", _("Household registration")
    ADDRESS = "address", _("Address")
    DISABILITY = "disability", _("Disability")
    MINIMUM_ALLOWANCE = "minimum_allowance", _("Minimum living allowance")
    PENSION_INSURANCE = "pension_insurance", _("Pension insurance")
    MEDICAL_INSURANCE = "medical_insurance", _("Medical insurance")
    VETERAN = "veteran", _("Veteran status")
    EMPLOYMENT = "employment", _("Employment")


class Assurance(models.TextChoices):
    VERIFIED = "verified", _("Verified by a department")
    COUNTER = "counter", _("Confirmed at a counter")
    DECLARED = "declared", _("Declared by the resident")


class InsuranceStatus(models.TextChoices):
    INSURED = "insured", _("Insured")
    RECEIVING = "receiving", _("Receiving benefits")
    NONE = "none", _("Not insured")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("Employed")
    UNEMPLOYED = "unemployed", _("Unemployed")
    FLEXIBLE = "flexible", _("Flexible employment")
    RETIRED = "retired", _("Retired")


class ResidentFact(models.Model):
    """One version of one kind of fact about a resident. An edit adds a version; old ones stay."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="facts")
    category = models.CharField(_("kind of data"), max_length=24, choices=FactCategory.choices)
    value = models.JSONField(_("value"))
    source_department = models.ForeignKey(
        "core.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source_case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    assurance = models.CharField(_("assurance"), max_length=10, choices=Assurance.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("current"), default=True)

    class Meta:
        verbose_name = _("resident fact")
        verbose_name_plural = _("resident facts")
        ordering = ["resident", "category", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "category"],
                condition=models.Q(is_current=True),
                name="residentfact_one_current_per_category",
            ),
            models.UniqueConstraint(fields=["resident", "category", "version"], name="residentfact_unique_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="residentfact_version_positive"),
            models.CheckConstraint(
                condition=models.Q(category__in=FactCategory.values), name="residentfact_category_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(assurance__in=Assurance.values), name="residentfact_assurance_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} v{self.version}"

    @property
    def summary(self) -> str:
        """The value in words, as the resident reads it on his privacy page."""
        value = self.value if isinstance(self.value, dict) else {}
        match self.category:
            case FactCategory.IDENTITY:
                return str(value.get("name", ""))
            case FactCategory.ADDRESS:
                return str(value.get("address", ""))
            case FactCategory.HOUSEHOLD:
                relation = value.get("relation", "")
                return str(Relation(relation).label) if relation in Relation.values else str(relation)
            case FactCategory.DISABILITY:
                return gettext("%(category)s, grade %(grade)s") % {
                    "category": value.get("category", ""),
                    "grade": value.get("grade", ""),
                }
            case FactCategory.MINIMUM_ALLOWANCE:
                if not value.get("receiving"):
                    return gettext("Not receiving")
                if value.get("since"):
                    return gettext("Receiving since %(date)s") % {"date": value["since"]}
                return gettext("Receiving")
            case FactCategory.PENSION_INSURANCE | FactCategory.MEDICAL_INSURANCE:
                status = value.get("status", "")
                return str(InsuranceStatus(status).label) if status in InsuranceStatus.values else str(status)
            case FactCategory.VETERAN:
                return gettext("Yes") if value.get("status") else gettext("No")
            case FactCategory.EMPLOYMENT:
                status = value.get("status", "")
                return str(EmploymentStatus(status).label) if status in EmploymentStatus.values else str(status)
        return ""


class Consent(models.Model):
    """The resident's permission for one department to read one kind of his data (授权)."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="consents")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="consents")
    category = models.CharField(_("kind of data"), max_length=24, choices=FactCategory.choices)
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "department", "category"],
                condition=models.Q(revoked_at__isnull=True),
                name="consent_one_active_per_department_and_category",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.department_id}"


class DepartmentApiKey(models.Model):
    """A department system's key to the registry API. Only the key's hash is stored; the key
    itself is shown once, when it is created."""

    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField(_("name"), max_length=80, help_text=_("Which system uses this key"))
    prefix = models.CharField(_("key prefix"), max_length=8, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("department API key")
        verbose_name_plural = _("department API keys")
        ordering = ["department", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (ow_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
