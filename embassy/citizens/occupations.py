"""Occupation labels (Indonesian and English), from the reference data file shared with seed_demo."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import get_language


@lru_cache(maxsize=1)
def occupations() -> dict[str, dict[str, str]]:
    path = Path(settings.DATA_DIR) / "demo_population.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: {"id": v.get("id", key), "en": v.get("en", key), "purpose": v.get("purpose", "")}
            for key, v in data.get("occupations", {}).items()}


def occupation_choices(purpose: str, current: str = "") -> list[tuple[str, str]]:
    """(key, label) of the occupations of a purpose, in the active language; a current free-text value
    (from the API) is kept as a choice so that editing does not lose it."""
    keys = [key for key, v in occupations().items() if v["purpose"] == purpose]
    if current and current not in keys:
        keys.append(current)
    return [(key, occupation_label(key)) for key in keys]


def occupation_label(key: str) -> str:
    """The label in the active language; a free-text occupation is shown as written."""
    labels = occupations().get(key)
    if labels is None:
        return key
    return labels["en"] if (get_language() or "id").startswith("en") else labels["id"]
