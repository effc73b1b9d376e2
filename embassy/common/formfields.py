"""Form fields shared by the admin forms of several apps."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class CredentialsField(forms.CharField):
    """Credentials typed as a JSON object of texts ({"name": "secret", …}). Cleans to that dict, or to None when
    left empty (nothing to change). Used write-only: the form never shows the stored values."""

    def __init__(self, *, rows: int = 4, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Credentials"))
        super().__init__(required=False, widget=forms.Textarea(attrs={"rows": rows}), **kwargs)

    def clean(self, value: Any) -> dict[str, str] | None:
        raw = (super().clean(value) or "").strip()
        if not raw:
            return None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise forms.ValidationError(_("Write the credentials as a JSON object.")) from exc
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise forms.ValidationError(_("Write the credentials as a JSON object of texts."))
        return {str(k): v for k, v in data.items()}
