"""The helpers of long background jobs (common.bulk): batches, and giving way between them."""

from __future__ import annotations

import time

from django.test import override_settings

from embassy.common.bulk import batched, give_way


def test_batched_cuts_any_iterable_into_lists_the_last_one_shorter() -> None:
    assert list(batched(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(batched([], 3)) == []


def test_a_job_pauses_between_batches_in_proportion_to_the_batch() -> None:
    with override_settings(BATCH_JOB_PAUSE=0.5):
        started = time.perf_counter() - 0.1  # a batch that took 100 ms
        before = time.perf_counter()
        give_way(started)
        assert 0.045 <= time.perf_counter() - before < 0.5
    with override_settings(BATCH_JOB_PAUSE=0):
        before = time.perf_counter()
        give_way(time.perf_counter() - 10)
        assert time.perf_counter() - before < 0.01
