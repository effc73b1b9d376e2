"""Countries and territories (ISO 3166-1 plus Kosovo), loaded from the offline registry by countries_sync."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Country(models.Model):
    code = models.CharField(_("code"), max_length=2, primary_key=True)  # ISO 3166-1 alpha-2
    alpha3 = models.CharField(_("alpha-3 code"), max_length=3, unique=True)
    numeric = models.CharField(_("numeric code"), max_length=3, blank=True)
    name_id = models.CharField(_("name (Indonesian)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    calling_code = models.CharField(_("calling code"), max_length=8, blank=True)  # without "+"
    has_boundary = models.BooleanField(_("has boundary"), default=False)  # point → country can answer it

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name()

    def name(self) -> str:
        """The name in the active language: English for "en*", Indonesian otherwise (the default)."""
        return self.name_en if (get_language() or "").lower().startswith("en") else self.name_id
