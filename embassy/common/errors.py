"""Domain errors. Services and selectors raise these; the API and the views turn them into clear answers."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a request that cannot be carried out as asked. `status` is the HTTP status to answer."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field


class BadInput(DomainError):
    """Input that is malformed or out of range; `field` names the offending field."""

    status = 422
    code = "bad_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    """The acting user may not do this (also raised for records outside the user's missions)."""

    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


class StorageUnavailable(DomainError):
    """The attachment storage refused a write (a full disk, an object store that does not answer); try later."""

    status = 503
    code = "storage_unavailable"
