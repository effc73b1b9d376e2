"""The protocol check: names and titles of heads of state and government in a draft (data/protocol_names.csv,
each row with its source). It warns, it does not block: the approver sees the warnings before approving.

- A name written almost right (a close fuzzy match, not exact) is probably misspelt: "Prabowo Subiyanto".
- A listed name written without one of its titles just before it: "Prabowo Subianto" instead of
  "Presiden Prabowo Subianto" (Indonesian or English titles are both accepted).
"""

from __future__ import annotations

import csv
import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

PATH = Path(settings.BASE_DIR) / "data" / "protocol_names.csv"
WORD = re.compile(r"[\w.'’-]+", re.UNICODE)
CLOSE = 0.82  # difflib ratio from which a different spelling is taken for the name
TITLE_WINDOW = 60  # characters before the name in which a title must appear


@dataclass(frozen=True)
class Person:
    country: str
    office: str
    name: str
    titles: tuple[str, ...]
    source_url: str
    source_date: str


@dataclass(frozen=True)
class Warning_:
    kind: str  # "spelling" | "title"
    message: str
    source_url: str


@cache
def people(path: Path = PATH) -> tuple[Person, ...]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    found = []
    for row in csv.DictReader(lines):
        titles = tuple(t.strip() for t in (row["titles_id"] + "|" + row["titles_en"]).split("|") if t.strip())
        found.append(Person(row["country"], row["office"], row["name"].strip(), titles, row["source_url"],
                            row["source_date"]))
    return tuple(found)


def _norm(word: str) -> str:
    return word.lower().strip(".'’-")


def check(text: str) -> list[Warning_]:
    """The protocol warnings for `text`, each once."""
    words = [(m.start(), m.end(), _norm(m.group())) for m in WORD.finditer(text)]
    warnings: dict[tuple[str, str], Warning_] = {}
    for person in people():
        target = [_norm(w) for w in person.name.split()]
        n = len(target)
        for i in range(len(words) - n + 1):
            window = words[i:i + n]
            written = " ".join(w[2] for w in window)
            wanted = " ".join(target)
            if written == wanted:
                before = text[max(0, window[0][0] - TITLE_WINDOW):window[0][0]].lower()
                if not any(t.lower() in before for t in person.titles):
                    warnings[("title", person.name)] = Warning_("title", _(
                        "%(name)s is named without a title (e.g. “%(title)s %(name)s”).") % {
                        "name": person.name, "title": person.titles[0]}, person.source_url)
            elif window[0][2][:1] == target[0][:1] and difflib.SequenceMatcher(None, written, wanted).ratio() >= CLOSE:
                shown = text[window[0][0]:window[-1][1]]
                warnings[("spelling", shown)] = Warning_("spelling", _(
                    "“%(written)s”: did you mean %(name)s? Check the spelling.") % {
                    "written": shown, "name": person.name}, person.source_url)
    return list(warnings.values())
