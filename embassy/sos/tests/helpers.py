"""What the SOS test modules share: positions and the JSON post."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

KL = {"lat": 3.139, "lon": 101.6869, "accuracy": 12.5}


def _post(client: Client, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=auth)
