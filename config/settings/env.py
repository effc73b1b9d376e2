"""Paths, the environment readers every settings module uses, and the two switches the others depend on
(DEBUG, TESTING)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _local_secret(filename: str, make: object) -> str:
    """Read a secret generated once into var/ for local runs (never used when DEBUG is off)."""
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(make())  # type: ignore[operator]  # make is a callable returning str
        path.chmod(0o600)
    return path.read_text().strip()


TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
DEBUG = env_bool("DEBUG", False)
