"""Photos and short videos the citizen adds to a case. Checked by size and by their first bytes (the
declared content type is not trusted); stored outside the static tree and served only through the
scoped, audited view."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.common.errors import BadInput, Conflict, StorageUnavailable
from embassy.common.inputs import upload_digest
from embassy.sos.models import Attachment, Case, Event
from embassy.sos.services.common import event_add

MAX_PER_CASE = 20
log = logging.getLogger(__name__)


def max_bytes(kind: str) -> int:
    if kind == "video":
        return int(settings.SOS_MAX_VIDEO_BYTES)
    return int(settings.SOS_MAX_PHOTO_BYTES)


PREFIX = "sos"  # the attachments' folder in the attachment storage (settings.STORAGES["default"])


def open_attachment(path: str) -> Any:
    """A stored attachment (its `path`) opened for reading."""
    return default_storage.open(f"{PREFIX}/{path}", "rb")


def sniff(head: bytes) -> tuple[str, str, str] | None:
    """(kind, content type, extension) from a file's first bytes, or None if not an accepted format."""
    if head.startswith(b"\xff\xd8\xff"):
        return "photo", "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "photo", "image/png", "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "photo", "image/webp", "webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
            return "photo", "image/heic", "heic"
        if brand == b"qt  ":
            return "video", "video/quicktime", "mov"
        return "video", "video/mp4", "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video", "video/webm", "webm"
    return None


def _too_big(kind: str) -> BadInput:
    mb = max_bytes(kind) // (1024 * 1024)
    if kind == "video":
        return BadInput(_("The video is too large (at most %(mb)s MB). Record a shorter one.") % {"mb": mb},
                        field="file")
    return BadInput(_("The photo is too large (at most %(mb)s MB).") % {"mb": mb}, field="file")


def attachment_add(*, case: Case, user: User, upload: Any) -> Attachment:
    """Store one upload (a Django UploadedFile). Rejected uploads leave the case untouched."""
    if not case.is_open:
        raise Conflict(_("This case is closed. Press SOS again if you need help."))
    if upload is None:
        raise BadInput(_("Choose a photo or a video."), field="file")
    head = upload.read(32)
    upload.seek(0)
    kind = sniff(head)
    if kind is None:
        raise BadInput(_("Only photos (JPEG, PNG, WebP, HEIC) and videos (MP4, MOV, WebM) can be sent."),
                       field="file")
    if upload.size is not None and upload.size > max_bytes(kind[0]):
        raise _too_big(kind[0])
    if Attachment.objects.filter(case=case).count() >= MAX_PER_CASE:
        raise BadInput(_("This case already has the maximum number of attachments."), field="file")
    measured = upload_digest(upload, max_bytes(kind[0]))
    if measured is None:
        raise _too_big(kind[0])
    size, sha256 = measured
    try:
        name = default_storage.save(f"{PREFIX}/{case.pk}/{secrets.token_hex(16)}.{kind[2]}", upload)
    except Exception as error:  # any failure of the store: a full or read-only disk, an object store down
        log.error("SOS %s: attachment not stored: %s", case.pk, error)
        raise StorageUnavailable(_("The photo or video could not be saved right now. Your SOS has been received; "
                                   "try sending the file again in a few minutes.")) from error
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                case=case, uploaded_by=user, kind=kind[0], content_type=kind[1], size=size,
                sha256=sha256, path=name.removeprefix(f"{PREFIX}/"),
                original_name=str(upload.name or "")[:200], created_at=timezone.now())
            event_add(case, Event.Kind.ATTACHMENT, actor=user, from_citizen=True, public=True,
                      data={"attachment": attachment.pk, "kind": kind[0]})
    except BaseException:
        default_storage.delete(name)
        raise
    return attachment
