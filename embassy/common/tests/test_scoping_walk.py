"""Walk every URL and every API route as an anonymous visitor and as an officer of another mission:
no response may contain the personal data of a citizen registered at KBRI Kuala Lumpur."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from config.api import api
from embassy.common.tests.factories import bearer, make_citizen_with_stay, make_staff, staff_client
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db
SECRET_NAME = "Rahasia Sulistyowati"
NIK = "3171014101900777"
PASSPORT = "C9988776"


def _walk(patterns: list, prefix: str = "") -> list[str]:
    out: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            out += _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            out.append(prefix + str(p.pattern))
    return out


def _concrete(path: str, ids: dict[str, str]) -> str:
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: ids.get(m.group(1), "1"), path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + path.lstrip("/")


def _assert_no_leak(response, where: str) -> None:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    for secret in (SECRET_NAME, NIK, PASSPORT):
        assert secret not in text, f"{where} leaked {secret!r}"
    assert response.status_code != 500, where


def test_no_route_leaks_another_missions_citizen() -> None:
    siti = make_citizen_with_stay(3.1390, 101.6869, name=SECRET_NAME, nik=NIK, passport=PASSPORT)
    stay = siti.stays.first()
    assert stay is not None
    ids = {"citizen_id": str(siti.pk), "stay_id": str(stay.pk), "contact_id": "1", "token_id": "1",
           "code": "KBRI-KUALA-LUMPUR", "path": "x", "object_id": str(siti.pk), "app_label": "accounts"}
    web_paths = [p for p in _walk(get_resolver().url_patterns) if not p.startswith("api/v1/")]
    outsider = make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER)
    socmed = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER)
    clients = {"anonymous": Client(), "jeddah officer": staff_client(outsider), "kl social media": staff_client(socmed)}
    checked = 0
    for who, client in clients.items():
        for raw in web_paths:
            path = _concrete(raw, ids)
            for method in ("get", "post"):
                response = getattr(client, method)(path)
                _assert_no_leak(response, f"{who} {method.upper()} {path}")
                checked += 1
        for search in (SECRET_NAME, NIK, PASSPORT):  # the query is echoed in the search box; results are not
            found = client.get("/konsol/warga/", {"q": search}).content.decode()
            assert f"/konsol/warga/{siti.pk}/" not in found and "+6281234567890" not in found, who
    # the API, route by route, anonymous and by token
    schema = api.get_openapi_schema()
    for path, operations in schema["paths"].items():
        concrete = re.sub(r"{(\w+)}", lambda m: ids.get(m.group(1), "1"), path)
        for method in operations:
            for who, headers in (("anonymous", {}), ("jeddah officer", bearer(outsider)), ("kl social media", bearer(socmed))):
                client = Client()
                kwargs = {"content_type": "application/json", "data": "{}"} if method in ("post", "put", "patch") else {}
                response = getattr(client, method)(concrete, **kwargs, headers=headers)
                _assert_no_leak(response, f"{who} {method.upper()} {concrete}")
                checked += 1
    assert checked > 100
    # and the officer of the right mission does see the record
    kl = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    assert SECRET_NAME in staff_client(kl).get(f"/konsol/warga/{siti.pk}/").content.decode()
