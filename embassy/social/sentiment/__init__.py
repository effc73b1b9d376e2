"""Sentiment of social posts in Indonesian and English, and offline language detection (issue 15).

    from embassy.social.sentiment import detect_languages, score
    score(["Pelayanan KBRI cepat sekali, terima kasih!", "Nobody answers the hotline."])
    # ['positive', 'negative']

Nothing here touches the database or the network; models load on first use, once per process.
docs/sentiment.md has the model, its figures and the limits.
"""

from embassy.social.sentiment.labels import LABELS, Label
from embassy.social.sentiment.language import (
    LANGUAGES,
    Detected,
    Language,
    detect_language,
    detect_language_detail,
    detect_languages,
)
from embassy.social.sentiment.scoring import score, score_one

__all__ = [
    "LABELS",
    "LANGUAGES",
    "Detected",
    "Label",
    "Language",
    "detect_language",
    "detect_language_detail",
    "detect_languages",
    "score",
    "score_one",
]
