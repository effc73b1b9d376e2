"""Differences between two versions of a country's advisory, field by field and word by word (difflib)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from embassy.advisories.levels import SECTION_KEYS, SECTION_LABELS, SERVICE_LABELS, Level
from embassy.advisories.models import AdvisoryVersion

_TOKENS = re.compile(r"(\s+)")  # words and the white space between them


@dataclass(frozen=True)
class FieldDiff:
    key: str  # "level", "reason.id", "sections.health.en", "regions", "emergency_numbers", "is_demo"
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def html(self) -> SafeString:
        """The new text with deletions in <del> and insertions in <ins>, word by word; all text escaped."""
        return inline_diff(self.old, self.new)

    @property
    def unified(self) -> str:
        lines = difflib.unified_diff(self.old.splitlines(), self.new.splitlines(), "old", "new", lineterm="", n=2)
        return "\n".join(lines)


def inline_diff(old: str, new: str) -> SafeString:
    a, b = [t for t in _TOKENS.split(old) if t], [t for t in _TOKENS.split(new) if t]
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(str.isspace, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def _level(v: AdvisoryVersion) -> str:
    return f"{v.level} — {Level(v.level).label}" if v.level in Level.values else str(v.level)


def _regions(v: AdvisoryVersion) -> str:
    lines = []
    for r in v.regions or []:
        code = f" ({r['code']})" if r.get("code") else ""
        lines.append(f"{r.get('name', '')}{code}: {r.get('level')} — {r.get('reason_id', '')} / {r.get('reason_en', '')}")
    return "\n".join(lines)


def _numbers(v: AdvisoryVersion) -> str:
    return "\n".join(f"{SERVICE_LABELS.get(n.get('service', ''), n.get('service', ''))}: {n.get('number', '')}"
                     for n in v.emergency_numbers or [])


def _section(v: AdvisoryVersion, key: str, lang: str) -> str:
    return ((v.sections or {}).get(key) or {}).get(lang, "")


def version_diff(old: AdvisoryVersion, new: AdvisoryVersion) -> list[FieldDiff]:
    """Every field of the two versions in a fixed order (changed or not; callers filter on .changed)."""
    langs = (("id", _("Indonesian")), ("en", _("English")))
    fields = [FieldDiff("level", _("Level"), _level(old), _level(new))]
    fields += [FieldDiff(f"reason.{lang}", f"{_('Reason')} ({name})", getattr(old, f"reason_{lang}"),
                         getattr(new, f"reason_{lang}")) for lang, name in langs]
    fields.append(FieldDiff("regions", _("Regional levels"), _regions(old), _regions(new)))
    fields.append(FieldDiff("emergency_numbers", _("Emergency numbers"), _numbers(old), _numbers(new)))
    for key in SECTION_KEYS:
        fields += [FieldDiff(f"sections.{key}.{lang}", f"{SECTION_LABELS[key]} ({name})", _section(old, key, lang),
                             _section(new, key, lang)) for lang, name in langs]
    yes, no = _("yes"), _("no")
    fields.append(FieldDiff("is_demo", _("Demo content"), yes if old.is_demo else no, yes if new.is_demo else no))
    return fields
