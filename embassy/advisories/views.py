"""Public pages (country list, country page), the follow button, Atom feeds and CAP documents.

The pages' main content is the same for every visitor (the follow button is loaded separately), so the
app's service worker can keep them for offline reading."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from embassy.accounts.zones import country_zone
from embassy.advisories import selectors, services
from embassy.advisories.cap import cap_alert_xml
from embassy.advisories.feeds import advisory_feed, cap_index_feed
from embassy.advisories.levels import COLOUR_LABELS, COLOURS, Level
from embassy.common.errors import NotFound
from embassy.geo.selectors import country_get

FEED_TYPE = "application/atom+xml; charset=utf-8"
CAP_TYPE = "application/cap+xml; charset=utf-8"


def _levels() -> list[dict[str, object]]:
    return [{"level": v, "label": Level(v).label, "colour": COLOURS[v], "colour_label": COLOUR_LABELS[v]}
            for v in Level.values]


def _public(response: HttpResponse, seconds: int = 300) -> HttpResponse:
    patch_cache_control(response, max_age=seconds)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


@require_GET
def country_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    rows = selectors.advisory_index(q=q)
    template = "advisories/index.html#results" if request.headers.get("HX-Request") else "advisories/index.html"
    return _public(render(request, template, {"rows": rows, "q": q, "levels": _levels()}))


@require_GET
def country_page(request: HttpRequest, code: str) -> HttpResponse:
    country = country_get(code)
    try:
        version = selectors.advisory_current(country=country.code)
    except NotFound:
        version = None
    missions = selectors.missions_serving(country=country.code)
    return _public(render(request, "advisories/country.html", {
        "country": country, "version": version, "missions": missions, "levels": _levels(),
        "cap": version is not None and version.level_rose, "hq": selectors.hq_mission(),
        "tz": country_zone(country.code),  # the same page for every visitor: the country's own clock
    }))


@require_http_methods(["GET", "POST"])
def follow_button(request: HttpRequest, code: str) -> HttpResponse:
    """The per-visitor part of the country page (loaded by htmx): follow / unfollow, or a sign-in link.
    POST toggles (signed-in citizens only)."""
    country = country_get(code)
    user = request.user
    citizen = user.is_authenticated and getattr(user, "kind", "") == "citizen"
    if request.method == "POST" and citizen:
        if request.POST.get("follow") == "1":
            services.country_follow(user=user, country=country.code)
        else:
            services.country_unfollow(user=user, country=country.code)
    if request.method == "POST" and not request.headers.get("HX-Request"):  # without JavaScript
        return redirect("advisories:country", code=country.code)
    following = selectors.is_following(user=user, country=country.code) if citizen else False
    response = render(request, "advisories/country.html#follow", {
        "country": country, "citizen": citizen, "following": following, "standalone": True,
    })
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def feed_all(request: HttpRequest) -> HttpResponse:
    body = advisory_feed(selectors.advisory_history(limit=100), country=None, path=request.path)
    return _public(HttpResponse(body, content_type=FEED_TYPE))


@require_GET
def feed_country(request: HttpRequest, code: str) -> HttpResponse:
    country = country_get(code)
    body = advisory_feed(selectors.advisory_history(country=country.code), country=country, path=request.path)
    return _public(HttpResponse(body, content_type=FEED_TYPE))


@require_GET
def cap_index(request: HttpRequest) -> HttpResponse:
    body = cap_index_feed(selectors.cap_alerts(limit=100), path=request.path)
    return _public(HttpResponse(body, content_type=FEED_TYPE))


@require_GET
def cap_document(request: HttpRequest, code: str, version_id: int) -> HttpResponse:
    version = selectors.cap_alert_get(country=code, version_id=version_id)
    missions = selectors.missions_serving(country=version.country_id)
    contact = next((m.hotline or m.phone for m in missions if m.hotline or m.phone), "")
    body = cap_alert_xml(version, previous=selectors.cap_previous(version), contact=contact)
    response = HttpResponse(body, content_type=CAP_TYPE)
    patch_cache_control(response, public=True, max_age=3600)  # an alert never changes once published
    return response
