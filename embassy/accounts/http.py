"""The request type of views that only a signed-in user reaches.

Behind `staff_required`, `citizen_required` and the API's `AUTH`, `request.user` is a `User`, never
`AnonymousUser`; annotating those views' request as `AuthedRequest` says so to the type checker (the pattern
django-stubs documents). Django still passes a plain HttpRequest: nothing here runs."""

from __future__ import annotations

from django.http import HttpRequest

from embassy.accounts.models import User


class AuthedRequest(HttpRequest):
    user: User
