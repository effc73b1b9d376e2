"""The crisis report as a PDF, drawn with fpdf2 (pure Python, no system libraries; see docs/adr/0008).

The PDF uses the standard Helvetica font in the Windows-1252 encoding, which covers Indonesian and
English (and the dashes, quotes and bullets our labels use); any other character is reduced to its
unaccented form or replaced by "?" (see `clean`), so no font file is bundled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from fpdf.enums import XPos, YPos

from embassy.advisories.cap import sender_name
from embassy.common.pdf import FONT, GREEN, GREY, RED, clean
from embassy.common.pdf import ReportPDF as _Report
from embassy.common.when import local_label


def when(value: dt.datetime | None) -> str:
    """The time in the active zone (the view activates the officer's mission's) with the zone's name."""
    if value is None:
        return "–"
    return local_label(value, timezone.get_current_timezone_name()).replace("\u2212", "-")  # UTC−5: no U+2212 in the font


def _summary(pdf: _Report, data: dict[str, Any]) -> None:
    s, zone = data["summary"], data["zone"]
    source = s["source"].upper() if s["source"] else _("Declared by an officer")
    if s["source_url"]:
        source = f"{source} — {s['source_url']}"
    rows = [
        [_("Kind"), s["kind_label"]], [_("Status"), s["status_label"]], [_("Source"), source],
        [_("Magnitude"), f"{s['magnitude']:g}" if s["magnitude"] is not None else "–"],
        [_("Severity"), s["severity_label"] or "–"], [_("Occurred"), when(s["occurred_at"])],
        [_("Confirmed"), when(s["confirmed_at"])], [_("Roll-call started"), when(s["rollcall_started_at"])],
        [_("Closed"), when(s["closed_at"])],
        [_("Declared by"), s["declared_by"] or "–"], [_("Confirmed by"), s["confirmed_by"] or "–"],
        [_("Roll-call started by"), s["rollcall_started_by"] or "–"],
        [_("Missions"), ", ".join(f"{m['code']} ({m['name']})" for m in s["missions"]) or "–"],
        [_("Zone"), zone["text"]],
    ]
    pdf.grid(None, rows, (1, 3))


