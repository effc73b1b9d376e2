"""SQLite backend whose writers queue on an OS file lock instead of SQLite's busy handler.

SQLite admits one writer at a time. When a second connection finds the database locked, SQLite's busy
handler sleeps and retries (1, 2, 5, 10 … 100 ms), so under many concurrent writers the tail latency of a
write explodes even though each transaction takes well under a millisecond. Here every write transaction
(BEGIN IMMEDIATE … COMMIT/ROLLBACK) and every autocommit write statement first takes an exclusive
`flock` on `<database>.writelock`: waiting writers block in the kernel and wake the moment the lock is
released, in every process and thread that uses this backend (web workers, task worker, scheduler).
The busy timeout stays as a safety net for other programs touching the file.

In-memory databases (tests) have a single process and skip the lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3 import base

log = logging.getLogger(__name__)
CHECKPOINT_EVERY = 1000
# Development aid: SQLITE_LOCK_TRACE_MS=20 logs every write-lock hold of 20 ms or more, with where it came from.
_TRACE_MS = settings.SQLITE_LOCK_TRACE_MS
_WRITE_PREFIXES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


# Background writers (the task worker and the scheduler: SQLITE_WRITER=background, set by serve_all) give way
# to foreground ones (web requests: an SOS alert, an answer): they start a transaction only when no foreground
# writer is waiting or writing, or after BACKGROUND_MAX_DEFER_S at the latest (so they are never starved).
_BACKGROUND = settings.SQLITE_WRITER == "background"
BACKGROUND_MAX_DEFER_S = 0.05


class WriteLock:
    """An exclusive lock on a file, held by one connection at a time (one open file description each, so
    two connections of the same process exclude each other too).

    Priority: a foreground writer holds a shared lock on `<lock>.gate` from before it waits until it has
    written; a background writer first needs the gate exclusively (polling, up to BACKGROUND_MAX_DEFER_S),
    then lets it go and queues for the write lock. So a broadcast's batches never line up in front of an
    SOS alert: the alert waits for the batch in progress at most."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None
        self.gate: int | None = None
        self.held = False
        self._guard = threading.Lock()

    def _defer(self) -> None:
        assert self.gate is not None
        deadline = time.monotonic() + BACKGROUND_MAX_DEFER_S
        while True:
            try:
                fcntl.flock(self.gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(0.001)
                continue
            fcntl.flock(self.gate, fcntl.LOCK_UN)
            return

    def acquire(self) -> None:
        if self.held:
            return
        fd = self._open()
        if _BACKGROUND:
            self._defer()
        else:
            fcntl.flock(self.gate, fcntl.LOCK_SH)  # type: ignore[arg-type]  # opened above on first acquire; the attribute is Optional
        if _TRACE_MS:
            waited = time.perf_counter()
            fcntl.flock(fd, fcntl.LOCK_EX)
            self.since = time.perf_counter()
            self.waited = self.since - waited
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)
        self.held = True

    def _open(self) -> int:
        """The lock file's descriptor (and the gate's), opened on first use."""
        if self.fd is None:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self.gate = os.open(self.path + ".gate", os.O_RDWR | os.O_CREAT, 0o600)
        return self.fd

    def try_acquire(self) -> bool:
        """Take the lock only if no one holds it now (never waits); whether it is held."""
        if self.held:
            return True
        fd = self._open()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        if _TRACE_MS:
            self.since, self.waited = time.perf_counter(), 0.0
        self.held = True
        return True

    def release(self) -> None:
        if self.held and self.fd is not None:
            self.held = False
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            if not _BACKGROUND and self.gate is not None:
                fcntl.flock(self.gate, fcntl.LOCK_UN)
            if _TRACE_MS and (time.perf_counter() - self.since) * 1000 >= _TRACE_MS:
                where = " < ".join(f"{f.name}:{f.lineno}" for f in traceback.extract_stack(limit=12)[-11:-2]
                                   if "/embassy/" in f.filename or "django_tasks" in f.filename)
                log.warning("write lock held %.0f ms (waited %.0f ms) pid %s: %s",
                            (time.perf_counter() - self.since) * 1000, self.waited * 1000, os.getpid(), where)

    def close(self) -> None:
        self.release()
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.gate is not None:
            os.close(self.gate)
            self.gate = None


