"""How `make run` (manage.py serve_all) serves: address, web processes, the task worker's priority."""

from __future__ import annotations

import os

# The address serve_all listens on; SITE_URL defaults to it.
HOST = os.environ.get("HOST", "").strip() or "127.0.0.1"
PORT = os.environ.get("PORT", "").strip() or "8000"
# Granian worker processes and threads per worker.
WEB_WORKERS = int(os.environ.get("WEB_WORKERS", "2"))
WEB_THREADS = int(os.environ.get("WEB_THREADS", "2"))
# The reverse proxies whose X-Forwarded-For the web server believes (addresses or CIDR ranges; `*` any):
# config/proxy_headers.py.
FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# CPU niceness of the task worker, so that background work yields to the web processes.
WORKER_NICE = int(os.environ.get("WORKER_NICE", "5"))
# Long background jobs over the whole registry (the privacy jobs) pause after each batch for this many times as
# long as the batch took (common.bulk.give_way): they then use at most 1/(1 + pause) of the database's writer and
# an SOS alert arriving between batches finds the database free.
BATCH_JOB_PAUSE = float(os.environ.get("BATCH_JOB_PAUSE", "0.5"))
