"""API authentication: a bearer token or the web session (with CSRF)."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from embassy.accounts.services import token_authenticate


class TokenAuth(HttpBearer):
    """`Authorization: Bearer se_...`. Staff tokens are only issued after the second factor, so a staff
    user authenticated by token counts as verified."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_authenticate(token)
        if found is None:
            return None
        user = found.user
        user.is_verified = lambda: True
        request.user = user
        request.api_token = found  # type: ignore[attr-defined]  # read by token-aware views; not on HttpRequest
        return user


class VerifiedSessionAuth(SessionAuth):
    """The web session cookie (with CSRF). A staff member's session counts only after the second factor: a
    password alone signs nothing in through the API (django-otp's middleware sets is_verified)."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "kind", "") == "staff" \
                and not getattr(user, "is_verified", lambda: False)():
            return None
        return user


# Bearer token (apps, scripts) or the web session cookie (with CSRF).
AUTH = [TokenAuth(), VerifiedSessionAuth()]
