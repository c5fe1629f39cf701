"""One user model for residents and staff. A staff member's role and scope decide what he sees."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import City, Community, Department, District, ServiceCentre


class Role(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    COUNTER_CLERK = "counter_clerk", _("Counter clerk")
    REVIEWER = "reviewer", _("Back-office reviewer")
    APPROVER = "approver", _("Department approver")
    DISTRICT_MANAGER = "district_manager", _("District manager")
    CITY_ADMIN = "city_admin", _("City administrator")
    AUDITOR = "auditor", _("Auditor")
    CATALOGUE_EDITOR = "catalogue_editor", _("Catalogue editor")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}
# Roles whose work involves residents' records (the auditor and catalogue editors have none).
RESIDENT_DATA_ROLES = STAFF_ROLES - {Role.AUDITOR, Role.CATALOGUE_EDITOR}


class User(AbstractUser):
    """Residents sign in with their mobile number; staff with a username.

    Scope fields: a clerk belongs to a centre, a reviewer or approver to a department, a district
    manager to a district, a community worker to a community. The selectors read them.
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.RESIDENT)
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="users", null=True, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=11, null=True, blank=True, unique=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff", null=True, blank=True)
    service_centre = models.ForeignKey(
        ServiceCentre, on_delete=models.PROTECT, related_name="staff", null=True, blank=True
    )
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="staff", null=True, blank=True)
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="staff", null=True, blank=True)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)

    objects = UserManager()  # type: ignore[misc,assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Separation of duties: whoever reads the audit trail cannot administer anything.
            models.CheckConstraint(
                condition=~Q(role="auditor", is_superuser=True) & ~Q(role="auditor", is_staff=True),
                name="user_auditor_is_not_administrator",
            ),
            models.CheckConstraint(
                condition=Q(role="resident") | Q(city__isnull=False), name="user_staff_belongs_to_a_city"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def scope_district(self) -> District | None:
        """The district a staff member's work is bounded by, or None for city-wide roles."""
        if self.role == Role.COUNTER_CLERK and self.service_centre_id:
            return self.service_centre.district  # type: ignore[union-attr]
        if self.role in (Role.REVIEWER, Role.APPROVER) and self.department_id:
            return self.department.district  # type: ignore[union-attr]
        if self.role == Role.DISTRICT_MANAGER:
            return self.district
        if self.role == Role.COMMUNITY_WORKER and self.community_id:
            return self.community.subdistrict.district  # type: ignore[union-attr]
        return None


class SmsCode(models.Model):
    """A one-time sign-in code sent to a mobile. Only its hash is stored."""

    mobile = models.CharField(_("mobile number"), max_length=11, db_index=True)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS code")
        verbose_name_plural = _("SMS codes")
        indexes = [models.Index(fields=["mobile", "-created_at"], name="smscode_mobile_recent")]

    def __str__(self) -> str:
        return f"{self.mobile[:3]}**** {self.created_at:%Y-%m-%d %H:%M}"


class SmsMessage(models.Model):
    """Outbox of the database SMS backend (development and demo): what would have been sent."""

    mobile = models.CharField(_("mobile number"), max_length=11, db_index=True)
    body = models.TextField(_("text"))
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.mobile[:3]}**** {self.sent_at:%Y-%m-%d %H:%M}"
