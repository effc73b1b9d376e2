"""Signed documents (embassy.credentials): where a QR code sends a phone, and how the QR is drawn."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import SITE_URL

# The public verification page the QR code's address opens (the token follows it after '#'). A short address
# keeps the QR small; it must serve embassy.credentials' verification page.
CREDENTIALS_VERIFY_URL = os.environ.get("CREDENTIALS_VERIFY_URL", "") or f"{SITE_URL.rstrip('/')}/verifikasi/"
# QR error correction: l (7 %), m (15 %), q (25 %), h (30 %). Higher survives scratches but makes the code denser.
CREDENTIALS_QR_ERROR = os.environ.get("CREDENTIALS_QR_ERROR", "m").lower()
if CREDENTIALS_QR_ERROR not in {"l", "m", "q", "h"}:
    raise ImproperlyConfigured("CREDENTIALS_QR_ERROR is one of l, m, q, h")
# How long offline verifiers may trust a fetched revocation list before fetching again (its next_update).
CREDENTIALS_REVOCATION_LIST_HOURS = float(os.environ.get("CREDENTIALS_REVOCATION_LIST_HOURS", "24"))
