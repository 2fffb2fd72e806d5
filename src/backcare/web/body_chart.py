"""The body chart: back and front views of the lower body, whose regions are the vocabulary's.

One geometry table draws both the visit form's chart and the read-only maps
(the recorded pain map, the dermatomes of an implicated root). Back view: the
client's left is on the viewer's left; front view: the client's right is.

Sizes are for fingers: each view is 180 units wide and drawn at least 300 CSS
px wide, so the smallest region (26 units) is at least 44 px on a side.
Where several layers mark one region, it takes the first layer's colour and
shows a dot for every layer.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 180, 404
MIN_SIDE = 26  # units; tests hold every region to it
LEG = 78  # three columns of 26
LEGS = {"back": {"left": 8, "right": 94}, "front": {"right": 8, "left": 94}}  # x of each leg's viewer-left edge


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


def _leg(view: str, side: str) -> list[Shape]:
    x0 = LEGS[view][side]
    # The leg's lateral edge is outermost in the view: at x0 for the viewer-left leg.
    lateral_first = x0 < WIDTH / 2
    columns = [x0, x0 + 26, x0 + 52]
    lateral, middle, medial = (columns if lateral_first else columns[::-1])

    def s(region: str, x: float, y: float, w: float, h: float) -> Shape:
        return Shape(f"{region}_{side}", view, x, y, w, h)

    if view == "front":
        return [
            s("lateral_thigh", lateral, 112, 26, 80), s("anterior_thigh", middle, 112, 26, 80),
            s("medial_thigh", medial, 112, 26, 80), s("knee", x0, 194, LEG, 28),
            s("lateral_leg", lateral, 224, 26, 68), s("anterior_leg", middle, 224, 26, 68),
            s("medial_leg", medial, 224, 26, 68), s("medial_ankle", medial, 294, 26, 26),
            s("dorsum_foot", min(lateral, middle), 322, 52, 34), s("medial_foot", medial, 322, 26, 34),
            s("little_toe", lateral, 358, 26, 28), s("middle_toes", middle, 358, 26, 28), s("big_toe", medial, 358, 26, 28),
        ]
    return [
        s("posterior_thigh", x0, 126, LEG, 80), s("calf", x0, 208, LEG, 80),
        s("lateral_foot", lateral, 290, 26, 96), s("heel", min(middle, medial), 290, 52, 30),
        s("sole", min(middle, medial), 322, 52, 64),
    ]


def shapes() -> list[Shape]:
    return [
        # Back view: low back in three, sacrum and saddle area in the midline between the buttocks.
        Shape("low_back_left", "back", 36, 24, 40, 40), Shape("low_back", "back", 77, 24, 26, 40),
        Shape("low_back_right", "back", 104, 24, 40, 40), Shape("sacrum", "back", 77, 66, 26, 28),
        Shape("buttock_left", "back", 8, 66, 67, 58), Shape("buttock_right", "back", 105, 66, 67, 58),
        Shape("perineum", "back", 77, 96, 26, 28),
        *_leg("back", "left"), *_leg("back", "right"),
        # Front view: abdomen, the hips at the sides, the groins above the thighs.
        Shape("abdomen", "front", 46, 24, 88, 54), Shape("hip_right", "front", 8, 40, 32, 70),
        Shape("hip_left", "front", 140, 40, 32, 70), Shape("groin_right", "front", 42, 80, 46, 30),
        Shape("groin_left", "front", 92, 80, 46, 30),
        *_leg("front", "right"), *_leg("front", "left"),
    ]


SHAPES = shapes()

# The silhouette behind the regions: trunk from the lower ribs, and both legs.
_OUTLINE = (f'<rect x="6" y="18" width="168" height="110" rx="18"/><rect x="6" y="110" width="{LEG + 4}" height="280" rx="12"/>'
            f'<rect x="92" y="110" width="{LEG + 4}" height="280" rx="12"/>')
_SIDES = {"back": ("left", "right"), "front": ("right", "left")}  # client's side under the viewer's left and right leg
MARK_DOTS = 6  # at most this many layers; a dot per layer where several mark one region


def _dots(shape: Shape, layers: list[str]) -> str:
    """Two rows of three dots in the region's top-left corner: one per layer that marks it.

    The form's chart draws all six, uncoloured, and its script colours them;
    a static map draws only the dots of its layers.
    """
    out = []
    for i in range(MARK_DOTS if not layers else min(len(layers), MARK_DOTS)):
        cx, cy = shape.x + 5 + (i % 3) * 6.5, shape.y + 5 + (i // 3) * 6.5
        css = f"dot on {layers[i]}" if layers else "dot"
        out.append(f'<circle class="{css}" cx="{cx:g}" cy="{cy:g}" r="2.6"/>')
    return f'<g class="dots" aria-hidden="true" data-for="{shape.region}">{"".join(out)}</g>'


def render(view: str, marks: dict[str, list[str]] | None = None, interactive: bool = False, title: str | None = None) -> Markup:
    """One view as inline SVG; `marks` maps a region to the CSS colour names of the layers marking it."""
    marks = marks or {}
    left, right = _SIDES[view]
    name = title or f"{view.title()} view"
    parts = [f'<svg class="body-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-label="{escape(name)}" data-view="{view}">',
             f'<g class="outline" aria-hidden="true">{_OUTLINE}</g>',
             f'<text x="4" y="12" class="view-title" aria-hidden="true">{view.upper()}</text>',
             f'<text x="{LEGS[view][left] + LEG / 2:g}" y="400" class="side-note" text-anchor="middle" aria-hidden="true">client\'s {left}</text>',
             f'<text x="{LEGS[view][right] + LEG / 2:g}" y="400" class="side-note" text-anchor="middle" aria-hidden="true">client\'s {right}</text>']
    for shape in SHAPES:
        if shape.view != view:
            continue
        layers = marks.get(shape.region, [])
        cls = " ".join(["region", *layers[:1], "multi" if len(layers) > 1 else ""]).strip()
        label = escape(shape.label)
        attrs = (f'class="{cls}" data-region="{shape.region}" x="{shape.x:g}" y="{shape.y:g}" width="{shape.w:g}" '
                 f'height="{shape.h:g}" rx="4"')
        if interactive:
            attrs += f' tabindex="-1" role="checkbox" aria-checked="false" aria-label="{label}" data-label="{label}"'
        parts.append(f"<rect {attrs}><title>{label}</title></rect>")
        if interactive:
            parts.append(_dots(shape, []))
        elif len(layers) > 1:
            parts.append(_dots(shape, layers))
    parts.append("</svg>")
    return Markup("".join(parts))


def dermatome_map(roots: list[dict], dermatomes: dict[str, dict]) -> Markup:
    """Back and front views with the dermatomes of the implicated roots shaded."""
    marks: dict[str, list[str]] = {}
    for root in roots:
        sides = ("left", "right") if root["side"] == "bilateral" else (root["side"],)
        for base, entry in dermatomes.items():
            if entry["weights"].get(root["root"], 0) >= 0.5:
                for side in sides:
                    marks[f"{base}_{side}"] = ["dermatome"]
                marks[base] = ["dermatome"]  # midline regions (perineum) carry no side
    return Markup(render("back", marks, title="Dermatomes, back view") + render("front", marks, title="Dermatomes, front view"))
