"""Offline language detection: Indonesian, English or other, with py3langid's shipped model.

py3langid (BSD-3-Clause; a fork of Marco Lui's langid.py) ships a naive Bayes model over byte n-grams for
142 languages inside its wheel; nothing is downloaded. Its `classify` walks each text byte by byte in
Python: about 10,000 posts/s on one core here, which with sentiment scoring after it leaves the listening
pipeline under its 10,000 posts/s. `LanguageDetector` evaluates the same model a batch at a time with numpy
(about 30,000 posts/s) and picks the language `classify` picks (tests compare the two):

- the tokeniser is an Aho-Corasick automaton whose deepest state is L bytes from the start (6 for the
  shipped model), so the state after any byte is the state reached from the start by the last L bytes
  alone: L vectorised steps over every byte of the batch replace the sequential walk;
- byte 0 sends every state back to the start and emits nothing, so texts are joined with it.
Both properties are checked when the model is loaded; if a future model broke them, detection would fall
back to py3langid's own `classify`, slower but still right.

Our three classes from the library's language codes:
- "id": Indonesian, and Malay ("ms") and Javanese ("jv"). Short Indonesian posts are often labelled Malay
  (Malay and Indonesian are standard forms of one language: 5% of SmSA's Indonesian validation posts come
  out as "ms"), Indonesians abroad write Malay and Javanese and mix them with Indonesian, and the
  Indonesian sentiment model reads their shared words. A caller who needs the distinction has the
  library's code from `detect_language_detail`.
- "en": English.
- "other": every other language, and texts with no letter at all (empty, emoji, numbers, bare links).
Short texts: a naive Bayes score is a sum over a text's n-grams, so a one-word post is a coin toss among
142 languages ("thanks" scores as Xhosa). The languages the listening streams expect (Indonesian, Malay,
Javanese, English) get a prior bonus of EXPECTED_BONUS in log-probability: decisive for a word or two,
negligible against a sentence of another language (whose margin is in the tens or hundreds).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from embassy.common.once import once
from embassy.social.sentiment.text import MAX_CHARS

Language = Literal["id", "en", "other"]
LANGUAGES: tuple[Language, ...] = ("id", "en", "other")
INDONESIAN_CODES = frozenset({"id", "ms", "jv"})
ENGLISH_CODES = frozenset({"en"})
EXPECTED_BONUS = 8.0
MAX_WINDOW = 8  # deepest automaton state the vectorised walk accepts
CHUNK = 2048
GROUPS = 24  # groups of other languages bounded together (see LanguageDetector)

_SCHEME = ("http://", "https://", "www.")
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00C0-\u024F\u1E00-\u1EFF]")  # Basic Latin, Latin-1, Extended-A/B, Additional


def _encode(text: str) -> bytes:
    """What py3langid's classify scores: NFC, lower case when all upper, UTF-8 (lone surrogates kept)."""
    text = text[:MAX_CHARS]
    if text.isupper():
        text = text.lower()
    return unicodedata.normalize("NFC", text).encode("utf-8", "surrogatepass")


def has_letters(text: str) -> bool:
    """Whether the text has a letter outside links and @mentions (a hashtag's words count): without one
    there is no language to read, only emoji, numbers or punctuation."""
    for word in text[:MAX_CHARS].split():
        if word.startswith(("@", *_SCHEME)):
            continue
        if any(c.isalpha() for c in word):
            return True
    return False


def mostly_latin(text: str) -> bool:
    """At least half of the text's letters are Latin: how Indonesian, Malay, Javanese and English are
    written on social media (an ASCII text, the usual case, is answered without a scan)."""
    if text.isascii():
        return True
    letters = len(_LETTER.findall(text, 0, MAX_CHARS))
    return 2 * len(_LATIN.findall(text, 0, MAX_CHARS)) >= letters


@dataclass(frozen=True)
class Detected:
    language: Language
    code: str  # py3langid's ISO 639 code; "zxx" for a text without letters, "und" for one it cannot read


