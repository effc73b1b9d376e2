"""Attachments in an S3-compatible object store (issue 17): django-storages against a local S3 server (moto in
server mode, real HTTP on loopback). An SOS photo goes to the bucket and back to the officer, /readyz checks the
store, the backup walks it (its listing), and a store that does not answer gives a clear 503 for the upload while the SOS
stays recorded."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role
from embassy.ops import backup
from embassy.ops.warmup import WARM
from embassy.sos.models import Case

pytestmark = pytest.mark.django_db
BUCKET = "embassy-attachments"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8 + b"\xff\xd9"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=2).close()  # noqa: S310 - loopback
            break
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "the local S3 server did not start"
            time.sleep(0.2)
    boto3.client("s3", endpoint_url=endpoint, **CREDENTIALS).create_bucket(Bucket=BUCKET)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


def _s3_storage(endpoint: str) -> dict[str, Any]:
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": BUCKET, "endpoint_url": endpoint, "region_name": "us-east-1", "access_key": "testing",
        "secret_key": "testing", "file_overwrite": False, "default_acl": "private",
        "client_config": Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1, "mode": "standard"})}}


@pytest.fixture
def on_s3(settings: Any, s3_server: str) -> str:
    settings.STORAGES = {**settings.STORAGES, "default": _s3_storage(s3_server)}
    settings.READYZ_STORAGE_SECONDS = 0
    return s3_server


def _raise_sos(client: Client, user: Any) -> int:
    raised = client.post("/api/v1/sos/alerts", data=json.dumps({"lat": 3.139, "lon": 101.6869, "accuracy": 10}),
                         content_type="application/json", headers=bearer(user))
    assert raised.status_code == 201, raised.content
    return int(raised.json()["id"])


def _upload(client: Client, user: Any, case_id: int) -> Any:
    return client.post(f"/api/v1/sos/my-cases/{case_id}/attachments",
                       {"file": SimpleUploadedFile("banjir.jpg", PHOTO, content_type="image/jpeg")},
                       headers=bearer(user))


def test_an_sos_photo_goes_to_the_bucket_and_back_to_the_officer(client: Client, on_s3: str) -> None:
    user = make_citizen_user("s3.sos@example.com")
    case_id = _raise_sos(client, user)
    stored = _upload(client, user, case_id)
    assert stored.status_code == 201, stored.content

    objects = boto3.client("s3", endpoint_url=on_s3, **CREDENTIALS).list_objects_v2(Bucket=BUCKET, Prefix=f"sos/{case_id}/")
    keys = [o["Key"] for o in objects.get("Contents", [])]
    assert len(keys) == 1
    assert keys[0].endswith(".jpg")
    body = boto3.client("s3", endpoint_url=on_s3, **CREDENTIALS).get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()
    assert body == PHOTO

    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.s3")
    attachment = Case.objects.get(pk=case_id).attachments.get()
    download = client.get(f"/api/v1/sos/cases/{case_id}/attachments/{attachment.pk}", headers=bearer(officer))
    assert download.status_code == 200
    assert download.getvalue() == PHOTO

    was_warm = WARM.is_set()
    WARM.set()
    try:
        assert client.get("/readyz").json()["checks"]["storage"] == "ok"
    finally:
        if not was_warm:
            WARM.clear()

    assert keys[0] in set(backup._storage_files())  # what backup_create archives: the store, walked through its API


def test_a_store_that_does_not_answer_fails_the_upload_clearly_and_the_sos_stays(client: Client,
                                                                                 settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": _s3_storage(f"http://127.0.0.1:{_free_port()}")}
    settings.READYZ_STORAGE_SECONDS = 0
    user = make_citizen_user("s3.down@example.com")
    case_id = _raise_sos(client, user)  # the SOS needs no storage
    started = time.monotonic()
    failed = _upload(client, user, case_id)
    assert time.monotonic() - started < 15
    assert failed.status_code == 503
    assert "SOS" in failed.json()["detail"]
    case = Case.objects.get(pk=case_id)
    assert case.is_open
    assert case.attachments.count() == 0
    assert client.get("/readyz").json()["checks"]["storage"].startswith("error")