def _counts(pdf: _Report, data: dict[str, Any]) -> None:
    c, d = data["counts"], data["durations"]
    pdf.heading(_("Roll-call"))
    rows = [
        [_("Affected (with dependants)"), c["affected"]], [_("Registered people inside"), c["registered"]],
        [_("Dependants"), c["dependants"]], [_("Asked"), c["asked"]], [_("Reached"), c["reached"]],
        [_("Safe"), c["safe"]], [_("Need help"), c["help"]], [_("No answer yet"), c["silent"]],
        [_("No channel reaches them"), c["unreachable"]],
    ]
    pdf.grid(None, rows, (3, 1), ("LEFT", "RIGHT"))
    pdf.heading(_("Durations"))
    pdf.grid(None, [
        [_("From the crisis to its confirmation"), d["to_confirm"]["text"]],
        [_("From the crisis to the roll-call"), d["to_rollcall"]["text"]],
        [_("Median time to answer (%(n)d answers)") % {"n": d["answered"]}, d["median_answer"]["text"]],
    ], (3, 1), ("LEFT", "RIGHT"))
    if data["by_mission"]:
        pdf.heading(_("By mission"))
        pdf.grid([_("Mission"), _("Registered"), _("Safe"), _("Need help"), _("No answer yet")],
                 [[f"{r['mission']} — {r['name']}", r["registered"], r["safe"], r["help"], r["silent"]]
                  for r in data["by_mission"]], (4, 1, 1, 1, 1), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"))


def _chart(pdf: _Report, over_time: dict[str, Any]) -> None:
    points = over_time["points"]
    pdf.heading(_("Answers over time"))
    if not points:
        pdf.para(_("The roll-call has not started."))
        return
    x0, y0, w, h = pdf.l_margin + 10, pdf.get_y() + 2, pdf.epw - 14, 45
    if y0 + h + 12 > pdf.h - pdf.b_margin:
        pdf.add_page()
        y0 = pdf.get_y() + 2
    top = max(1, max(max(p["safe"], p["help"]) for p in points))
    last = max(1, points[-1]["hour"])
    pdf.set_draw_color(*GREY)
    pdf.line(x0, y0, x0, y0 + h)
    pdf.line(x0, y0 + h, x0 + w, y0 + h)
    pdf.set_font(FONT, size=7)
    pdf.set_xy(pdf.l_margin, y0 - 2)
    pdf.cell(9, 4, str(top), align="R")
    pdf.set_xy(pdf.l_margin, y0 + h - 2)
    pdf.cell(9, 4, "0", align="R")
    pdf.set_xy(x0 + w - 30, y0 + h + 1)
    pdf.cell(30, 4, clean(_("+%(h)d h") % {"h": points[-1]["hour"]}), align="R")
    pdf.set_line_width(0.6)
    for key, colour in (("safe", GREEN), ("help", RED)):
        pdf.set_draw_color(*colour)
        pdf.polyline([(x0 + p["hour"] / last * w, y0 + h - p[key] / top * h) for p in points])
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_xy(x0, y0 + h + 1)
    for label, colour in ((_("Safe"), GREEN), (_("Need help"), RED)):
        pdf.set_text_color(*colour)
        pdf.cell(30, 4, clean(f"— {label}"))
    pdf.set_text_color(0, 0, 0)
    pdf.set_y(y0 + h + 7)
    step = over_time["step_hours"]
    pdf.para(_("Cumulative answers of the people inside, every %(n)d h from the start of the roll-call.") % {"n": step})
    pdf.grid([_("Hours"), _("Time"), _("Safe"), _("Need help")],
             [[f"+{p['hour']}", when(p["at"]), p["safe"], p["help"]] for p in points],
             (1, 3, 1, 1), ("RIGHT", "LEFT", "RIGHT", "RIGHT"))


def _follow_up(pdf: _Report, data: dict[str, Any]) -> None:
    f = data["follow_up"]
    pdf.heading(_("Reminders and emergency contacts"))
    rows = [[_("People reminded"), f["reminded"]], [_("Reminders sent"), f["reminders"]],
            [_("People whose emergency contacts were asked"), f["contacts_asked"]],
            [_("Of whom answered"), f["answered_after_contacts"]]]
    rows += [[_("Answers: %(via)s") % {"via": v["label"]}, v["count"]] for v in f["via"]]
    pdf.grid(None, rows, (3, 1), ("LEFT", "RIGHT"))


def _cases(pdf: _Report, data: dict[str, Any]) -> None:
    pdf.heading(_("SOS cases opened from \"I need help\""))
    if not data["cases"]:
        pdf.para(_("None."))
        return
    pdf.grid([_("Reference"), _("Mission"), _("Status"), _("Opened"), _("Resolved")],
             [[c["reference"], c["mission"], c["status_label"], when(c["raised_at"]), when(c["resolved_at"])]
              for c in data["cases"]], (2, 3, 3, 3, 2.5))


def _published(pdf: _Report, data: dict[str, Any]) -> None:
    if not (data["alerts"] or data["advisories"]):
        return
    pdf.heading(_("Alerts and advisories"))
    rows = [[when(a["sent"]), f"CAP {a['msg_type']} ({a['status']})", a["identifier"]] for a in data["alerts"]]
    rows += [[when(a["at"]), _("Advisory level raise sent for review"),
              _("%(country)s: level %(level)s (version %(number)s)") % a] for a in data["advisories"]]
    pdf.grid([_("Time"), _("What"), _("Details")], rows, (2, 2, 4))


def _timeline(pdf: _Report, data: dict[str, Any]) -> None:
    pdf.heading(_("Log"))
    rows = [[when(e["at"]), e["label"], e["actor"] or "–", "\n".join(t for t in (e["detail"], e["text"]) if t)]
            for e in data["timeline"]]
    pdf.grid([_("Time"), _("Event"), _("By"), _("Details")], rows, (2.2, 2.2, 1.6, 5))


def render_pdf(data: dict[str, Any]) -> bytes:
    s = data["summary"]
    title = _("Crisis report: %(title)s") % {"title": s["title"]}
    pdf = _Report(footer=f"{sender_name()} · {title}")
    pdf.set_title(clean(title))
    pdf.set_author(clean(sender_name()))
    pdf.set_creator("Smart Embassy")
    pdf.set_lang(get_language() or "id")
    pdf.add_page()
    pdf.set_font(FONT, size=9)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, clean(sender_name()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, clean(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if s["drill"]:
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(*RED)
        pdf.cell(0, 7, clean(_("DRILL — an exercise, not a real emergency")), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, size=9)
    pdf.cell(0, 6, clean(_("Generated %(when)s") % {"when": when(data["generated_at"])}),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _summary(pdf, data)
    _counts(pdf, data)
    _chart(pdf, data["over_time"])
    _follow_up(pdf, data)
    _cases(pdf, data)
    _published(pdf, data)
    _timeline(pdf, data)
    return bytes(pdf.output())
