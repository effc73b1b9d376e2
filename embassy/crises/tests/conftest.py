"""Fixtures shared by the crisis tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def rollcall_channels(settings: Any, tmp_path: Path) -> None:
    """Every roll-call channel on; SMS and WhatsApp without a provider go to the development sink file."""
    settings.NOTIFY_DEV_SINK = True
    settings.NOTIFY_SINK_PATH = tmp_path / "sink.jsonl"
    settings.ROLLCALL_CHANNELS = ["push", "email", "sms", "whatsapp"]
