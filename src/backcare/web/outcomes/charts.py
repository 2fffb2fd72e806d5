"""Progress charts as server-drawn SVG: the same picture on the page and in the PDF, no script.

One measure per chart: the client's scores joined by a line, the baseline, the
line a score must cross to count as a meaningful improvement, and (for pain)
the expected course. The y axis runs the right way for the measure: better is
always up, so a falling pain score and a rising function score both climb.
Styles are attributes, not classes: the PDF renderer ignores classes in SVG.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 600, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 18, 30, 34
INK, MUTED, LINE, BRAND, EXPECTED, GOOD = "#1d2733", "#56616e", "#d8dee6", "#1f5f8b", "#7a5200", "#1e6b3d"


@dataclass(frozen=True)
class Series:
    title: str
    points: list[tuple[date, float]]
    low: float
    high: float
    higher_is: str  # worse | better
    baseline: float | None = None
    threshold: float | None = None  # a score beyond this is a meaningful improvement
    expected: list[tuple[date, float]] | None = None


LABEL_GAP = 15  # a line of 12-unit text


def place_labels(labels: list[tuple[float, str, str]]) -> list[tuple[float, str, str]]:
    """Each label just above its line, moved down where it would touch the one above it; kept inside the plot."""
    placed: list[tuple[float, str, str]] = []
    for line_y, text, colour in sorted(labels):
        top = max(line_y - 5, TOP + 10)
        if placed and top - placed[-1][0] < LABEL_GAP:
            top = placed[-1][0] + LABEL_GAP
        placed.append((min(top, HEIGHT - BOTTOM - 4), text, colour))
    return placed


def chart(series: Series, label: str, date_text=date.isoformat) -> Markup:
    """The chart of one measure; `date_text` writes a date as the page does."""
    points = series.points
    dates = [d for d, _ in points] + [d for d, _ in (series.expected or [])]
    first, last = min(dates), max(dates)
    span = max((last - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + ((day - first).days / span) * plot_w if len(dates) > 1 else LEFT + plot_w / 2

    def y(value: float) -> float:
        share = (value - series.low) / (series.high - series.low)
        if series.higher_is == "worse":  # better is up
            share = 1 - share
        return TOP + (1 - share) * plot_h

    out = [f'<svg class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-label="{escape(label)}">']
    for step in range(5):  # gridlines and the axis labels
        value = series.low + (series.high - series.low) * step / 4
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="{LINE}" stroke-width="1"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" font-size="13" text-anchor="end" fill="{MUTED}">{value:g}</text>')
    out.append(f'<text x="{LEFT - 40}" y="{TOP - 14}" font-size="12" fill="{MUTED}">&#8593; better</text>')
    labels: list[tuple[float, str, str]] = []  # (the line's y, text, colour): written at the right, never on each other
    if series.baseline is not None:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(series.baseline):.1f}" y2="{y(series.baseline):.1f}" '
                   f'stroke="{MUTED}" stroke-width="1.5" stroke-dasharray="6 4"/>')
        labels.append((y(series.baseline), "baseline", MUTED))
    if series.threshold is not None and series.low <= series.threshold <= series.high:
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(series.threshold):.1f}" y2="{y(series.threshold):.1f}" '
                   f'stroke="{GOOD}" stroke-width="1.5" stroke-dasharray="2 3"/>')
        labels.append((y(series.threshold), "meaningful improvement", GOOD))
    if series.expected:
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in series.expected)
        out.append(f'<polyline points="{path}" fill="none" stroke="{EXPECTED}" stroke-width="2" stroke-dasharray="1 4" '
                   'stroke-linecap="round"/>')
        labels.append((y(series.expected[-1][1]), "expected course", EXPECTED))
    for top, text, colour in place_labels(labels):
        out.append(f'<text x="{WIDTH - RIGHT - 2}" y="{top:.1f}" font-size="12" text-anchor="end" fill="{colour}" '
                   f'stroke="#fff" stroke-width="3" paint-order="stroke">{text}</text>')
    if len(points) > 1:
        path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{BRAND}" stroke-width="2.5"/>')
    for d, v in points:
        out.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="4.5" fill="{BRAND}" stroke="#fff" stroke-width="1.5"/>')
    for d in sorted({first, last}):
        anchor = "start" if d == first else "end"
        out.append(f'<text x="{x(d):.1f}" y="{HEIGHT - 12}" font-size="13" text-anchor="{anchor}" fill="{MUTED}">'
                   f'{escape(date_text(d))}</text>')
    out.append("</svg>")
    return Markup("".join(out))

