"""Cases (办件): one application by, or for, one resident for one published item version."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import RequiredMaterial, ServiceItem, ServiceItemVersion
from core.models import City, Department, ServiceCentre
from residents.models import Resident


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    RESUBMITTED = "resubmitted", _("Resubmitted")
    UNDER_REVIEW = "under_review", _("Under review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CONCLUDED = "concluded", _("Concluded")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("Counter")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    PHONE = "phone", _("Phone")


class Authorisation(models.TextChoices):
    SELF = "self", _("The resident himself")
    SIGNED_DOCUMENT = "signed_document", _("Signed authorisation uploaded")
    ONLINE_GRANT = "online_grant", _("Authorisation confirmed online by the resident")


class Outcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Case(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="cases")
    number = models.CharField(_("case number"), max_length=24, unique=True)
    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="cases")
    item_version = models.ForeignKey(ServiceItemVersion, on_delete=models.PROTECT, related_name="cases")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="cases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_created")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    authorisation = models.CharField(
        _("authorisation"), max_length=20, choices=Authorisation.choices, default=Authorisation.SELF
    )
    proxy_confirmed_at = models.DateTimeField(_("authorisation confirmed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    handling_department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="cases")
    receiving_centre = models.ForeignKey(
        ServiceCentre, on_delete=models.PROTECT, null=True, blank=True, related_name="cases_received"
    )
    form_data = models.JSONField(_("form"), default=dict, blank=True)
    fields_prefilled = models.PositiveSmallIntegerField(default=0)
    fields_typed = models.PositiveSmallIntegerField(default=0)
    correction_request = models.JSONField(_("correction request"), default=dict, blank=True)
    decision = models.JSONField(
        _("instant decision"), default=dict, blank=True, help_text=_("Outcome and each checked condition")
    )

    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(_("due date"), null=True, blank=True)
    warn_on = models.DateField(_("yellow from"), null=True, blank=True)
    paused_working_days = models.PositiveSmallIntegerField(default=0)
    paused_since = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    concluded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["handling_department", "status", "due_on"], name="case_queue"),
            models.Index(fields=["resident", "-created_at"], name="case_resident_recent"),
            models.Index(fields=["receiving_centre", "status"], name="case_centre_status"),
            models.Index(fields=["city", "status", "submitted_at"], name="case_intake_queue"),
            # The work queue (cases.selectors.work_queue): open cases of a department, oldest due first.
            # Partial, with the queue's own predicate, so its size follows the open cases, not all cases.
            models.Index(
                fields=["handling_department", "due_on", "submitted_at", "id"],
                condition=~Q(status__in=["draft", "concluded", "withdrawn"]),
                name="case_open_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(status__in=["approved", "rejected", "concluded"]),
                name="case_outcome_only_when_decided",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_proxy(self) -> bool:
        return self.authorisation != Authorisation.SELF


class CaseHistory(models.Model):
    """One row per transition: from, to, who, when, why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(_("action"), max_length=30)
    from_status = models.CharField(_("from"), max_length=24, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=CaseStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("case history")
        verbose_name_plural = _("case history")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.from_status}→{self.to_status}"


class MaterialSource(models.TextChoices):
    UPLOAD = "upload", _("Uploaded")
    E_LICENCE = "e_licence", _("From e-licence")
    REGISTRY = "registry", _("From shared records")
    AUTHORISATION = "authorisation", _("Signed authorisation")


class TrustLevel(models.TextChoices):
    A = "A", _("A: issued by an agency")
    B = "B", _("B: checked at a counter")
    C = "C", _("C: uploaded and checked")
    D = "D", _("D: self-declared")


class CaseMaterial(models.Model):
    """A file (or a stand-in from a licence or shared records) for one required material of a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    required_material = models.ForeignKey(
        RequiredMaterial, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=MaterialSource.choices, default=MaterialSource.UPLOAD)
    trust_level = models.CharField(_("trust level"), max_length=1, choices=TrustLevel.choices, default=TrustLevel.C)
    original_name = models.CharField(_("file name"), max_length=120, blank=True)
    path = models.CharField(max_length=200, blank=True)
    thumbnail_path = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=40, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    superseded = models.BooleanField(_("replaced by a correction"), default=False)

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ["case", "required_material__position", "id"]

    def __str__(self) -> str:
        return self.original_name or self.get_source_display()


class CaseNumberCounter(models.Model):
    """The last number handed out per city and day; numbers are never reused."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["city", "day"], name="case_counter_unique_day")]

    def __str__(self) -> str:
        return f"{self.city_id} {self.day} {self.last}"


class IdempotencyKey(models.Model):
    """Client-chosen key of a submission: the same key and body return the original case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=80)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return self.key
