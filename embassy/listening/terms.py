"""Stream terms: which streams a heard post matches, and by which of their terms."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from embassy.listening.models import Stream
from embassy.social.collectors import term_units

_TERM_WORD = re.compile(r"\w+")


def term_key(term: str) -> str:
    """A term as it is matched and counted: its words in lower case, one space apart ("KBRI  Kuala-Lumpur" →
    "kbri kuala lumpur", "#WNI" → "wni", "@Kemlu_RI" → "kemlu_ri")."""
    return " ".join(_TERM_WORD.findall(term.lower().strip('"')))


class TermMatcher:
    """Which streams a text matches and by which terms, read as the platforms' searches read them: a term's
    "quoted phrases" and other words must all appear ('"Hong Kong" WNI'), as whole words, so "wni" matches
    "#WNI," but not "wnix"; a phrase matches its words in a row. Each term is indexed by its first word, so a
    text is checked only against the terms whose first word it holds."""

    def __init__(self, streams: Iterable[Stream]) -> None:
        # first word → [(term key, its parts as word tuples, stream ids)]
        self.anchors: dict[str, list[tuple[str, tuple[tuple[str, ...], ...], set[int]]]] = defaultdict(list)
        known: dict[str, set[int]] = {}
        for stream in streams:
            for term in stream.terms or []:
                key = term_key(str(term))
                if not key:
                    continue
                if key in known:
                    known[key].add(stream.pk)
                    continue
                parts = tuple(tuple(_TERM_WORD.findall(unit)) for unit in term_units(str(term)))
                parts = tuple(p for p in parts if p) or (tuple(key.split()),)
                known[key] = {stream.pk}
                self.anchors[parts[0][0]].append((key, parts, known[key]))

    def match(self, text: str) -> tuple[list[int], list[str]]:
        """(stream ids, terms) of the text, each sorted."""
        if not self.anchors:
            return [], []
        tokens = _TERM_WORD.findall(text.lower())
        present = set(tokens)
        candidates = present & self.anchors.keys()
        if not candidates:
            return [], []
        joined = ""
        ids: set[int] = set()
        found: list[str] = []
        for anchor in candidates:
            for key, parts, streams in self.anchors[anchor]:
                ok = True
                for part in parts:
                    if len(part) == 1:
                        ok = part[0] in present
                    else:
                        joined = joined or f" {' '.join(tokens)} "
                        ok = f" {' '.join(part)} " in joined
                    if not ok:
                        break
                if ok:
                    found.append(key)
                    ids |= streams
        return sorted(ids), sorted(found)
