"""`manage.py sentiment_score FILE`: one label per input line, in order (issue 15)."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from embassy.social.sentiment import LABELS, LANGUAGES, score
from embassy.social.sentiment.metrics import evaluate

CHUNK = 8192  # lines scored at a time: a large file streams through in bounded memory


def _lines(stream: IO[bytes]) -> Iterator[str]:
    """Lines split on "\\n" only (so the count matches `wc -l`), CR stripped, bad UTF-8 replaced."""
    for raw in stream:
        yield raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")


def _open(name: str) -> AbstractContextManager[IO[bytes]]:
    """The file, or standard input (left open) for "-"."""
    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        return nullcontext(buffer if buffer is not None else io.BytesIO(sys.stdin.read().encode()))
    return Path(name).open("rb")


def parse(line: str) -> tuple[str, str | None]:
    """(text, label): a line is `text<TAB>label` when what follows its last tab is a label, else text."""
    text, tab, label = line.rpartition("\t")
    if tab and label.strip() in LABELS:
        return text, label.strip()
    return line, None


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
            with _open(name) as stream:
                for line in _lines(stream):
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
