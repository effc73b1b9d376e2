from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse


def staff_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Staff signed in with password AND second factor. Anyone else goes to the staff sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated or getattr(user, "kind", "") != "staff":
            return redirect(f"{reverse('accounts:staff-login')}?next={request.path}")
        if not user.is_verified():
            return redirect(f"{reverse('accounts:staff-otp')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper


def citizen_required(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated or getattr(user, "kind", "") != "citizen":
            return redirect(f"{reverse('accounts:signin')}?next={request.path}")
        return view(request, *args, **kwargs)

    return wrapper
