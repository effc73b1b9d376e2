"""The printable card: credit-card size (ISO/IEC 7810 ID-1, 85.6 × 54 mm), the front with the holder's details and
the QR code drawn as vector squares (sharp at any printer resolution), the back with how to verify it and the
mission's contact. One renderer per kind; another app may register its own (`pdf_renderer_register`)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from embassy.common.pdf import ENCODING, FONT, GREY, RED, clean
from embassy.credentials.kinds import MISSION_CONTACT, mask, shown_mask
from embassy.credentials.models import Credential
from embassy.credentials.qr import qr_code, qr_content
from embassy.missions.contact import hotline_for

CARD_W, CARD_H = 85.6, 53.98
QR_SIZE = 40.0  # mm, quiet zone included
QR_BORDER = 3  # modules: a card's white edge adds to it
Renderer = Callable[[Credential], bytes]
_renderers: dict[str, Renderer] = {}


def printed_fields(credential: Credential) -> list[tuple[str, str]]:
    """(label, value) as the card shows them: what the holder chose to show, other ID numbers masked."""
    values, chosen, out = credential.fields, set(credential.consented), []
    for f in credential.spec.fields:
        value = values.get(f.key, "")
        if not value or f is MISSION_CONTACT:
            continue
        if f.always or f.key in chosen:
            out.append((str(f.label), value))
        elif f.masked:
            out.append((str(f.label), shown_mask(mask(value))))
    return out


def draw_qr(pdf: FPDF, content: str, x: float, y: float, size: float) -> None:
    """The code as black squares on white, one rectangle per run of dark modules in a row."""
    matrix = [list(row) for row in qr_code(content).matrix]
    n = len(matrix) + 2 * QR_BORDER
    module = size / n
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(
                x + (start + QR_BORDER) * module,
                y + (r + QR_BORDER) * module,
                (c - start) * module,
                module,
                style="F",
            )


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """`text` cut to one line of `width` (an ellipsis marks the cut): the front's layout never overflows."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _front(pdf: FPDF, credential: Credential) -> None:
    pdf.add_page()
    pdf.set_fill_color(*RED)
    pdf.rect(0, 0, CARD_W, 9, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_xy(3, 1.2)
    pdf.set_font(FONT, "B", 6.5)
    pdf.cell(
        CARD_W - 6, 3.2, _fit(pdf, clean(f"REPUBLIK INDONESIA · {credential.mission.name_id}"), CARD_W - 6)
    )
    pdf.set_xy(3, 4.6)
    pdf.set_font(FONT, "", 6)
    pdf.cell(CARD_W - 6, 3, clean(str(credential.spec.label)))
    pdf.set_text_color(0, 0, 0)
    draw_qr(pdf, qr_content(credential), CARD_W - QR_SIZE - 1.5, 11.5, QR_SIZE)
    left = CARD_W - QR_SIZE - 4.5
    pdf.set_xy(3, 11)
    for label, value in printed_fields(credential):
        pdf.set_x(3)
        pdf.set_font(FONT, "", 4.5)
        pdf.set_text_color(*GREY)
        pdf.cell(left, 2, clean(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(3)
        pdf.set_font(FONT, "B", 6.5)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(left, 2.8, _fit(pdf, clean(value), left), new_x="LMARGIN", new_y="NEXT")
    hotline = credential.fields.get(MISSION_CONTACT.key, "")
    if hotline:
        pdf.set_xy(3, CARD_H - 8)
        pdf.set_font(FONT, "B", 5.5)
        pdf.cell(left, 2.6, clean(f"{_('Hotline')}: {hotline}"))
    pdf.set_xy(3, CARD_H - 5)
    pdf.set_font(FONT, "", 5)
    pdf.cell(
        left, 2.5, clean(f"{credential.serial} · {_('Valid until')} {credential.expires_on.isoformat()}")
    )


def _back(pdf: FPDF, credential: Credential) -> None:
    pdf.add_page()
    hotline = credential.fields.get(MISSION_CONTACT.key) or hotline_for(credential.mission).number
    lines = [
        (6.5, "B", credential.mission.name_id),
        (5.5, "", credential.mission.address),
        (6.5, "B", f"{_('Hotline')}: {hotline}" if hotline else ""),
        (5.5, "", _("To check this card, scan its QR code with a phone camera, or open:")),
        (5.5, "B", settings.CREDENTIALS_VERIFY_URL),
        (
            5.5,
            "",
            _(
                "Checking works offline with the ministry's published keys. A revoked or expired card is "
                "shown as such."
            ),
        ),
        (
            5,
            "",
            f"{credential.serial} · {_('key')} {credential.key.kid} · {_('version')} {credential.revision}",
        ),
    ]
    pdf.set_xy(4, 4)
    for size, style, text in lines:
        if not text:
            continue
        pdf.set_font(FONT, style, size)
        pdf.multi_cell(CARD_W - 8, size * 0.45, clean(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)


def card_pdf(credential: Credential) -> bytes:
    """The standard card of any kind: front and back on two card-size pages."""
    pdf = FPDF(unit="mm", format=(CARD_W, CARD_H))
    pdf.core_fonts_encoding = ENCODING
    pdf.set_margins(3, 3, 3)
    pdf.set_auto_page_break(False)
    pdf.set_title(clean(f"{credential.spec.label} {credential.serial}"))
    pdf.set_creator("Smart Embassy")
    _front(pdf, credential)
    _back(pdf, credential)
    return bytes(pdf.output())


def pdf_renderer_register(kind: str, renderer: Renderer) -> None:
    """Let an app above this one draw its own kind (e.g. an SPLP on A4); the default is `card_pdf`."""
    _renderers[kind] = renderer


def credential_pdf(credential: Credential, *, language: str | None = None) -> bytes:
    """The document's PDF, by its kind's renderer, in `language` (default: the current one)."""
    with translation.override(language or translation.get_language() or "id"):
        return _renderers.get(credential.kind, card_pdf)(credential)
