"""`manage.py sentiment_train`: retrain the Indonesian sentiment model on SmSA and rewrite its file."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from embassy.social.sentiment.indonesian import MODEL_PATH, save
from embassy.social.sentiment.labels import LABELS
from embassy.social.sentiment.metrics import evaluate
from embassy.social.sentiment.training import TRAIN_PATH, VALID_PATH, DataFileError, fit, read_labelled


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Command(BaseCommand):
    help = _(
        "Train the Indonesian sentiment model on SmSA's training split (the same input gives the same "
        "file), write it, and print macro-F1, per-class F1 and the confusion matrix on the validation split."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", type=Path, default=TRAIN_PATH, help=_("text<TAB>label file"))
        parser.add_argument("--valid", type=Path, default=VALID_PATH, help=_("text<TAB>label file"))
        parser.add_argument("--output", type=Path, default=MODEL_PATH, help=_("model file to write"))
        parser.add_argument(
            "--check", action="store_true",
            help=_("write nothing; fail unless retraining gives the output file byte for byte"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        try:
            texts, labels = read_labelled(options["train"])
            valid_texts, valid_labels = read_labelled(options["valid"])
        except (OSError, DataFileError) as exc:
            raise CommandError(_("Cannot read the training data: %(error)s") % {"error": exc}) from exc
        started = time.perf_counter()
        model = fit(texts, labels)
        seconds = time.perf_counter() - started
        report = evaluate(valid_labels, model.predict(valid_texts), LABELS)
        self.stdout.write(f"trained on {len(texts)} texts in {seconds:.1f} s; validation ({options['valid'].name}):")
        for line in report.lines():
            self.stdout.write(line)
        target = output.with_name(output.name + ".check") if options["check"] else output
        save(model, target)
        size, digest = target.stat().st_size, _digest(target)
        if options["check"]:
            same = output.exists() and _digest(output) == digest
            target.unlink()
            if not same:
                raise CommandError(_("Retraining does not reproduce %(file)s.") % {"file": output})
            self.stdout.write(f"{output}: reproduced byte for byte ({size:,} bytes, sha256 {digest})")
            return
        self.stdout.write(f"wrote {output} ({size:,} bytes, sha256 {digest})")
