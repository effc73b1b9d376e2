"""Posting through the real clients (tweepy, requests on the Graph API) against the demo's replay server on
loopback: published posts come back in the account's next pull with numbers; a refusal is loud (failed, the error
on the post, a notice to the drafter); a timeout is retried with backoff and never posts twice."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from embassy.common.tests.factories import make_staff, verified
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message
from embassy.publishing.models import ArchiveEntry, Target
from embassy.publishing.publisher import due, publish_target
from embassy.publishing.services import (
    Upload,
    draft_approve,
    draft_create,
    draft_submit,
    target_record_deleted,
)
from embassy.social.demo import demo_accounts, demo_credentials
from embassy.social.models import Account, Post
from embassy.social.pull import account_pull
from embassy.social.replay import Replay, make_server
from embassy.social.services import account_connect

pytestmark = pytest.mark.django_db
KL = "KBRI-KUALA-LUMPUR"


@pytest.fixture
def demo() -> list[Account]:
    accounts = [a for a in demo_accounts(missions=1, peers=0) if a.platform in ("x", "instagram", "facebook")]
    for account in accounts:
        account_connect(account=account, credentials=demo_credentials(account))
    return accounts


@pytest.fixture
def replay(settings: Any, demo: list[Account]) -> Iterator[str]:
    accounts = list(Account.objects.select_related("unit").filter(demo=True).order_by("pk"))
    server = make_server(Replay(seed=1, accounts=accounts))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SOCIAL_REPLAY_URL = f"http://127.0.0.1:{server.server_port}"
    settings.SOCIAL_X_MONTHLY_BUDGET_USD = 500
    try:
        yield settings.SOCIAL_REPLAY_URL
    finally:
        server.shutdown()
        server.server_close()


def _approved(account: Account, text: str, **kwargs: Any) -> Target:
    unit = account.unit.code if account.unit else "HQ-PWNI"
    drafter = verified(make_staff(unit, Role.SOCIAL_MEDIA_OFFICER))
    draft = draft_create(actor=drafter, account_ids=[account.pk], text=text,
                         scheduled_at=timezone.now() - dt.timedelta(seconds=1), **kwargs)
    draft_submit(actor=drafter, draft=draft)
    draft_approve(actor=verified(make_staff(unit, Role.HEAD_OF_MISSION)), draft=draft)
    return draft.targets.get()


def _demo(platform: str, owner: str = "mission") -> Account:
    return Account.objects.get(demo=True, platform=platform, owner=owner, unit__code=KL if owner == "mission" else
                               "HQ-PWNI")


def test_an_approved_post_goes_out_on_x_and_the_next_pull_shows_it_with_numbers(replay: str) -> None:
    account = _demo("x")
    target = _approved(account, "Layanan paspor buka Sabtu ini. Info: https://kemlu.go.id/kualalumpur")
    assert target.pk in due(timezone.now())
    done = publish_target(target.pk)
    assert done is not None and done.status == Target.Status.PUBLISHED, done and done.last_error
    assert done.platform_post_id and done.url.endswith(done.platform_post_id) and done.attempts == 1
    assert publish_target(target.pk) is None  # never twice
    entry = ArchiveEntry.objects.get(target=target)
    assert entry.event == "published" and entry.version == 1 and entry.text.startswith("Layanan paspor")
    account_pull(account_id=account.pk, force=True)
    post = Post.objects.get(account=account, post_id=done.platform_post_id)
    assert post.likes and post.likes > 0 and post.views


def test_instagram_needs_an_image_and_publishes_a_container(replay: str, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    account = _demo("instagram")
    image = SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    target = _approved(account, "Pentas budaya di KBRI", uploads=[Upload(image, "Penari di panggung KBRI")])
    done = publish_target(target.pk)
    assert done is not None and done.status == Target.Status.PUBLISHED, done and done.last_error
    assert done.platform_state["container"].startswith("container-")
    account_pull(account_id=account.pk, force=True)
    assert Post.objects.filter(account=account, post_id=done.platform_post_id, text__startswith="Pentas").exists()


def test_a_refused_post_fails_loudly_and_its_drafter_is_told(replay: str) -> None:
    account = _demo("facebook")
    target = _approved(account, "Uji #demo-refuse")
    done = publish_target(target.pk)
    assert done is not None and done.status == Target.Status.FAILED and "refused" in done.last_error
    assert not ArchiveEntry.objects.filter(target=target).exists()
    notice = Message.objects.filter(kind="publishing.failed", user=target.draft.created_by)
    assert notice.exists() and "TIDAK terbit" in notice.first().body  # type: ignore[union-attr]


def test_deleting_on_the_platform_is_recorded_and_the_archive_keeps_every_version(replay: str) -> None:
    account = _demo("x")
    target = _approved(account, "Pengumuman hari libur")
    publish_target(target.pk)
    target.refresh_from_db()
    target_record_deleted(actor=verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER)), target=target)
    assert list(ArchiveEntry.objects.filter(target=target).order_by("version").values_list("event", flat=True)) == [
        "published", "deleted"]


class _SlowX(BaseHTTPRequestHandler):
    """An X API that takes the post, then answers too late (the client times out); counts what it took."""

    posted: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _SlowX.posted.append(self.path)
        time.sleep(1.5)
        self.send_response(201)
        self.end_headers()

    def do_GET(self) -> None:
        body = b'{"data": [{"id": "777", "text": "Tetap tenang. https://t.co/x", "created_at": "2026-01-01T00:00:00Z"}]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_a_timeout_is_retried_with_backoff_and_the_retry_finds_the_post_instead_of_posting_twice(
        settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowX)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "x": f"http://127.0.0.1:{server.server_port}"}
    monkeypatch.setattr("embassy.publishing.clients.TIMEOUT", 0.5)
    monkeypatch.setattr("embassy.social.collectors.x._Session.request", _short_timeout)
    account = Account.objects.create(platform="x", handle="kbri_kl_t", url="https://example.org/t", owner="mission",
                                     unit=Mission.objects.get(code=KL), platform_id="42")
    account_connect(account=account, credentials={"access_token": "user-token"})
    _SlowX.posted = []
    try:
        target = _approved(account, "Tetap tenang. https://kemlu.go.id")
        first = publish_target(target.pk)
        assert first is not None and first.status == Target.Status.RETRYING and first.uncertain
        assert first.attempts == 1 and "may have gone out" in first.last_error and first.next_try_at
        assert publish_target(target.pk) is None  # not before its next try
        later = first.next_try_at + dt.timedelta(seconds=1)
        second = publish_target(target.pk, now=later)
        assert second is not None and second.status == Target.Status.PUBLISHED and second.platform_post_id == "777"
        assert _SlowX.posted == ["/2/tweets"]  # posted once
    finally:
        server.shutdown()
        server.server_close()




def _short_timeout(self: Any, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
    kwargs["timeout"] = 0.5  # the X collectors' session waits 30 s; this server answers after 1.5 s
    return requests.Session.request(self, method, str(url).replace("https://api.twitter.com", self.base), *args,
                                    **kwargs)
