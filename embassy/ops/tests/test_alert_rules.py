"""The example alert rules (deploy/prometheus/alerts.yml) only name metrics that /metrics really exports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

RULES = Path(__file__).resolve().parents[3] / "deploy" / "prometheus" / "alerts.yml"


@pytest.mark.django_db
def test_every_metric_an_alert_reads_is_exported(client: Client, settings: Any) -> None:
    settings.METRICS_TOKEN = ""
    families = list(text_string_to_metric_families(client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()))
    # A family's samples appear with its first observation (a labelled counter has none before); its name is
    # there from the start.
    exported = {f.name + suffix for f in families for suffix in ("", "_total", "_bucket", "_count", "_sum")}
    rules = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    assert {r["alert"] for r in rules} >= {"SosSlow", "OutboxLagging", "WorkerDown"}
    for rule in rules:
        assert rule["annotations"]["runbook"].startswith("docs/operations.md#")
        for name in re.findall(r"\bembassy_[a-z_]+", rule["expr"]):
            assert name in exported, (rule["alert"], name)
