"""A process-wide object built on first use: a model, a lexicon, an index read from disk."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def once(build: Callable[[], T]) -> Callable[[], T]:
    """Decorate a function without arguments: the first call runs it, from whichever thread comes first (the others
    wait rather than build a second copy), and every call returns that same object afterwards."""
    lock = threading.Lock()
    built: list[T] = []

    @functools.wraps(build)
    def get() -> T:
        if not built:
            with lock:
                if not built:
                    built.append(build())
        return built[0]

    return get
