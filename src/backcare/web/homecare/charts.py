"""The home programme's chart, server-drawn SVG like the progress charts (the same on the page
and in the PDF): bars for the share of planned sessions done each week, and pain from 0 to 10,
the visits' scores as filled dots and the weekly check-ins' as open ones, on one time line.
Styles are attributes: the PDF renderer ignores classes in SVG."""
from __future__ import annotations

from datetime import date, timedelta

from markupsafe import Markup, escape

from ...homecare import Week

WIDTH, HEIGHT = 600, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 44, 24, 34
MUTED, LINE, BRAND, BAR, PAIN = "#56616e", "#d8dee6", "#1f5f8b", "#cfe3f3", "#b3261e"


def adherence_chart(weeks: list[Week], visit_pain: list[tuple[date, int]], check_in_pain: list[tuple[date, int]],
                    date_text=date.isoformat) -> Markup:
    if not weeks:
        return Markup("")
    first = min([weeks[0].week_of] + [d for d, _ in visit_pain + check_in_pain])
    end = max([weeks[-1].week_of + timedelta(days=7)] + [d + timedelta(days=1) for d, _ in visit_pain + check_in_pain])
    last = end - timedelta(days=1)  # the axis runs to the end of the last day shown
    span = max((end - first).days, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + (day - first).days / span * plot_w

    def y_share(percent: float) -> float:
        return TOP + (1 - percent / 100) * plot_h

    def y_pain(pain: float) -> float:
        return TOP + pain / 10 * plot_h  # less pain is higher: better is up, as on every progress chart

    label = "; ".join(f"week of {date_text(w.week_of)}: {w.done} of {w.planned} sessions" for w in weeks)
    out = [f'<svg class="progress-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
           f'aria-label="Home programme. {escape(label)}">']
    for step in range(5):
        share = step * 25
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y_share(share):.1f}" y2="{y_share(share):.1f}" stroke="{LINE}"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y_share(share) + 4:.1f}" font-size="12" text-anchor="end" fill="{MUTED}">{share}%</text>')
        pain = 10 - step * 2.5
        out.append(f'<text x="{WIDTH - RIGHT + 6}" y="{y_share(share) + 4:.1f}" font-size="12" fill="{PAIN}">{pain:g}</text>')
    out.append(f'<text x="{LEFT - 40}" y="{TOP - 10}" font-size="12" fill="{MUTED}">sessions done</text>')
    out.append(f'<text x="{WIDTH - RIGHT + 44}" y="{TOP - 10}" font-size="12" text-anchor="end" fill="{PAIN}">pain</text>')
    for w in weeks:
        if w.percent is None:
            continue
        left, right = x(w.week_of) + 2, x(w.week_of + timedelta(days=7)) - 2
        out.append(f'<rect x="{left:.1f}" y="{y_share(w.percent):.1f}" width="{max(right - left, 2):.1f}" '
                   f'height="{TOP + plot_h - y_share(w.percent):.1f}" fill="{BAR}" stroke="{BRAND}" stroke-width="1"/>')
    points = sorted(visit_pain + check_in_pain)
    if len(points) > 1:
        path = " ".join(f"{x(d):.1f},{y_pain(v):.1f}" for d, v in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{PAIN}" stroke-width="2"/>')
    for d, v in visit_pain:
        out.append(f'<circle cx="{x(d):.1f}" cy="{y_pain(v):.1f}" r="5" fill="{PAIN}" stroke="#fff" stroke-width="1.5"/>')
    for d, v in check_in_pain:
        out.append(f'<circle cx="{x(d):.1f}" cy="{y_pain(v):.1f}" r="4.5" fill="#fff" stroke="{PAIN}" stroke-width="2"/>')
    for d, anchor in ((first, "start"), (last, "end")):
        out.append(f'<text x="{x(d):.1f}" y="{HEIGHT - 12}" font-size="12" text-anchor="{anchor}" fill="{MUTED}">{escape(date_text(d))}</text>')
    out.append("</svg>")
    return Markup("".join(out))
