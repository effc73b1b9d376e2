"""Files of texts for the scoring commands (sentiment_score, distress_score): one text per line, or
`text<TAB>label` as in SmSA; "-" is standard input."""

from __future__ import annotations

import io
import sys
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import IO


def lines(stream: IO[bytes]) -> Iterator[str]:
    """Lines split on "\\n" only (so the count matches `wc -l`), CR stripped, bad UTF-8 replaced."""
    for raw in stream:
        yield raw.rstrip(b"\n").rstrip(b"\r").decode("utf-8", errors="replace")


def open_texts(name: str) -> AbstractContextManager[IO[bytes]]:
    """The file, or standard input (left open) for "-"."""
    if name == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        return nullcontext(buffer if buffer is not None else io.BytesIO(sys.stdin.read().encode()))
    return Path(name).open("rb")


def parse(line: str, labels: Collection[str]) -> tuple[str, str | None]:
    """(text, label): a line is `text<TAB>label` when what follows its last tab is one of `labels`, else text."""
    text, tab, label = line.rpartition("\t")
    if tab and label.strip() in labels:
        return text, label.strip()
    return line, None
