"""The officer console's action buttons, dispatched once for every app (SOS cases, crises, advisories): the
action's name picks a service call from the app's table, a refused call (DomainError) becomes the message
the officer reads, and the app's `respond` turns the outcome into its page (a redirect, an htmx fragment).

The views stay thin and keep their own decorators (staff_required, require_POST); the services decide
again whether the officer may act.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict

from embassy.common.errors import DomainError

T = TypeVar("T")


@dataclass(frozen=True)
class Action(Generic[T]):
    """One button: `run(target, actor, form)` makes the service call; `done` is the success message (none
    for pages that show the outcome themselves)."""

    run: Callable[[T, Any, QueryDict], object]
    done: Any = None  # a (lazy) translated text, or None


def console_action(request: HttpRequest, actions: Mapping[str, Action[T]], name: str, *,
                   target: Callable[[], T], respond: Callable[[str, str], HttpResponse],
                   flash_errors: bool = True) -> HttpResponse:
    """Run the action `name` of `actions` on `target()` (read after the name is known: an unknown action is a
    404 before anything is read) for the signed-in officer. A DomainError's message goes to the messages
    framework (unless `flash_errors` is False) and to `respond(name, error)`; success is `error == ""`."""
    action = actions.get(name)
    if action is None:
        raise Http404
    subject = target()
    error = ""
    try:
        action.run(subject, request.user, request.POST)
    except DomainError as exc:
        error = exc.message
        if flash_errors:
            messages.error(request, error)
    else:
        if action.done is not None:
            messages.success(request, str(action.done))
    return respond(name, error)
