from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def sms_sink(settings: Any, tmp_path: Path) -> None:
    """SMS without a provider go to the development sink, so that the outbox keeps them."""
    settings.NOTIFY_DEV_SINK = True
    settings.NOTIFY_SINK_PATH = tmp_path / "sink.jsonl"
