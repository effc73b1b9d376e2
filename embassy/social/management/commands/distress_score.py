"""`manage.py distress_score FILE`: `distress` or `not` per input line, in order (issue 15 point 4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from embassy.social import textfile
from embassy.social.distress import assess

# Labels a line may carry. "news" (someone reporting on distress: a journalist, an NGO) is not a person's cry for
# help: it counts as "not" for precision and recall, and the report also says how many news lines were flagged.
GOLD = ("distress", "not", "news")


def parse(line: str) -> tuple[str, str | None]:
    """(text, label) of one line, the label one of GOLD."""
    return textfile.parse(line, GOLD)


@dataclass
class Tally:
    """Counts for precision and recall of the `distress` class, with news lines kept apart."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    news: int = 0
    news_flagged: int = 0

    def add(self, gold: str, flagged: bool) -> None:
        if gold == "news":
            self.news += 1
            self.news_flagged += flagged
        if gold == "distress":
            self.tp += flagged
            self.fn += not flagged
        else:
            self.fp += flagged
            self.tn += not flagged

    def lines(self) -> list[str]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        n = self.tp + self.fp + self.fn + self.tn
        return [f"n={n} distress={self.tp + self.fn} not={n - self.tp - self.fn - self.news} news={self.news}",
                f"precision={precision:.4f} recall={recall:.4f} F1={f1:.4f}",
                f"tp={self.tp} fp={self.fp} fn={self.fn} tn={self.tn} news_flagged={self.news_flagged}"]


class Command(BaseCommand):
    help = _(
        "Print 'distress' or 'not' for each line of FILE, one line out for each line in, in order. A line is a "
        "post, or post<TAB>label with label distress, not or news (news counts as not). FILE '-' reads standard "
        "input."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help=_("a UTF-8 text file, or - for standard input"))
        parser.add_argument(
            "--report", action="store_true",
            help=_("with labelled lines: print precision, recall and F1 of 'distress' to stderr"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = str(options["file"])
        tally = Tally()
        labelled = 0
        try:
            with textfile.open_texts(name) as stream:
                for line in textfile.lines(stream):
                    text, gold = parse(line)
                    flagged = assess(text).flagged
                    self.stdout.write("distress" if flagged else "not")
                    if gold is not None:
                        labelled += 1
                        tally.add(gold, flagged)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": name, "error": exc.strerror or exc}
            ) from exc
        if options["report"]:
            if not labelled:
                raise CommandError(_("--report needs lines of the form text<TAB>label; none found."))
            for line in tally.lines():
                self.stderr.write(line)
