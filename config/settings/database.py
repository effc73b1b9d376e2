"""The database (SQLite with the write-lock backend, or PostgreSQL), task queues and the cache."""

from __future__ import annotations

import os

import dj_database_url

from config.settings.base import INSTALLED_APPS
from config.settings.env import TESTING, VAR_DIR, env_bool

# --- Database -------------------------------------------------------------------------------------
SQLITE_PATH = VAR_DIR / "embassy.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; BEGIN IMMEDIATE takes the write lock up front so that a
    # transaction never has to be retried half-way ("database is locked" on lock upgrade); the busy
    # timeout makes a second writer wait instead of failing.
    # Writers also queue on a file lock instead of SQLite's sleeping busy handler (see embassy/common/sqlite).
    DATABASES["default"]["ENGINE"] = "embassy.common.sqlite"
    DATABASES["default"]["CONN_MAX_AGE"] = 0 if TESTING else 600
    # Tests run on an in-memory database, said outright so that pytest-xdist's workers (which rename every
    # test database that is not in memory) each keep their own.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; PRAGMA wal_autocheckpoint=0; "
            "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
        ),
    }
else:
    # PostgreSQL: a server that is away (a restart, a fail-over) fails a request in seconds, with 503 and
    # Retry-After (embassy.common.outage), instead of holding it; reused connections are checked first.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = int(os.environ.get("DB_CONNECT_TIMEOUT", "3"))
# Rows per write transaction of long background jobs over the registry (the privacy jobs). SQLite has one writer:
# small batches keep an SOS alert's wait for it short. PostgreSQL locks rows only: bigger batches, fewer commits.
BATCH_JOB_ROWS = int(os.environ.get("BATCH_JOB_ROWS", "0")) or (
    100 if DATABASES["default"]["ENGINE"] == "embassy.common.sqlite" else 1000)
# How long one run of such a job works before it hands over to a fresh task (the roll-call's questions) or leaves
# the rest to its next scheduled run (reminders): well under RQ_JOB_TIMEOUT, and a worker is not held for minutes.
BATCH_JOB_MAX_SECONDS = float(os.environ.get("BATCH_JOB_MAX_SECONDS", "60"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DEBUG_SQL = env_bool("DEBUG_SQL", False)  # with DEBUG: keep every SQL query in connection.queries (SQLite)
# SQLite write lock (embassy/common/sqlite, docs/adr/0016-sqlite-write-lock.md): "background" for the task worker
# and the scheduler (serve_all sets it), whose writes give way to web requests'.
SQLITE_WRITER = os.environ.get("SQLITE_WRITER", "")
# Development aid: 20 logs every write-lock hold of 20 ms or more, with where it came from (0: off).
SQLITE_LOCK_TRACE_MS = float(os.environ.get("SQLITE_LOCK_TRACE_MS", "0") or 0)
# How often the scheduler folds the write-ahead log into the database file (SQLite only).
SQLITE_CHECKPOINT_SECONDS = float(os.environ.get("SQLITE_CHECKPOINT_SECONDS", "2"))

# --- Tasks ------------------------------------------------------------------------------------------
# Queues: "inbound" (texts people send us: an SOS by SMS is handled there; serve_all gives it a worker of its
# own), "default", "notify" (the outbox), "bulk" (broadcasts).
_TASKS_BACKENDS = {
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["inbound", "default", "notify", "bulk"]},
    "immediate": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["inbound", "default", "notify", "bulk"]},
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["inbound", "default", "notify", "bulk"]},
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if TESTING else "database")
TASKS = {"default": _TASKS_BACKENDS[TASKS_BACKEND]}
if TASKS_BACKEND == "rq":  # multi-node: Redis queue (deploy/ installs django-tasks-rq)
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
# Seconds an rq job may run before the worker kills it (rq's own default is 180 s, which cut a million-person
# roll-call's queueing short); long jobs hand over well before (BATCH_JOB_MAX_SECONDS, NOTIFY_DISPATCH_MAX_SECONDS).
RQ_JOB_TIMEOUT = int(os.environ.get("RQ_JOB_TIMEOUT", "1800"))
RQ_QUEUES = {q: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": RQ_JOB_TIMEOUT} for q in ("inbound", "default", "notify", "bulk")}

# --- Cache --------------------------------------------------------------------------------------------
if os.environ.get("CACHE_URL", "").startswith("redis"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["CACHE_URL"]}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
