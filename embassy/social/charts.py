"""Server-rendered SVG charts (nothing loads from another host, and they print in the PDF reports the same way).
Each chart has a title and a text alternative (role="img", <title>), and its numbers are also in a table on
the page, so a screen reader or a printout loses nothing."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#1f5f8b", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return float(step * magnitude)
    return float(10 * magnitude)


def _short(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:.0f}"


def line_chart(title: str, labels: Sequence[str], values: Sequence[float], *, width: int = 640,
               height: int = 200) -> SafeString:
    """One series over time; `labels` under the first, middle and last points."""
    left, bottom, top, right = 48, 24, 12, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max(values, default=0))
    n = max(len(values) - 1, 1)
    points = " ".join(f"{left + i / n * plot_w:.1f},{top + plot_h - v / top_value * plot_h:.1f}"
                      for i, v in enumerate(values))
    ticks = "".join(
        f'<text x="{left - 6}" y="{top + plot_h - f * plot_h + 4:.1f}" text-anchor="end">{_short(top_value * f)}</text>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h - f * plot_h:.1f}" y2="{top + plot_h - f * plot_h:.1f}" '
        f'class="grid"/>' for f in (0, 0.5, 1))
    anchors = {0: "start", len(labels) - 1: "end"}  # the first and last labels stay inside the chart
    marks = "".join(
        f'<text x="{left + i / n * plot_w:.1f}" y="{height - 6}" text-anchor="{anchors.get(i, "middle")}">'
        f"{escape(labels[i])}</text>" for i in sorted({0, len(labels) // 2, len(labels) - 1}) if 0 <= i < len(labels))
    body = f'<polyline fill="none" stroke="{PALETTE[0]}" stroke-width="2" points="{points}"/>' if values else ""
    return mark_safe(  # noqa: S308  (every text is escaped above; numbers are formatted here)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{ticks}{body}{marks}</svg>")


def bar_chart(title: str, labels: Sequence[str], series: Mapping[str, Sequence[float]], *, width: int = 640,
              height: int = 220) -> SafeString:
    """Stacked bars, one per label, one colour per series, with a legend."""
    left, bottom, top, right = 48, 40, 12, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s[i] for s in series.values()) for i in range(len(labels))]
    top_value = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    widest = max((len(label) for label in labels), default=0) * 6.5 + 8  # px at the chart's font size
    step = max(1, math.ceil(widest / slot))  # every step-th label, so that none overlaps the next
    bars: list[str] = []
    for i, label in enumerate(labels):
        y = float(top + plot_h)
        for k, (name, values) in enumerate(series.items()):
            h = values[i] / top_value * plot_h
            y -= h
            bars.append(f'<rect x="{left + i * slot + slot * 0.15:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
                        f'height="{h:.1f}" fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(name)} {escape(label)}: '
                        f"{values[i]:.0f}</title></rect>")
        if i % step == 0:
            bars.append(f'<text x="{left + i * slot + slot / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
                        f"{escape(label)}</text>")
    legend = "".join(f'<rect x="{left + k * 110}" y="{height - 14}" width="10" height="10" '
                     f'fill="{PALETTE[k % len(PALETTE)]}"/><text x="{left + k * 110 + 14}" y="{height - 5}">'
                     f"{escape(name)}</text>" for k, name in enumerate(series))
    ticks = "".join(
        f'<text x="{left - 6}" y="{top + plot_h - f * plot_h + 4:.1f}" text-anchor="end">{_short(top_value * f)}</text>'
        for f in (0, 0.5, 1))
    return mark_safe(  # noqa: S308  (every text is escaped above)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>{ticks}{''.join(bars)}{legend}</svg>")
