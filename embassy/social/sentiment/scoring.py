"""One entry point: a label per text, the language detected when the caller does not give it.

Dispatch, per text:
- no letter at all (empty, emoji, emoticons, a bare link): VADER, whose lexicon has emoji and emoticons
  ("😡", ":(", "<3"); an empty text, or one VADER finds nothing in, is neutral;
- "id" (Indonesian, with Malay and Javanese: language.py): the Indonesian model trained on SmSA;
- "en": VADER;
- "other": neutral. No model here reads that language, and a confident wrong label would mislead a
  dashboard more than "neutral" does; such posts can be counted apart by their language.
"""

from __future__ import annotations

from collections.abc import Sequence

from embassy.social.sentiment import english
from embassy.social.sentiment.indonesian import shipped_model
from embassy.social.sentiment.labels import Label
from embassy.social.sentiment.language import LANGUAGES, Language, detect_languages, has_letters


def _routes(texts: list[str], lang: str | Sequence[str] | None) -> list[str]:
    """Which scorer reads each text: "id", "en" or "other" ("en" also for texts without letters)."""
    if lang is None:
        langs: list[str] = list(detect_languages(texts))
    else:
        langs = [lang] * len(texts) if isinstance(lang, str) else list(lang)
        if len(langs) != len(texts):
            raise ValueError(f"{len(langs)} languages for {len(texts)} texts")
        unknown = sorted(set(langs) - set(LANGUAGES))
        if unknown:
            raise ValueError(f"unknown language {unknown[0]!r}: expected one of {', '.join(LANGUAGES)}")
    return [language if has_letters(text) else "en" for text, language in zip(texts, langs, strict=True)]


def score(texts: Sequence[str], lang: Language | Sequence[Language] | None = None) -> list[Label]:
    """'positive', 'neutral' or 'negative' for each text, in order.

    `lang`: None to detect each text's language; one of "id", "en", "other" for all texts; or one per text
    (e.g. what `detect_languages` returned and the caller stored). ValueError for anything else.
    """
    texts = list(texts)
    routes = _routes(texts, lang)
    labels: list[Label] = ["neutral"] * len(texts)
    for route, predict in (("id", shipped_model().predict), ("en", english.predict)):
        chosen = [i for i, r in enumerate(routes) if r == route]
        if chosen:
            for i, label in zip(chosen, predict([texts[i] for i in chosen]), strict=True):
                labels[i] = label
    return labels


def score_one(text: str, lang: Language | None = None) -> Label:
    """score() for one text."""
    return score([text], lang)[0]
