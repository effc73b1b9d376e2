"""Absolute links (embassy.common.links): the same text as SITE_URL + reverse(), whichever way it is built."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from embassy.common import links, sms
from embassy.common.shortlinks import short_sign
from embassy.crises.links import link_token

VIEWS: list[tuple[str, tuple[Any, ...]]] = [
    ("sos:case", (7,)),
    ("console:sos-case", (123456789,)),
    ("console:sos-queue", ()),
    ("console:crisis", (42,)),
    ("crises:answer", (42, link_token(123456, 42))),
    ("crises:answer-safe", (42, link_token(1, 42, "k"))),
    ("crises:answer-help", (9, link_token(98765432109, 9))),
    ("crises:answer-short", (short_sign(kind="p", value=10**12, salt="t"),)),
    ("citizens:stay-edit", (5,)),
    ("advisories:country", ("MY",)),
    ("advisories:cap", ("ID", 31)),
    ("advisories:index", ()),
]


@pytest.mark.parametrize(("view", "args"), VIEWS)
def test_links_are_site_url_and_reverse(settings: Any, view: str, args: tuple[Any, ...]) -> None:
    settings.SITE_URL = "https://smartembassy.kemlu.go.id/"
    for _ in range(2):  # the first call reverses, the next fills in the pattern
        assert links.url_path(view, *args) == reverse(view, args=args or None)
        assert links.absolute_url(view, *args) == "https://smartembassy.kemlu.go.id" + reverse(view, args=args or None)


def test_absolute_takes_the_site_url_with_or_without_its_slash(settings: Any) -> None:
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert links.absolute("/konsol/") == "http://127.0.0.1:8000/konsol/"
    settings.SITE_URL = "http://127.0.0.1:8000/"
    assert links.absolute("/konsol/") == "http://127.0.0.1:8000/konsol/"
    assert links.site_base() == "http://127.0.0.1:8000"


def test_arguments_reverse_would_quote_or_refuse_go_through_reverse() -> None:
    links.url_path("crises:answer", 1, "token")  # the pattern is known
    assert links.url_path("crises:answer", 1, "a b%c") == reverse("crises:answer", args=[1, "a b%c"])
    with pytest.raises(NoReverseMatch):
        links.url_path("crises:answer", "x", "token")  # <int:crisis_id>
    with pytest.raises(NoReverseMatch):
        links.url_path("crises:answer", 1, "")
    with pytest.raises(NoReverseMatch):
        links.url_path("sos:case", -1)


def test_sms_links_share_the_site_base(settings: Any) -> None:
    settings.SITE_URL, settings.SMS_LINK_BASE = "https://smartembassy.kemlu.go.id/", ""
    assert sms.sms_link_base() == links.site_base() == "https://smartembassy.kemlu.go.id"
    settings.SMS_LINK_BASE = "https://wni.id/"
    assert sms.sms_link_base() == "https://wni.id"
