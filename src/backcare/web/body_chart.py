"""The body chart: front and back views whose regions are the vocabulary's.

One geometry table draws both the clickable chart of the visit form and the
read-only dermatome map of the assessment panel. Front view: the client's right
is on the viewer's left; back view: the client's left is on the viewer's left.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Shape:
    region: str  # vocabulary region id, with side where it has one
    view: str  # front | back
    x: float
    y: float
    w: float
    h: float

    @property
    def label(self) -> str:
        base, _, side = self.region.rpartition("_") if self.region.endswith(("_left", "_right")) else (self.region, "", "")
        return f"{base.replace('_', ' ')}, {side}" if side else self.region.replace("_", " ")


def _leg(view: str, side: str, x0: float, outer_first: bool) -> list[Shape]:
    """Regions of one leg; `outer_first` when the leg's lateral edge is at x0."""
    cols = [(x0, 12), (x0 + 12, 12), (x0 + 24, 12)]
    outer, middle, inner = (cols[0], cols[1], cols[2]) if outer_first else (cols[2], cols[1], cols[0])
    s = lambda region, x, y, w, h: Shape(f"{region}_{side}", view, x, y, w, h)  # noqa: E731
    if view == "front":
        return [
            s("lateral_thigh", outer[0], 200, 12, 90), s("anterior_thigh", middle[0], 200, 12, 90),
            s("medial_thigh", inner[0], 200, 12, 90), s("knee", x0, 292, 36, 22),
            s("lateral_leg", outer[0], 316, 12, 78), s("anterior_leg", middle[0], 316, 12, 78),
            s("medial_leg", inner[0], 316, 12, 78),
            s("medial_ankle", inner[0], 396, 12, 13),
            s("dorsum_foot", x0 + 6, 411, 22, 20),
            s("medial_foot", inner[0] + (6 if outer_first else 0), 411, 6, 20),
            s("little_toe", outer[0], 433, 10, 13), s("middle_toes", x0 + 10, 433, 16, 13),
            s("big_toe", inner[0] + (2 if outer_first else 0), 433, 10, 13),
        ]
    return [
        s("posterior_thigh", x0, 232, 36, 84), s("calf", x0, 318, 36, 76),
        s("heel", x0 + 8, 398, 20, 14), s("sole", x0 + 8, 414, 20, 32),
        s("lateral_foot", outer[0], 398, 7, 48),
    ]


def shapes() -> list[Shape]:
    out: list[Shape] = []
    # Front: client's right leg on the viewer's left, its lateral edge outermost.
    out += _leg("front", "right", 62, outer_first=True) + _leg("front", "left", 102, outer_first=False)
    out += [Shape("abdomen", "front", 78, 118, 44, 52), Shape("groin_right", "front", 78, 180, 21, 18),
            Shape("groin_left", "front", 101, 180, 21, 18), Shape("hip_right", "front", 52, 168, 14, 30),
            Shape("hip_left", "front", 134, 168, 14, 30)]
    # Back: client's left on the viewer's left.
    out += _leg("back", "left", 62, outer_first=True) + _leg("back", "right", 102, outer_first=False)
    out += [Shape("low_back_left", "back", 64, 128, 26, 34), Shape("low_back", "back", 90, 128, 20, 34),
            Shape("low_back_right", "back", 110, 128, 26, 34), Shape("sacrum", "back", 88, 164, 24, 20),
            Shape("buttock_left", "back", 62, 186, 37, 36), Shape("buttock_right", "back", 101, 186, 37, 36),
            Shape("perineum", "back", 94, 222, 12, 9)]
    return out


SHAPES = shapes()

_OUTLINE = {
    # Head, neck, trunk and arms: context only, not clickable.
    "front": '<circle cx="100" cy="26" r="17"/><rect x="92" y="42" width="16" height="10"/>'
             '<rect x="60" y="52" width="80" height="146" rx="14"/><rect x="36" y="58" width="20" height="120" rx="9"/>'
             '<rect x="144" y="58" width="20" height="120" rx="9"/>',
    "back": '<circle cx="100" cy="26" r="17"/><rect x="92" y="42" width="16" height="10"/>'
            '<rect x="60" y="52" width="80" height="146" rx="14"/><rect x="36" y="58" width="20" height="120" rx="9"/>'
            '<rect x="144" y="58" width="20" height="120" rx="9"/>',
}
_SIDE_NOTE = {"front": ("client's right", "client's left"), "back": ("client's left", "client's right")}


def render(view: str, selected: dict[str, str] | None = None, interactive: bool = False, chart_id: str = "chart") -> Markup:
    """One view as inline SVG; `selected` maps region -> CSS class to colour it."""
    selected = selected or {}
    left_note, right_note = _SIDE_NOTE[view]
    parts = [f'<svg class="body-chart" viewBox="0 0 200 470" role="group" aria-label="Body chart, {view} view" '
             f'data-view="{view}"><title>{view.title()} view</title>'
             f'<g class="outline" aria-hidden="true">{_OUTLINE[view]}</g>'
             f'<text x="4" y="465" class="side-note">{left_note}</text>'
             f'<text x="196" y="465" class="side-note" text-anchor="end">{right_note}</text>']
    for shape in SHAPES:
        if shape.view != view:
            continue
        cls = f"region {selected.get(shape.region, '')}".strip()
        label = escape(shape.label)
        attrs = f'class="{cls}" data-region="{shape.region}" x="{shape.x}" y="{shape.y}" width="{shape.w}" height="{shape.h}" rx="3"'
        if interactive:
            attrs += f' tabindex="0" role="checkbox" aria-checked="false" aria-label="{label}" data-label="{label}" data-chart="{chart_id}"'
        parts.append(f"<rect {attrs}><title>{label}</title></rect>")
    parts.append("</svg>")
    return Markup("".join(parts))


def dermatome_map(roots: list[dict], dermatomes: dict[str, dict]) -> Markup:
    """Back and front views with the dermatomes of the implicated roots shaded."""
    selected: dict[str, str] = {}
    for root in roots:
        sides = ("left", "right") if root["side"] == "bilateral" else (root["side"],)
        for base, entry in dermatomes.items():
            if entry["weights"].get(root["root"], 0) >= 0.5:
                for side in sides:
                    selected[f"{base}_{side}"] = "dermatome"
                selected[base] = "dermatome"  # midline regions (perineum) carry no side
    return Markup(render("back", selected) + render("front", selected))
