"""PDF reports drawn with fpdf2 (pure Python, no system libraries; see docs/adr/0008).

The PDFs use the standard Helvetica font in the Windows-1252 encoding, which covers Indonesian and English
(and the dashes, quotes and bullets our labels use); any other character is reduced to its unaccented form or
replaced by "?" (see `clean`), so no font file is bundled.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

ENCODING = "windows-1252"
FONT = "helvetica"
GREEN, RED, GREY = (31, 122, 61), (179, 18, 31), (110, 110, 110)
HEADINGS = FontFace(emphasis="BOLD", fill_color=(238, 240, 243))


def clean(value: Any) -> str:
    """Text the core font can show: characters outside Windows-1252 lose their accents or become "?"."""
    text = "" if value is None else str(value)
    out = []
    for char in text:
        try:
            char.encode(ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            try:
                base.encode(ENCODING)
                out.append(base or "?")
            except UnicodeEncodeError:
                out.append("?")
    return "".join(out)


class ReportPDF(FPDF):
    """An A4 report: a footer with page numbers, headings that never end a page, paragraphs and tables."""

    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self.core_fonts_encoding = ENCODING
        self._footer = footer
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=16)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 6, clean(f"{self._footer} · {self.page_no()}/{{nb}}"), align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 40:  # a heading never ends a page alone
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", 12)
        self.cell(0, 7, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_font(FONT, size=9)

    def para(self, text: str) -> None:
        self.set_font(FONT, size=9)
        self.multi_cell(0, 5, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, head: list[str] | None, rows: list[list[Any]], widths: tuple[float, ...],
             aligns: tuple[str, ...] | None = None) -> None:
        self.set_font(FONT, size=9)
        with self.table(col_widths=widths, first_row_as_headings=head is not None, headings_style=HEADINGS,
                        text_align=aligns or "LEFT", line_height=5, borders_layout="HORIZONTAL_LINES",
                        padding=1) as table:
            for row in ([head] if head is not None else []) + rows:
                cells = table.row()
                for value in row:
                    cells.cell(clean(value))
        self.ln(1)
