"""English sentiment: VADER (vaderSentiment, MIT), whose lexicon ships inside the package.

Labels follow VADER's documented thresholds on the compound score: positive at ≥ 0.05, negative at
≤ -0.05, neutral between. VADER also reads emoji (through its emoji lexicon) and emoticons, which is why
texts without letters are scored here whatever their language (see scoring.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from embassy.common.once import once
from embassy.social.sentiment.labels import Label
from embassy.social.sentiment.text import MAX_CHARS

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05

@once
def analyzer() -> SentimentIntensityAnalyzer:
    """The process's VADER analyser (reads its lexicon files on first use; read-only afterwards)."""
    return SentimentIntensityAnalyzer()


def label_of(compound: float) -> Label:
    """VADER's compound score → label, with its documented ±0.05 thresholds."""
    if compound >= POSITIVE_AT:
        return "positive"
    if compound <= NEGATIVE_AT:
        return "negative"
    return "neutral"


def compound(text: str) -> float:
    """VADER's compound score in [-1, 1] (the text cut at MAX_CHARS)."""
    return float(analyzer().polarity_scores(text[:MAX_CHARS])["compound"])


def predict(texts: Sequence[str]) -> list[Label]:
    """A label per English text, in order."""
    scores = analyzer().polarity_scores
    return [label_of(scores(t[:MAX_CHARS])["compound"]) for t in texts]
