"""Document uploads, checked as SOS attachments are (embassy.sos.services.attachments): the type is read from
the file's first bytes (the name and the declared content type are not trusted), the size is limited, and the
file is stored outside the static tree under a random name. Every upload of an application is checked before
anything is written; a file that fails while being written removes everything written for that request."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from embassy.common.errors import BadInput
from embassy.common.inputs import upload_digest
from embassy.consular.models import Service
from embassy.sos.services.attachments import sniff as sniff_media

ALIASES = {"jpeg": "jpg"}


@dataclass(frozen=True)
class Required:
    """One document a service asks for."""

    key: str
    label_id: str
    label_en: str
    required: bool = True


@dataclass(frozen=True)
class Stored:
    key: str
    label: str
    content_type: str
    size: int
    sha256: str
    path: str  # under PREFIX in the attachment storage
    original_name: str


PREFIX = "applications"  # the documents' folder in the attachment storage (settings.STORAGES["default"])


def max_bytes() -> int:
    return int(settings.CONSULAR_DOCUMENT_MAX_MB) * 1024 * 1024


def allowed_types() -> list[str]:
    return [
        ALIASES.get(t.strip().lower(), t.strip().lower())
        for t in settings.CONSULAR_DOCUMENT_TYPES
        if t.strip()
    ]


def documents_of(service: Service) -> list[Required]:
    """The service's documents, each with its key (the catalogue's; "document-N" for a list without keys)."""
    found = []
    for n, d in enumerate(service.documents or [], start=1):
        key = str(d.get("key") or f"document-{n}")
        found.append(
            Required(
                key=key,
                label_id=str(d.get("id") or d.get("en") or key),
                label_en=str(d.get("en") or d.get("id") or key),
                required=d.get("required", True),
            )
        )
    return found


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a document's first bytes: PDF, or a photo format SOS knows."""
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    media = sniff_media(head)
    if media is None or media[0] != "photo":
        return None
    return media[1], media[2]


def _types_text() -> str:
    return ", ".join(t.upper() for t in allowed_types())


def _too_big(label: str, key: str) -> BadInput:
    return BadInput(
        _("%(document)s is too large: at most %(mb)s MB.")
        % {"document": label, "mb": settings.CONSULAR_DOCUMENT_MAX_MB},
        field=key,
    )


def check(upload: Any, doc: Required, label: str) -> tuple[str, str]:
    """The upload's (content type, extension) if it may be stored, else BadInput naming the document."""
    head = upload.read(32)
    upload.seek(0)
    found = sniff(head)
    if found is None or found[1] not in allowed_types():
        raise BadInput(
            _("%(document)s: only %(types)s files can be sent.")
            % {"document": label, "types": _types_text()},
            field=doc.key,
        )
    if upload.size is not None and upload.size > max_bytes():
        raise _too_big(label, doc.key)
    return found


def checked_uploads(
    *, service: Service, files: Mapping[str, Any], label_of: Any, require_all: bool = True
) -> list[tuple[Required, Any, tuple[str, str]]]:
    """Every upload in `files` (keyed by document key) checked; with `require_all` each required document
    must be there. An upload for a key the service does not ask for is refused (a typo would be lost)."""
    wanted = {d.key: d for d in documents_of(service)}
    unknown = [k for k in files if k not in wanted]
    if unknown:
        raise BadInput(
            _("This service does not ask for a document called %(key)s.") % {"key": unknown[0]},
            field=unknown[0],
        )
    checked = []
    for doc in wanted.values():
        upload = files.get(doc.key)
        if upload is None:
            if require_all and doc.required:
                raise BadInput(_("Add %(document)s.") % {"document": label_of(doc)}, field=doc.key)
            continue
        checked.append((doc, upload, check(upload, doc, label_of(doc))))
    return checked


def store_all(
    checked: list[tuple[Required, Any, tuple[str, str]]], label_of: Any
) -> tuple[list[str], list[Stored]]:
    """Write the checked uploads to the attachment storage under a new folder; returns the storage names (for
    the caller to `discard` if its transaction fails) and what was stored. A file that turns out larger than
    its declared size removes what was written."""
    folder_name = secrets.token_hex(12)
    saved: list[str] = []
    stored = []
    try:
        for doc, upload, (content_type, ext) in checked:
            measured = upload_digest(upload, max_bytes())
            if measured is None:
                raise _too_big(label_of(doc), doc.key)
            size, sha256 = measured
            name = default_storage.save(f"{PREFIX}/{folder_name}/{secrets.token_hex(16)}.{ext}", upload)
            saved.append(name)
            stored.append(
                Stored(
                    key=doc.key,
                    label=doc.label_id[:300],
                    content_type=content_type,
                    size=size,
                    sha256=sha256,
                    path=name.removeprefix(f"{PREFIX}/"),
                    original_name=str(getattr(upload, "name", "") or "")[:200],
                )
            )
    except BaseException:
        discard(saved)
        raise
    return saved, stored


def discard(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def open_document(path: str) -> Any:
    """A stored document (its `path`) opened for reading."""
    return default_storage.open(f"{PREFIX}/{path}", "rb")
