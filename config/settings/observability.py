"""Seeing it run: health and readiness checks, Prometheus metrics, logs (docs/operations.md)."""

from __future__ import annotations

import os

from config.settings.env import env_bool

# One line per request (method, path, status, time, request id) on the `embassy.access` logger; off by default,
# as uvicorn's own access log is (an SOS storm writes a line per alert).
ACCESS_LOG = env_bool("ACCESS_LOG", False)
# GET /metrics needs "Authorization: Bearer <METRICS_TOKEN>". Without a token it answers only a client on this
# machine that did not come through the proxy (no X-Forwarded-For).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# GET /readyz writes and deletes this small file in the attachment storage to prove it accepts writes.
READYZ_STORAGE_PROBE = os.environ.get("READYZ_STORAGE_PROBE", "readyz/probe.txt")
# Seconds a successful storage probe is trusted before /readyz writes again (0: every time).
READYZ_STORAGE_SECONDS = float(os.environ.get("READYZ_STORAGE_SECONDS", "10"))
