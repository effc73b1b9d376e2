"""Field types shared by the API schemas of several apps."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator


def _not_a_boolean(value: Any) -> Any:
    # pydantic would read true as 1.0 and false as 0.0: a stay "at" 1°N 0°E, in the Gulf of Guinea.
    if isinstance(value, bool):
        raise ValueError("a coordinate is a number, not true or false")
    return value


NotBool = BeforeValidator(_not_a_boolean)
Coordinate = Annotated[float, NotBool]
"""A latitude or longitude in JSON: a number (range checks are the services', with their messages)."""


def _boolean_as_text(value: Any) -> Any:
    return str(value).lower() if isinstance(value, bool) else value


BoolAsText = BeforeValidator(_boolean_as_text)
"""For fields that take a malformed value rather than refuse it (an SOS is never refused for its position):
true / false stay the text "true" / "false", which the service reads as malformed, not as 1.0 / 0.0."""
