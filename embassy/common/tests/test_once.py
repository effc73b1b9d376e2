"""common.once: a process-wide object built once, whichever of many threads asks first."""

from __future__ import annotations

import threading
import time

from embassy.common.once import once


def test_built_once_for_many_threads_and_the_same_object_after() -> None:
    calls: list[int] = []

    @once
    def model() -> object:
        calls.append(1)
        time.sleep(0.05)  # slow enough that every thread arrives while the first still builds
        return object()

    seen: list[object] = []
    threads = [threading.Thread(target=lambda: seen.append(model())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(seen) == 8 and all(s is seen[0] for s in seen)
    assert model() is seen[0] and model.__name__ == "model"
