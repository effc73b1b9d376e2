"""The console's action dispatch (embassy.common.console), shared by the SOS, crisis and advisory consoles."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from embassy.common.console import Action, console_action
from embassy.common.errors import Conflict


def _request() -> HttpRequest:
    request = RequestFactory().post("/konsol/x/", {"text": "hello"})
    request.user = AnonymousUser()  # the views' decorators let staff through; the services check again
    request.session = {}  # type: ignore[assignment]  # what SessionMiddleware would set
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]  # what MessageMiddleware would set
    return request


def _refuse(target: Any, user: Any, post: Any) -> None:
    raise Conflict("Already closed.")


ACTIONS: dict[str, Action[list[str]]] = {
    "note": Action(lambda target, user, post: target.append(post.get("text", "")), "Note added."),
    "close": Action(_refuse, "Closed."),
    "quiet": Action(lambda target, user, post: target.append("quiet")),
}


def _respond(seen: list[tuple[str, str]]) -> Any:
    def respond(name: str, error: str) -> HttpResponse:
        seen.append((name, error))
        return HttpResponse(status=204)
    return respond


def test_the_action_runs_on_the_target_and_says_so() -> None:
    request, target, seen = _request(), list[str](), list[tuple[str, str]]()
    response = console_action(request, ACTIONS, "note", target=lambda: target, respond=_respond(seen))
    assert response.status_code == 204 and target == ["hello"] and seen == [("note", "")]
    assert [str(m) for m in get_messages(request)] == ["Note added."]
    quiet = _request()
    console_action(quiet, ACTIONS, "quiet", target=lambda: target, respond=_respond(seen))
    assert target == ["hello", "quiet"] and not list(get_messages(quiet))


def test_a_refusal_is_the_error_and_a_message_unless_the_page_shows_it() -> None:
    request, seen = _request(), list[tuple[str, str]]()
    console_action(request, ACTIONS, "close", target=list, respond=_respond(seen))
    assert seen == [("close", "Already closed.")]
    assert [(m.level_tag, str(m)) for m in get_messages(request)] == [("error", "Already closed.")]
    shown = _request()
    console_action(shown, ACTIONS, "close", target=list, respond=_respond(seen), flash_errors=False)
    assert seen[-1] == ("close", "Already closed.") and not list(get_messages(shown))


def test_an_unknown_action_is_404_before_the_target_is_read() -> None:
    def unreadable() -> list[str]:
        raise AssertionError("read")

    with pytest.raises(Http404):
        console_action(_request(), ACTIONS, "delete", target=unreadable, respond=_respond([]))
