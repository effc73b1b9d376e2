"""Sentiment and language detection on one core (issue 15): posts per second, and the model's macro-F1.

A child process pinned to one CPU (sched_setaffinity) with OMP/OpenBLAS/MKL limited to one thread measures:
- `id_posts_per_s`: `score(texts, "id")`, the Indonesian model, on --posts SmSA texts (train and valid,
  shuffled, repeated to the count: speed only, no accuracy claim on them);
- `mixed_posts_per_s`: `score(texts)` with language detection, on --posts posts, 70% those Indonesian texts and
  30% English posts written for this benchmark;
- `detect_posts_per_s`: `detect_languages` alone on the mixed set, and `mixed_detect_accuracy` (Indonesian
  texts found "id", English ones "en");
- `en_posts_per_s`: VADER alone on the English posts;
- `valid_macro_f1` and per-class F1 of the shipped model on SmSA's validation split; `model_bytes`.
Each rate is the median of three timed passes after a warm-up that loads the models. Baselines in the same
run: tokenising only (`text.normalize`, the floor under any model of ours) for the Indonesian and mixed
rates; py3langid's own per-text `classify` for detection (timed on 3,000 posts).
Goals: valid macro-F1 ≥ 0.80; ≥ 10,000 posts/s on one core, Indonesian and mixed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import write_result

ROOT = Path(__file__).resolve().parents[1]

ENGLISH = (
    "Thank you to the embassy staff for the quick help with my passport",
    "Still waiting for a reply from the consulate, this is ridiculous",
    "The Indonesian embassy in London is hosting a food festival this weekend",
    "Is the visa office open on Friday?",
    "Great service today, very friendly and professional people",
    "Worst experience ever, nobody picks up the phone at the hotline",
    "Stay safe everyone, the storm is getting worse near the coast",
    "Indonesian workers deserve better protection abroad",
    "I lost my passport in Bangkok, what should I do now?",
    "Congratulations on the new trade agreement between our two countries",
    "Long queue this morning but the staff were patient and kind",
    "Flights to Jakarta are cancelled due to the volcano eruption",
    "The new online appointment system is a huge improvement, well done",
    "Three emails and no answer. Is anyone actually reading them?",
    "Proud to see our students win the robotics competition in Seoul",
    "My employer is holding my passport and I have not been paid for months",
    "The cultural night at the embassy was wonderful, thanks for organising",
    "Why does it take six weeks to renew a simple document?",
    "Reminder: the consulate is closed on Monday for the public holiday",
    "Evacuation flights were well organised, grateful to the team on the ground",
)


def _threads_one() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})
    return env


def _rate(fn: Callable[[], object], n: int, repeats: int = 3) -> float:
    """Posts per second: median of `repeats` timed passes over n posts."""
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return n / statistics.median(seconds)


def _corpus(posts: int) -> tuple[list[str], list[str], list[str]]:
    """(Indonesian texts, mixed texts, the language each mixed text is written in)."""
    from embassy.social.sentiment.training import TRAIN_PATH, VALID_PATH, read_labelled

    rng = random.Random(15)
    pool = read_labelled(TRAIN_PATH)[0] + read_labelled(VALID_PATH)[0]
    rng.shuffle(pool)
    indonesian = [pool[i % len(pool)] for i in range(posts)]
    mixed, truth = [], []
    for i in range(posts):
        if i % 10 < 3:
            mixed.append(ENGLISH[rng.randrange(len(ENGLISH))])
            truth.append("en")
        else:
            mixed.append(pool[(i * 7919) % len(pool)])
            truth.append("id")
    return indonesian, mixed, truth


def _child(args: argparse.Namespace) -> dict[str, Any]:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})  # one core, the same for every pass
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    from embassy.social.sentiment import LABELS, detect_languages, english, score
    from embassy.social.sentiment.indonesian import MODEL_PATH, shipped_model
    from embassy.social.sentiment.metrics import evaluate
    from embassy.social.sentiment.text import normalize
    from embassy.social.sentiment.training import VALID_PATH, read_labelled

    indonesian, mixed, truth = _corpus(args.posts)
    valid_texts, valid_gold = read_labelled(VALID_PATH)
    score(mixed[:2000])  # warm-up: loads the Indonesian model, py3langid's model and VADER's lexicon

    def tokenise(texts: Sequence[str]) -> Callable[[], object]:
        return lambda: [normalize(t) for t in texts]

    english_only = [t for t, lang in zip(mixed, truth, strict=True) if lang == "en"]
    detected = detect_languages(mixed)
    correct = sum(d == t for d, t in zip(detected, truth, strict=True))
    reference = LanguageIdentifier.from_model_file(MODEL_FILE)
    sample = mixed[:3000]
    report = evaluate(valid_gold, shipped_model().predict(valid_texts), LABELS)
    results: dict[str, Any] = {
        "id_posts_per_s": round(_rate(lambda: score(indonesian, "id"), len(indonesian))),
        "mixed_posts_per_s": round(_rate(lambda: score(mixed), len(mixed))),
        "detect_posts_per_s": round(_rate(lambda: detect_languages(mixed), len(mixed))),
        "en_posts_per_s": round(_rate(lambda: english.predict(english_only), len(english_only))),
        "mixed_detect_accuracy": round(correct / len(mixed), 4),
        "valid_macro_f1": round(report.macro_f1, 4),
        **{f"valid_f1_{label}": round(report.f1[label], 4) for label in LABELS},
        "valid_accuracy": round(report.accuracy, 4),
        "model_bytes": MODEL_PATH.stat().st_size,
    }
    baseline = {
        "id_posts_per_s": round(_rate(tokenise(indonesian), len(indonesian))),
        "mixed_posts_per_s": round(_rate(tokenise(mixed), len(mixed))),
        "detect_posts_per_s": round(_rate(lambda: [reference.classify(t) for t in sample], len(sample), 1)),
    }
    return {"results": results, "baseline": baseline, "confusion": report.confusion}


def main(argv: list[str]) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="benchmarks.run sentiment", description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    parser.add_argument("--quick", action="store_true", help="10,000 posts")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.quick:
        args.posts = 10_000
    if args.child:
        result = _child(args)
        Path(args.out).write_text(json.dumps(result))
        return result
    with tempfile.TemporaryDirectory(prefix="bench-sentiment-") as tmp:
        out = Path(tmp) / "result.json"
        subprocess.run([sys.executable, "-m", "benchmarks.bench_sentiment", "--child", "--posts", str(args.posts),
                        "--out", str(out)], cwd=ROOT, env=_threads_one(), check=True)
        measured = json.loads(out.read_text())
    print("confusion on SmSA valid (rows: true, columns: predicted; negative, neutral, positive):",
          measured["confusion"])
    goals = [("valid_macro_f1", ">=", 0.80), ("id_posts_per_s", ">=", 10_000), ("mixed_posts_per_s", ">=", 10_000),
             ("model_bytes", "<", 3_000_000)]
    return write_result("sentiment", {"posts": args.posts, "cores": 1, "english_share": 0.3},
                        measured["results"], measured["baseline"], goals)


if __name__ == "__main__":
    main(sys.argv[1:])
