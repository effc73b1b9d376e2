"""Links in messages lead to the server that sent them: in `make run`, SITE_URL follows HOST and PORT unless
it is set explicitly (issue 10, point 7)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _site_url(**env: str) -> str:
    """settings.SITE_URL as a fresh process with this environment computes it."""
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "HOST", "PORT")}
    done = subprocess.run(
        [sys.executable, "-c", "from config import settings; print(settings.SITE_URL)"],
        cwd=ROOT, env={**clean, "DEBUG": "1", **env}, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize(("env", "expected"), [
    ({}, "http://127.0.0.1:8000"),
    ({"PORT": "8765"}, "http://127.0.0.1:8765"),
    ({"HOST": "localhost", "PORT": "9001"}, "http://localhost:9001"),
    ({"HOST": "0.0.0.0", "PORT": "8080"}, "http://127.0.0.1:8080"),  # noqa: S104 - listening on every address
    ({"HOST": "::1", "PORT": "8080"}, "http://[::1]:8080"),
    ({"SITE_URL": "https://wni.example.id", "PORT": "8765"}, "https://wni.example.id"),
])
def test_site_url_follows_host_and_port_unless_set(env: dict[str, str], expected: str) -> None:
    assert _site_url(**env) == expected