class LanguageDetector:
    """py3langid's naive Bayes model, evaluated a batch at a time; picks the language its classify picks.

    Exact but mostly cheap: a text's scores are first summed for the expected languages (Indonesian,
    Malay, Javanese, English) and for GROUPS groups of the other languages, each group scored with the
    per-feature maximum over its members, an upper bound of each member's score. When the best expected
    language beats every group's bound, no other language can win; otherwise (about 2% of Indonesian and
    English posts) the text is scored over all languages.
    """

    def __init__(self, bonus: float = EXPECTED_BONUS) -> None:
        self.identifier = ident = LanguageIdentifier.from_model_file(MODEL_FILE)
        self.codes: list[str] = list(ident.nb_classes)
        self.ptc: NDArray[np.float16] = np.asarray(ident.nb_ptc)
        self.prior = np.asarray(ident.nb_pc, dtype=np.float32).copy()
        expected = [i for i, code in enumerate(self.codes) if code in INDONESIAN_CODES | ENGLISH_CODES]
        self.prior[expected] += bonus
        self.bonus = bonus
        self.expected = np.asarray(expected, dtype=np.int64)
        groups = np.array_split(np.setdiff1d(np.arange(len(self.codes)), self.expected), GROUPS)
        self.narrow = np.concatenate(
            [self.ptc[:, self.expected].astype(np.float32)]
            + [self.ptc[:, g].max(axis=1, keepdims=True).astype(np.float32) for g in groups], axis=1)
        self.narrow_prior = np.concatenate([self.prior[self.expected], [self.prior[g].max() for g in groups]])
        # A view of the library's transition table (38 MB), not a copy.
        self.nextmove = np.frombuffer(ident.tk_nextmove, dtype=np.uint32 if ident.tk_nextmove.itemsize == 4
                                      else np.uint16)
        self.rowbase = np.frombuffer(ident.tk_row, dtype=np.uint16 if ident.tk_row.itemsize == 2
                                     else np.uint32).astype(np.int64) * 256
        self.output = np.asarray(ident.tk_output, dtype=np.int64)
        self.window = self._window()

    def _window(self) -> int | None:
        """Depth of the deepest state, if byte 0 resets the automaton; None when the fast walk is unsafe."""
        states = len(self.rowbase)
        if self.output[0] >= 0 or np.any(self.nextmove[self.rowbase] != 0):
            return None
        depth = np.full(states, -1, dtype=np.int64)
        depth[0] = 0
        frontier = np.zeros(1, dtype=np.int64)
        level = 0
        while len(frontier):
            if level > MAX_WINDOW:
                return None
            level += 1
            new = np.zeros(states, dtype=bool)
            for part in range(0, len(frontier), 4096):  # bounded temporaries: 4096 states × 256 bytes
                rows = self.rowbase[frontier[part : part + 4096]]
                targets = self.nextmove[(rows[:, None] + np.arange(256)).ravel()]
                new[targets[depth[targets] < 0]] = True
            frontier = np.flatnonzero(new)
            depth[frontier] = level
        return int(depth.max())

    def best(self, texts: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Index into `codes` of each text's best language, and whether the text had any feature."""
        best = np.zeros(len(texts), dtype=np.int64)
        found = np.zeros(len(texts), dtype=bool)
        for start in range(0, len(texts), CHUNK):
            chunk = [_encode(t) for t in texts[start : start + CHUNK]]
            end = start + len(chunk)
            if self.window is None:
                for i, data in enumerate(chunk):
                    raw = self.identifier._raw_score(data)  # the library's own path
                    found[start + i] = bool(np.all(raw > np.finfo(np.float32).min))
                    best[start + i] = int(np.argmax(raw - np.asarray(self.identifier.nb_pc) + self.prior))
            else:
                best[start:end], found[start:end] = self._batch(chunk)
        return best, found

    def _features(self, chunk: list[bytes]) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float32]]:
        """(text, feature, log1p(count)) for each distinct feature of each text, texts in order."""
        assert self.window is not None
        n, window = len(chunk), self.window
        lengths = np.fromiter((len(b) for b in chunk), dtype=np.int64, count=n)
        # window-1 zero bytes first, then each text followed by a zero byte (which resets the walk)
        data = np.frombuffer(b"\0" * (window - 1) + b"\0".join(chunk) + b"\0", dtype=np.uint8).astype(np.int64)
        size = len(data) - (window - 1)
        state = np.zeros(size, dtype=np.int64)
        for step in range(window):
            state = self.nextmove[self.rowbase[state] + data[step : step + size]]
        feature = self.output[state]
        doc = np.repeat(np.arange(n, dtype=np.int64), lengths + 1)
        hit = feature >= 0
        keys = np.sort(doc[hit] * len(self.output) + feature[hit])
        first = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(keys))).astype(np.float32)
        unique = keys[starts]
        return unique // len(self.output), unique % len(self.output), np.log1p(counts)

    def _batch(self, chunk: list[bytes]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        best = np.zeros(len(chunk), dtype=np.int64)
        found = np.zeros(len(chunk), dtype=bool)
        doc, feature, weight = self._features(chunk)
        if not len(doc):
            return best, found
        edges = np.flatnonzero(np.diff(doc, prepend=-1))  # first row of each text that has features
        docs = doc[edges]
        found[docs] = True
        sums = np.add.reduceat(weight[:, None] * self.narrow[feature], edges, axis=0) + self.narrow_prior
        n_expected = len(self.expected)
        top = sums[:, :n_expected].max(axis=1)
        # float32 sums in another order than py3langid's: a margin keeps near-ties on the exact path
        sure = top > sums[:, n_expected:].max(axis=1) + 1e-3 + 1e-4 * np.abs(top)
        best[docs[sure]] = self.expected[sums[sure, :n_expected].argmax(axis=1)]
        bounds = np.append(edges, len(doc))
        for k in np.flatnonzero(~sure).tolist():
            lo, hi = int(bounds[k]), int(bounds[k + 1])
            best[docs[k]] = int(np.argmax(weight[lo:hi] @ self.ptc[feature[lo:hi]] + self.prior))
        return best, found

    def detect(self, texts: Sequence[str]) -> list[Detected]:
        """Language of each text, in order."""
        best, found = self.best(texts)
        result = []
        for i, text in enumerate(texts):
            if not has_letters(text):
                result.append(Detected("other", "zxx"))  # ISO 639-2: no linguistic content
                continue
            if not found[i]:
                result.append(Detected("other", "und"))  # letters, but no n-gram the model knows
                continue
            code = self.codes[int(best[i])]
            language: Language = (
                "id" if code in INDONESIAN_CODES else "en" if code in ENGLISH_CODES else "other"
            )
            if language != "other" and not mostly_latin(text):
                language = "other"  # a short CJK, Thai or Arabic text the bonus pulled to id or en
            result.append(Detected(language, code))
        return result


@once
def detector() -> LanguageDetector:
    """The process's detector (the model is read once, on first use)."""
    return LanguageDetector()


def detect_languages(texts: Sequence[str]) -> list[Language]:
    """"id", "en" or "other" for each text, in order (see the module's docstring for Malay and Javanese)."""
    return [d.language for d in detector().detect(texts)]


def detect_language(text: str) -> Language:
    """"id", "en" or "other" for one text."""
    return detect_languages([text])[0]


def detect_language_detail(text: str) -> Detected:
    """Our class and the library's own language code ("ms" for Malay, "jv" for Javanese, ...)."""
    return detector().detect([text])[0]