def _is_memory(name: str) -> bool:
    return not name or name == ":memory:" or "mode=memory" in name


class LockingCursor(base.SQLiteCursorWrapper):
    write_lock: WriteLock | None = None

    def _needs_lock(self, query: str) -> bool:
        lock = self.write_lock
        return lock is not None and not lock.held and query.lstrip()[:7].upper().startswith(_WRITE_PREFIXES)

    def execute(self, query: str, params: Any = None) -> Any:
        if not self._needs_lock(query):
            return super().execute(query, params)
        assert self.write_lock is not None
        self.write_lock.acquire()
        try:
            return super().execute(query, params)
        finally:
            self.write_lock.release()

    def executemany(self, query: str, param_list: Any) -> Any:
        if not self._needs_lock(query):
            return super().executemany(query, param_list)
        assert self.write_lock is not None
        self.write_lock.acquire()
        try:
            return super().executemany(query, param_list)
        finally:
            self.write_lock.release()


class DatabaseWrapper(base.DatabaseWrapper):
    write_lock: WriteLock | None = None

    @property
    def queries_logged(self) -> bool:
        """With DEBUG, Django logs and keeps every query (a noticeable share of a small request's cost).
        Here that happens only with DEBUG_SQL=1; tests' query counting (force_debug_cursor) still works."""
        return self.force_debug_cursor or (settings.DEBUG and settings.DEBUG_SQL)

    def get_new_connection(self, conn_params: Any) -> Any:
        conn = super().get_new_connection(conn_params)
        name = str(self.settings_dict["NAME"])
        if self.write_lock is None and not _is_memory(name):
            self.write_lock = WriteLock(f"{name}.writelock")
        return conn

    def create_cursor(self, name: Any = None) -> Any:
        cursor = self.connection.cursor(factory=LockingCursor)
        cursor.write_lock = self.write_lock
        return cursor

    def _start_transaction_under_autocommit(self) -> None:
        if self.write_lock is not None:
            self.write_lock.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private Django method the stubs omit
        except BaseException:
            if self.write_lock is not None:
                self.write_lock.release()
            raise

    @contextmanager
    def writing_if_free(self) -> Iterator[bool]:
        """Yields whether this connection may write now without queueing behind another writer: the write
        lock is taken if it is free (and held for the block), else the block is told False and should skip
        a write that can wait (e.g. the last use of a token). Inside a transaction, the lock is already held."""
        self.ensure_connection()
        lock = self.write_lock
        if lock is None or lock.held:
            yield True
            return
        got = lock.try_acquire()
        try:
            yield got
        finally:
            if got:
                lock.release()

    commits = 0

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private Django method the stubs omit
        finally:
            if self.write_lock is not None:
                self.write_lock.release()
        self._checkpoint_now_and_then()

    def _checkpoint_now_and_then(self) -> None:
        """SQLite's automatic checkpoint runs inside COMMIT, i.e. while this connection still holds the
        write lock, and its fsync can take tens of milliseconds — every other writer would wait. So the
        automatic checkpoint is off (init_command); the scheduler process checkpoints every few seconds
        (`checkpoint()`), and as a fallback each connection runs a PASSIVE checkpoint, which blocks no
        one, after every CHECKPOINT_EVERY commits, outside the lock."""
        if self.write_lock is None:
            return
        self.commits += 1
        if self.commits % CHECKPOINT_EVERY == 0:
            try:
                self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # a busy checkpoint is retried at the next round
                log.debug("passive checkpoint skipped", exc_info=True)

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private Django method the stubs omit
        finally:
            if self.write_lock is not None:
                self.write_lock.release()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private Django method the stubs omit
        finally:
            if self.write_lock is not None:
                self.write_lock.close()
                self.write_lock = None


def checkpoint(mode: str = "PASSIVE") -> None:
    """Copy the write-ahead log into the database file (SQLite only; a no-op elsewhere). PASSIVE never
    waits for readers or writers; TRUNCATE (used when nothing else runs yet) also empties the log."""
    if connection.vendor != "sqlite" or mode not in ("PASSIVE", "TRUNCATE"):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA wal_checkpoint({mode})")
