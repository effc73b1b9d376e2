"""Whether two written names may be the same person's: normalised (case, accents, punctuation, the patronymic
connectors "bin"/"binti"), tolerant to one misspelt letter per word (at most two in all) and to words in another
order, but never to a missing or extra word: "Siti" is not "Siti Aminah". A similar name alone never matches
anyone (embassy.enquiries.matching adds a strong key)."""

from __future__ import annotations

import itertools
import re
import unicodedata

CONNECTORS = frozenset({"bin", "binti", "bt", "bte", "b", "bn"})
_NOT_LETTER = re.compile(r"[^a-z ]+")
MAX_EDITS_PER_WORD = 1
MAX_EDITS = 2


def name_tokens(value: str) -> list[str]:
    """The words of a name, lower case, without accents, punctuation or connectors."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("-", " ").replace("'", "")
    return [w for w in _NOT_LETTER.sub(" ", text).split() if w not in CONNECTORS]


def name_key(value: str) -> str:
    return " ".join(name_tokens(value))


def edits(a: str, b: str, cap: int = 3) -> int:
    """Optimal string alignment distance (Damerau–Levenshtein without repeated edits), stopping at `cap`."""
    if abs(len(a) - len(b)) >= cap:
        return cap
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) >= cap:
            return cap
        prev2, prev = prev, row
    return min(prev[-1], cap)


def _word_budget(a: str, b: str) -> int:
    return 0 if min(len(a), len(b)) <= 3 else MAX_EDITS_PER_WORD


def _aligned(words_a: list[str], words_b: list[str]) -> bool:
    total = 0
    for a, b in zip(words_a, words_b, strict=True):
        d = edits(a, b)
        if d > _word_budget(a, b):
            return False
        total += d
    return total <= MAX_EDITS


def names_similar(a: str, b: str) -> bool:
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return False
    if len(ta) != len(tb):
        # the same letters spaced differently ("Nur Haliza", "Nurhaliza"); otherwise a word is missing
        return "".join(ta) == "".join(tb)
    if sorted(ta) == sorted(tb):
        return True
    if len(ta) > 4:
        return _aligned(ta, tb) or _aligned(sorted(ta), sorted(tb))
    return any(_aligned(ta, list(order)) for order in itertools.permutations(tb))


def names_overlap(a: str, b: str) -> bool:
    """At least one word in common (within one letter): the check that a passport or NIK typed by a relative
    names this person and not a stranger whose number differs by a typo."""
    ta, tb = name_tokens(a), name_tokens(b)
    return any(edits(x, y) <= _word_budget(x, y) for x in ta for y in tb)
