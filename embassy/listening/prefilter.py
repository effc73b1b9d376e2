"""A word test in front of the distress detector: False only for a post `distress.assess` cannot flag.

assess reads ~3,000 posts a second; ingest must store ~10,000. Every way assess flags a post needs one of its
*anchor* words among the post's tokens (as assess reads them, `distress._tokens`): a harm or trouble word, one
word of each harm or trouble phrase (all of a phrase's words must be there; the rarest that is not a negator is
taken), one side of each near-pair (the rarer) — the *strong* anchors —, or a *weak* one, a trouble or context
word, together with a companion: the writer ("saya", "sy", "adikku") or a call for help (trouble counts only
with one of them; context only with a call for help, or with fear and the writer). So the test is exact when it reads tokens as assess does; it is fast
because it mostly does not:

- the raw words of the post (lower case, runs of letters and digits) are looked up in RAW: the anchors and
  every spelling that becomes one through the detector's reading — the sentiment tokeniser's informal forms
  ("tlg"), the detector's own spellings ("majikn"), a possessive suffix ("majikanku", "paspornya") and the
  second half of a split prefix ("di kurung" → "dikurung");
- a post with an elongated word ("tolooong"), a reduplication ("bantu2") or an apostrophe, whose reading a
  plain lookup cannot follow, is read exactly with `distress._tokens`.

Built from the detector's own tables when first used; if the detector no longer has the tables this reads (its
internals changed), `may_be_distress` answers True for every post (assess then reads them all: slower, never
wrong). embassy/listening/tests/test_ingest.py checks on the detector's labelled posts that nothing flagged is
filtered out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from importlib import resources

from embassy.common.once import once
from embassy.social import distress
from embassy.social.sentiment.text import MAX_CHARS, SLANG

_RAW_TOKEN = re.compile(r"\w+")
_SPLIT = re.compile(r"\bdi?\W+\w")  # "di kurung", "d tahan"
_HARD = re.compile(r"([^\W\d_])\1\1|\w2\b|['’]")  # elongation, reduplication, apostrophe
NEEDED = ("HARM_WORDS", "TROUBLE_WORDS", "HARM_PHRASES", "TROUBLE_PHRASES", "NEAR", "NEGATED_NEAR", "CONTEXT",
          "NEGATORS", "SPELLING", "_SUFFIXES", "_tokens", "KIN", "MINE", "PERSON", "HELP")


@once
def _frequency() -> Counter[str]:
    """How often each word occurs in the SmSA corpus shipped with the sentiment model (Indonesian reviews): the
    anchor chosen for a phrase or a pair is its rarest part, so that ordinary posts are spared."""
    path = resources.files("embassy.social.sentiment") / "data" / "smsa" / "train.tsv"
    counts: Counter[str] = Counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        counts.update(_RAW_TOKEN.findall(line.partition("\t")[0].lower()))
    return counts


def _phrase_anchor(phrase: tuple[str, ...], negators: frozenset[str]) -> str:
    words = [w for w in phrase if w not in negators] or list(phrase)
    frequency = _frequency()
    return min(words, key=lambda w: (frequency[w], -len(w)))


def _rarer(first: frozenset[str], second: frozenset[str]) -> frozenset[str]:
    frequency = _frequency()
    return min((first, second), key=lambda side: sum(frequency[w] for w in side))


def anchors() -> tuple[frozenset[str], frozenset[str]]:
    """(strong, weak): a flagged post has a strong anchor (harm: a word, a phrase's rarest word, a near-pair's
    rarer side), or a weak one (trouble, context) together with a companion (see `companions`)."""
    d = distress
    strong: set[str] = set()
    for vocabulary in d.HARM_WORDS.values():
        strong |= vocabulary
    for phrases in d.HARM_PHRASES.values():
        strong |= {_phrase_anchor(p, d.NEGATORS) for p in phrases}
    for pairs in (*d.NEAR.values(), *d.NEGATED_NEAR.values()):
        for first, second in pairs:  # both must be there: the rarer side will do
            strong |= _rarer(first, second)
    weak: set[str] = set(d.CONTEXT)
    for vocabulary in d.TROUBLE_WORDS.values():
        weak |= vocabulary
    for phrases in d.TROUBLE_PHRASES.values():
        weak |= {_phrase_anchor(p, d.NEGATORS) for p in phrases}
    return frozenset(strong), frozenset(weak - strong)


def companions() -> frozenset[str]:
    """Raw words of which a post with only weak anchors has one if it can be flagged: trouble counts with the
    writer ("saya", "adikku") or a call for help, context with a call for help or with fear and the writer."""
    d = distress
    kin = {w for w in raw_forms(frozenset(d.KIN | d.MINE)) if w.endswith("ku")}
    return raw_forms(frozenset(d.PERSON | d.HELP)) | kin


def _preimages(targets: set[str], mapping: dict[str, str]) -> set[str]:
    """Keys of `mapping` whose value (or one of its words) is in targets."""
    return {k for k, v in mapping.items() if not targets.isdisjoint(v.split())}


def raw_forms(anchor_words: frozenset[str], *, joined: bool = True) -> frozenset[str]:
    """Every raw word that the detector's reading turns into an anchor (see the module docstring); without
    `joined`, not the second halves of split prefixes ("kurung" of "di kurung": see `second_halves`)."""
    spelling: dict[str, str] = distress.SPELLING
    suffixes: tuple[str, ...] = distress._SUFFIXES  # the detector's reading, followed exactly
    spelled = set(anchor_words) | _preimages(set(anchor_words), spelling)
    stemmed = spelled | {base + s for base in spelled for s in suffixes}
    after_slang = stemmed | _preimages(stemmed, spelling)
    if joined:
        after_slang |= second_halves(after_slang)
    return frozenset(after_slang | _preimages(after_slang, SLANG))


def second_halves(words: set[str] | frozenset[str]) -> set[str]:
    """Raw words that follow "di" or "d" in a split prefix the detector joins ("di kurung" → "dikurung")."""
    halves = {w[2:] for w in words if w.startswith("di") and len(w) > 2}
    halves |= _preimages(halves, distress.SPELLING)
    return halves | _preimages(halves, SLANG)


@once
def _test() -> Callable[[str], bool]:
    if not all(hasattr(distress, name) for name in NEEDED):
        return lambda _text: True
    strong, weak = anchors()
    raw_strong, raw_weak, raw_with = raw_forms(strong, joined=False), raw_forms(weak), companions()
    halves = frozenset(second_halves(raw_forms(strong, joined=False)) - raw_strong)
    every = strong | weak
    tokens: Callable[[str], list[str]] = distress._tokens

    def test(text: str) -> bool:
        low = text[:MAX_CHARS].lower()
        raw = set(_RAW_TOKEN.findall(low))
        if not raw_strong.isdisjoint(raw) or (not raw_weak.isdisjoint(raw) and not raw_with.isdisjoint(raw)):
            return True
        if not halves.isdisjoint(raw) and _SPLIT.search(low):
            return not every.isdisjoint(tokens(text))
        if _HARD.search(low):
            return not every.isdisjoint(tokens(text))
        return False

    return test


def may_be_distress(text: str) -> bool:
    """False only when distress.assess(text) cannot flag the text."""
    return _test()(text)
