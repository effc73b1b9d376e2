"""Consular services (embassy.consular): what citizens may upload with an application."""

from __future__ import annotations

import os

# File types a document upload may have (checked by content, not only by name), and its largest size.
CONSULAR_DOCUMENT_TYPES = tuple(os.environ.get("CONSULAR_DOCUMENT_TYPES", "pdf,jpg,png").split(","))
CONSULAR_DOCUMENT_MAX_MB = int(os.environ.get("CONSULAR_DOCUMENT_MAX_MB", "5"))
