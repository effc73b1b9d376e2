"""The QR code of a document: its content (the verification page's address with the token after '#') and how it
is drawn (an SVG for pages, dark modules for the PDF)."""

from __future__ import annotations

import segno
from django.conf import settings

from embassy.credentials.models import Credential

BORDER = 4  # modules of quiet zone around the code on a page (the standard's)


def qr_content(credential: Credential) -> str:
    return f"{settings.CREDENTIALS_VERIFY_URL}#{credential.token}"


def qr_code(content: str) -> segno.QRCode:
    return segno.make(content, error=settings.CREDENTIALS_QR_ERROR, micro=False, boost_error=False)


def qr_svg(content: str) -> str:
    """An inline SVG sized by its viewBox only, so the page's CSS makes it as wide as the screen allows."""
    return str(
        qr_code(content).svg_inline(
            scale=1,
            border=BORDER,
            omitsize=True,
            svgclass="qr-code",
            lineclass=None,
            title=None,
            light="#fff",
        )
    )
