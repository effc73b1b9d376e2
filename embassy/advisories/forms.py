"""The console's draft form: every text in Indonesian and English, regions one per line."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from embassy.advisories.levels import SECTION_KEYS, SECTION_LABELS, SERVICE_KEYS, SERVICE_LABELS, Level
from embassy.advisories.models import AdvisoryVersion

_CODE = re.compile(r"^[A-Za-z]{2}-[A-Za-z0-9]{1,3}$")
_NAME_CODE = re.compile(r"^(.*?)\s*\[([A-Za-z]{2}-[A-Za-z0-9]{1,3})\]$")
REGION_HELP = _("One region per line: name (optionally with its ISO 3166-2 code in brackets) | level 1-4 | "
                "reason in Indonesian | reason in English. Example: Papua [ID-PA] | 3 | Konflik bersenjata | "
                "Armed conflict")


def _area(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class AdvisoryForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Level"), choices=Level.choices, coerce=int)
    reason_id = forms.CharField(label=_("Reason (Indonesian)"), required=False, max_length=2000, widget=_area(2))
    reason_en = forms.CharField(label=_("Reason (English)"), required=False, max_length=2000, widget=_area(2))
    regions = forms.CharField(label=_("Regional levels"), required=False, widget=_area(4), help_text=REGION_HELP)
    is_demo = forms.BooleanField(label=_("Demo content (shows the DEMO ribbon; CAP status Exercise)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in SECTION_KEYS:
            for lang, name in (("id", _("Indonesian")), ("en", _("English"))):
                self.fields[f"{key}_{lang}"] = forms.CharField(
                    label=f"{SECTION_LABELS[key]} ({name})", required=False, max_length=8000, widget=_area(3))
        for service in SERVICE_KEYS:
            self.fields[f"num_{service}"] = forms.CharField(
                label=str(SERVICE_LABELS[service]), required=False, max_length=30,
                widget=forms.TextInput(attrs={"inputmode": "tel"}))

    def section_pairs(self) -> list[tuple[str, Any, Any]]:
        """(label, Indonesian field, English field) for the template."""
        return [(str(SECTION_LABELS[k]), self[f"{k}_id"], self[f"{k}_en"]) for k in SECTION_KEYS]

    def number_fields(self) -> list[Any]:
        return [self[f"num_{s}"] for s in SERVICE_KEYS]

    @staticmethod
    def initial_for(version: AdvisoryVersion) -> dict[str, Any]:
        initial: dict[str, Any] = {"level": version.level, "reason_id": version.reason_id,
                                   "reason_en": version.reason_en, "is_demo": version.is_demo}
        for key in SECTION_KEYS:
            texts = (version.sections or {}).get(key) or {}
            initial[f"{key}_id"], initial[f"{key}_en"] = texts.get("id", ""), texts.get("en", "")
        for n in version.emergency_numbers or []:
            initial.setdefault(f"num_{n.get('service')}", n.get("number", ""))
        lines = []
        for r in version.regions or []:
            name = f"{r.get('name', '')} [{r['code']}]" if r.get("code") else r.get("name", "")
            lines.append(" | ".join([name, str(r.get("level", "")), r.get("reason_id", ""), r.get("reason_en", "")]))
        initial["regions"] = "\n".join(lines)
        return initial

    def clean_regions(self) -> list[dict[str, Any]]:
        out = []
        for i, line in enumerate(str(self.cleaned_data.get("regions") or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            if len(parts) < 2:
                raise forms.ValidationError(_("Line %(n)d: write at least a name and a level, separated by |."),
                                            params={"n": i})
            name, code = parts[0], ""
            if _CODE.match(name):
                name, code = "", name
            elif m := _NAME_CODE.match(name):
                name, code = m.group(1), m.group(2)
            out.append({"name": name, "code": code, "level": parts[1],
                        "reason_id": parts[2] if len(parts) > 2 else "",
                        "reason_en": " | ".join(parts[3:]) if len(parts) > 3 else ""})
        return out

    def to_data(self) -> dict[str, Any]:
        """The cleaned form as the service's `data`."""
        d = self.cleaned_data
        return {
            "level": d["level"], "reason_id": d["reason_id"], "reason_en": d["reason_en"], "is_demo": d["is_demo"],
            "regions": d["regions"],
            "sections": {k: {"id": d[f"{k}_id"], "en": d[f"{k}_en"]} for k in SECTION_KEYS},
            "emergency_numbers": [{"service": s, "number": d[f"num_{s}"]} for s in SERVICE_KEYS
                                  if d[f"num_{s}"].strip()],
        }

    def field_for(self, error_field: str | None) -> str | None:
        """The form field a service error (e.g. "sections.health.en", "regions.2.level") belongs to."""
        if not error_field:
            return None
        parts = error_field.split(".")
        if parts[0] == "sections" and len(parts) == 3:
            return f"{parts[1]}_{parts[2]}"
        if parts[0] == "emergency_numbers" and len(parts) >= 2 and parts[1].isdigit():
            numbers = self.to_data()["emergency_numbers"]
            index = int(parts[1])
            return f"num_{numbers[index]['service']}" if index < len(numbers) else None
        return parts[0] if parts[0] in self.fields else None
