"""Every `{% url "name" … %}` in the project's templates names a URL pattern that exists. A wrong name only fails
when the template renders, and some branches render only for one kind of user (a signed-in citizen's links on
the consular pages once did: NoReverseMatch, a 500 for every citizen)."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[3]
URL_TAG = re.compile(r"""{%\s*url\s+(['"])([^'"]+)\1""")


def _names(resolver: URLResolver, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _names(entry, space)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return names


def test_every_url_tag_names_an_existing_pattern() -> None:
    known = _names(get_resolver())
    templates = [p for base in ("templates", "embassy") for p in (ROOT / base).rglob("*.html")]
    assert len(templates) > 50
    unknown = sorted({f"{p.relative_to(ROOT)}: {m.group(2)}" for p in templates
                      for m in URL_TAG.finditer(p.read_text(encoding="utf-8")) if m.group(2) not in known})
    assert not unknown, "\n".join(unknown)
