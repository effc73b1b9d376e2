"""Test set-up shared by every app: fast hashing, reference data loaded once, no network but loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

# Fails CI when a browser test was skipped; prints how to install Chromium locally.
pytest_plugins = ["embassy.common.tests.browser_gate", "pytester"]

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if host != "localhost" and (ip is None or not ip.is_loopback):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]  # the guard is patched over the method


@pytest.fixture(autouse=True)
def _fast_settings(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEMO_SHOW_CODES = False
    from django.utils import translation

    from embassy.notify import routing  # after Django is set up

    translation.deactivate()  # the default language, whatever an earlier test in this process activated

    routing.assume_none()  # no provider accounts in a fresh test database; writing one drops this


def _load_reference() -> None:
    from django.core.management import call_command

    from embassy.missions.routing import reset_router

    call_command("load_reference", without_streams=True, verbosity=0)
    reset_router()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock():
        _load_reference()
    yield
    from embassy.missions.routing import reset_router

    reset_router()


@pytest.fixture(autouse=True)
def _reference_data_after_a_flush(request: pytest.FixtureRequest, django_db_blocker: Any) -> None:
    """A transactional test commits for real and ends with a flush of every table, the reference data loaded
    once for the session included; the next transactional test (they run last) finds it loaded again."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    from embassy.missions.models import Mission

    with django_db_blocker.unblock():
        if not Mission.objects.exists():
            _load_reference()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test's flush, the reference data goes back at once: under pytest-xdist a worker's
    next test may be an ordinary one from another file (transactional tests then no longer run last)."""
    yield
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction") or nextitem is None:
        return
    from pytest_django.plugin import blocking_manager_key

    from embassy.missions.models import Mission

    with item.config.stash[blocking_manager_key].unblock():
        if not Mission.objects.exists():
            _load_reference()

