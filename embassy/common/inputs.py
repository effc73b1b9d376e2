"""Bounds on what a request may carry, shared by the API, the SOS fast path and the web pages.

Every id, offset and count ends up in a database column of at most 64 bits; a larger integer would make the
driver raise (SQLite: OverflowError; PostgreSQL: "bigint out of range") and the request answer 500. JSON bodies
are parsed with a nesting limit: Python's parser raises RecursionError at about a thousand levels, and a
validator walking a deep value costs time and stack for nothing a form could ever send."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import ValidationError
from ninja.parser import Parser
from pydantic import BaseModel

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
MAX_JSON_DEPTH = 32  # the deepest body the API takes is a polygon (object → list → list → number): 4 levels


class BadBody(ValueError):
    """The body cannot be read: not JSON, or nested deeper than MAX_JSON_DEPTH."""


def out_of_range_message() -> str:
    return _("This number is too large.")


def find_big_int(value: Any, loc: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in `value` (ints, models, mappings, sequences, nested) an integer lies outside the 64-bit
    range, or None. Iterative, so a deep value cannot exhaust the stack."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, loc)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                return where
        elif isinstance(item, BaseModel):
            stack.extend((getattr(item, name, None), (*where, name)) for name in type(item).model_fields)
        elif isinstance(item, Mapping):
            stack.extend((v, (*where, str(k))) for k, v in item.items())
        elif isinstance(item, list | tuple | set | frozenset):
            stack.extend((v, (*where, i)) for i, v in enumerate(item))
    return None


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether a parsed JSON value nests deeper than `limit` containers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return False


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def json_load(body: bytes | str) -> Any:
    """A JSON body, or BadBody with a message for the person (too deep, not JSON, not UTF-8). NUL characters
    ("\\u0000") are dropped from its texts: they mean nothing in a text, PostgreSQL cannot store them, and an
    SOS is better stored without one than refused for it."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise BadBody(_("The body is nested too deeply.")) from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        raise BadBody(_("The body is not valid JSON.")) from None
    if json_depth_exceeds(value):
        raise BadBody(_("The body is nested too deeply."))
    if (b"\\u0000" if isinstance(body, bytes) else "\\u0000") in body:  # type: ignore[operator]  # bytes in bytes or str in str, chosen by the isinstance test
        value = _without_nul(value)
    return value


class JsonParser(Parser):
    """Ninja's body parser with the nesting limit (an error here becomes ninja's 400)."""

    def parse_body(self, request: HttpRequest) -> Any:
        return json_load(request.body)


def bounded_ints(view: Callable[..., Any]) -> Callable[..., Any]:
    """An API operation decorator (applied after validation): a path, query or body value holding an integer
    outside the 64-bit range is refused as bad input naming the field, before the view runs."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        for name, value in kwargs.items():
            # a model's fields are what the client sent (query fields, body keys); a plain argument is its name
            where = find_big_int(value, () if isinstance(value, BaseModel) else (name,))
            if where is not None:
                raise ValidationError([{"loc": where, "msg": out_of_range_message(), "type": "int_out_of_range"}])
        return view(request, *args, **kwargs)

    return wrapper


def upload_digest(upload: Any, limit: int) -> tuple[int, str] | None:
    """(size, SHA-256 hex) of an uploaded file read chunk by chunk, or None as soon as it passes `limit` bytes
    (a declared size is not trusted). Rewinds the file for whoever stores it next."""
    digest, size = hashlib.sha256(), 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > limit:
            return None
        digest.update(chunk)
    upload.seek(0)
    return size, digest.hexdigest()
