"""Residents (real-name verified people) and households."""

from django.conf import settings
from django.db import models
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
