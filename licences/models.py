"""E-licences (电子证照). For now: the kinds a required material may be satisfied by."""

from django.db import models
from django.utils.translation import gettext_lazy as _


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
