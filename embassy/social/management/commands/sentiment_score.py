"""`manage.py sentiment_score FILE`: one label per input line, in order (issue 15)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from embassy.social import textfile
from embassy.social.sentiment import LABELS, LANGUAGES, score
from embassy.social.sentiment.metrics import evaluate

CHUNK = 8192  # lines scored at a time: a large file streams through in bounded memory


def parse(line: str) -> tuple[str, str | None]:
    """(text, label) of one line, the label one of the sentiment labels."""
    return textfile.parse(line, LABELS)


class Command(BaseCommand):
    help = _(
        "Print the sentiment (positive, neutral or negative) of each line of FILE, one line out for each "
        "line in, in order. A line is a text, or text<TAB>label as in SmSA. An empty line is neutral. "
        "FILE '-' reads standard input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("a UTF-8 text file, or - for standard input"))
        parser.add_argument(
            "--lang", choices=["auto", *LANGUAGES], default="auto",
            help=_("language of every line (default: detected per line)"),
        )
        parser.add_argument(
            "--report", action="store_true",
            help=_("with labelled lines: print accuracy, macro-F1 and per-class F1 to stderr"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(options["file"])
        lang = None if options["lang"] == "auto" else options["lang"]
        gold: list[str] = []
        predicted: list[str] = []
        chunk: list[tuple[str, str | None]] = []
        try:
            with textfile.open_texts(name) as stream:
                for line in textfile.lines(stream):
                    chunk.append(parse(line))
                    if len(chunk) == CHUNK:
                        self._flush(chunk, lang, gold, predicted)
                        chunk = []
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": name, "error": exc.strerror or exc}
            ) from exc
        self._flush(chunk, lang, gold, predicted)
        if options["report"]:
            if not gold:
                raise CommandError(_("--report needs lines of the form text<TAB>label; none found."))
            for line in evaluate(gold, predicted, LABELS).lines():
                self.stderr.write(line)

    def _flush(self, chunk: list[tuple[str, str | None]], lang: str | None, gold: list[str],
               predicted: list[str]) -> None:
        if not chunk:
            return
        labels = score([text for text, _label in chunk], lang)  # type: ignore[arg-type]  # checked by argparse
        for (_text, label), got in zip(chunk, labels, strict=True):
            if label is not None:
                gold.append(label)
                predicted.append(got)
        self.stdout.write("\n".join(labels))
