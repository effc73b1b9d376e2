"""The fast path: a few API writes that must stay fast when thousands arrive at once, served before the page
machinery (why, what it skips and how to add a handler: the fast-path ADR in docs/adr/).

This middleware sits right after Django's SecurityMiddleware and the request guard (so HTTPS redirects, host
validation against ALLOWED_HOSTS and the body limits still apply). For a POST to one of its paths it calls that
app's handler, which answers the request itself — skipping sessions, CSRF, messages, CSP and URL resolution,
about half of a small request's cost — or returns None to leave it to the normal path (e.g. a browser's call
with its session cookie). Every other request takes the normal path untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from django.http import HttpRequest, HttpResponse

from embassy.consular import fastpath as consular_fastpath
from embassy.crises import fastpath as crises_fastpath
from embassy.notify import webhooks as notify_webhooks
from embassy.sos import fastpath as sos_fastpath

Handler = Callable[[HttpRequest], HttpResponse | None]


class ApiFastPathMiddleware:
    """POST /api/v1/sos/alerts with a bearer token (the panic button from apps), POST /api/v1/consular/bookings
    with a bearer token (a slot release), POST
    /api/v1/rollcall/answer without cookies (a roll-call answer through its signed link) and POST
    /hooks/notify/<account>/ (the providers' receipts and inbound messages, checked by their signatures)."""

    routes: ClassVar[dict[str, Handler]] = {
        sos_fastpath.PATH: sos_fastpath.alert_raise,
        crises_fastpath.PATH: crises_fastpath.rollcall_answer,
        consular_fastpath.PATH: consular_fastpath.booking_create,
    }
    prefixes: ClassVar[tuple[tuple[str, Handler], ...]] = (
        (notify_webhooks.FAST_PREFIX, notify_webhooks.fast_hook),
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            path = request.path_info
            handler = self.routes.get(path) or next((h for p, h in self.prefixes if path.startswith(p)), None)
            if handler is not None:
                response = handler(request)
                if response is not None:
                    return response
        return self.get_response(request)
