"""The providers' webhooks: /hooks/notify/<account key>/[<anything>/] — delivery receipts and inbound
messages, one address per account (a vendor that wants separate addresses for receipts and inbound
messages gets the same view under a suffix).

Every request is checked the way its vendor signs it (notify.providers); a request that fails is answered
403 and changes nothing. A malformed body is answered 400. A verified one goes through notify.inbound.ingest
in its own transaction; if that fails the vendor gets a 500 and retries (inbound messages are stored once
per vendor id, so a retry never doubles anything)."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from embassy.notify import inbound, inbox, routing
from embassy.notify.providers import BadHook, Hook, get_vendor

log = logging.getLogger(__name__)

# The fast path (config.fastpath) serves the providers' POSTs: a storm of receipts or SOS texts skips the page
# machinery (sessions, CSRF, CSP, URL resolution). The same paths as notify.urls (slugs).
FAST_PREFIX = "/hooks/notify/"
_FAST_PATH = re.compile(r"^/hooks/notify/(?P<key>[-a-zA-Z0-9_]+)/(?:(?P<part>[-a-zA-Z0-9_]+)/)?$")


def _hook(request: HttpRequest) -> Hook:
    """The request as its vendor signed it: the public address (SITE_URL, as configured at the vendor)
    with the path and query it called."""
    base = str(settings.SITE_URL or "").rstrip("/")
    url = base + request.get_full_path() if base else request.build_absolute_uri()
    headers = {k.lower(): v for k, v in request.headers.items()}
    return Hook(method=request.method or "GET", url=url, headers=headers, body=request.body,
                query={k: request.GET.get(k, "") for k in request.GET})


@csrf_exempt
def provider_hook(request: HttpRequest, key: str, part: str = "") -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    account = routing.account(key)
    if account is None:
        return HttpResponse("unknown account", status=404, content_type="text/plain")
    vendor = get_vendor(account.vendor)
    hook = _hook(request)
    challenge = vendor.challenge(account, hook)
    if challenge is not None:
        return HttpResponse(challenge.body, status=challenge.status, content_type=challenge.content_type)
    if not vendor.verify(account, hook):
        log.warning("notify: webhook for %s failed its signature check (from %s)", key,
                    request.META.get("REMOTE_ADDR", "?"))
        return HttpResponse("signature check failed", status=403, content_type="text/plain")
    try:
        parsed = vendor.parse(account, hook)
    except BadHook as exc:
        return HttpResponse(f"bad request: {exc}", status=400, content_type="text/plain")
    inbound.ingest(account, parsed)
    reply = vendor.reply(account, hook, parsed)
    return HttpResponse(reply.body, status=reply.status, content_type=reply.content_type)


def fast_hook(request: HttpRequest) -> HttpResponse | None:
    """A provider's POST on the fast path; None (the normal path, which answers 404) for any other path."""
    match = _FAST_PATH.match(request.path_info)
    if match is None:
        return None
    response = provider_hook(request, match["key"], match["part"] or "")
    response.headers["Content-Length"] = str(len(response.content))  # as CommonMiddleware does on the normal path
    return response


@csrf_exempt
@require_POST
def push_shown(request: HttpRequest) -> HttpResponse:
    """The service worker's receipt for a push it showed: the signed message id from the payload."""
    message_id = inbox.push_message_id(request.body.decode("ascii", "replace"))
    if message_id is None:
        return HttpResponse("bad receipt", status=400, content_type="text/plain")
    inbox.push_shown(message_id)
    return HttpResponse(status=204)
