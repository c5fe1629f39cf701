"""E-licences (电子证照): the kinds a required material may be satisfied by, and the licences
departments issue to residents, each verifiable by anyone through an unguessable QR link."""

import datetime as dt
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Department
from residents.models import Resident


class LicenceKind(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("licence kind")
        verbose_name_plural = _("licence kinds")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


# The whole workflow of a licence: it expires by date or is revoked (also when a re-issue replaces
# it); an expired one may still be revoked, e.g. when it turns out to have been obtained by fraud.
# A revoked licence is final.
TRANSITIONS: dict[str, frozenset[str]] = {
    LicenceStatus.VALID: frozenset({LicenceStatus.EXPIRED, LicenceStatus.REVOKED}),
    LicenceStatus.EXPIRED: frozenset({LicenceStatus.REVOKED}),
    LicenceStatus.REVOKED: frozenset(),
}

# The revocation reason of a licence that a re-issue of the same kind replaced.
REPLACED = "replaced"


def new_verification_token() -> str:
    """256 random bits, URL-safe: the QR code's link can be neither guessed nor enumerated."""
    return secrets.token_urlsafe(32)


class LicenceQuerySet(models.QuerySet["Licence"]):
    def valid_on(self, day: dt.date) -> "LicenceQuerySet":
        """Valid that day, whether or not the daily expiry job has run yet."""
        return self.filter(status=LicenceStatus.VALID, valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Licence(models.Model):
    """An e-licence (电子证照): a document a department issued to a resident, usually by a case.

    `valid_until` is the last day it is valid (None: no expiry). `status` is what was recorded;
    `status_on(day)` is what holds that day (a licence past its date is expired even before the
    daily job marks it).
    """

    number = models.CharField(_("licence number"), max_length=40, unique=True)
    kind = models.ForeignKey(LicenceKind, on_delete=models.PROTECT, related_name="licences", verbose_name=_("kind"))
    holder = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="licences", verbose_name=_("holder"))
    issuing_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="licences_issued", verbose_name=_("issuing department")
    )
    # A string reference: cases.models imports the catalogue, which imports LicenceKind from here.
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="licences", verbose_name=_("case")
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.VALID)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revocation_reason = models.CharField(_("revocation reason"), max_length=200, blank=True)
    verification_token = models.CharField(max_length=64, unique=True, default=new_verification_token, editable=False)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence")
        verbose_name_plural = _("licences")
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["holder", "status"], name="licence_holder_status"),
            models.Index(fields=["status", "valid_until"], name="licence_expiry_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "kind"],
                condition=Q(status="valid"),
                name="licence_one_valid_per_holder_and_kind",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="licence_valid_until_after_valid_from",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="revoked", revoked_at__isnull=False) & ~Q(revocation_reason="")
                    | ~Q(status="revoked") & Q(revoked_at__isnull=True)
                ),
                name="licence_revoked_with_time_and_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, day: dt.date) -> str:
        if self.status == LicenceStatus.VALID and self.valid_until is not None and self.valid_until < day:
            return LicenceStatus.EXPIRED
        return self.status


class LicenceNumberCounter(models.Model):
    """The last sequence handed out per number prefix (city, kind, year); numbers are never reused."""

    prefix = models.CharField(max_length=30, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix} {self.last}"
