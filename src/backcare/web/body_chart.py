"""The body chart: a whole body seen from the back and from the front, with the vocabulary's regions inside.

One geometry table draws the visit form's chart, the client's chart on the
intake and the read-only maps (the recorded pain map, the dermatomes of an
implicated root). Back view: the client's left is on the viewer's left; front
view: the client's right is. Every region is drawn in one view only.

Sizes are for fingers: each view is 240 units wide and drawn at least 330 CSS
px wide, so the smallest region (32 units) is at least 44 px on a side. The
proportions give way to that (legs wide enough for three regions across),
but the outline is still a body: head, neck, shoulders, arms, trunk, legs, feet.
Where several layers mark one region, it takes the first layer's colour and
shows a dot for every layer.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 240, 620
MIN_SIDE = 32  # units; tests hold every region to it
COLUMN = 32  # one of a leg's three columns
LEGS = {"back": {"left": 16, "right": 126}, "front": {"right": 16, "left": 126}}  # x of each leg's viewer-left edge


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
        """'calf, left'; a midline region by its name alone."""
        base, _, side = self.region.rpartition("_") if self.region.endswith(("_left", "_right")) else (self.region, "", "")
        name = {"low_back": "low back", "middle_toes": "middle toes"}.get(base, base.replace("_", " "))
        if not side and base in ("low_back", "thoracic"):
            name += ", middle"
        return f"{name}, {side}" if side else name


def _leg(view: str, side: str) -> list[Shape]:
    x0 = LEGS[view][side]
    # The leg's outer edge is outermost in the view: at x0 for the viewer-left leg.
    columns = [x0, x0 + COLUMN + 1, x0 + 2 * (COLUMN + 1)]
    lateral, middle, medial = columns if x0 < WIDTH / 2 else columns[::-1]
    width = 3 * COLUMN + 2

    def s(region: str, x: float, y: float, w: float, h: float) -> Shape:
        return Shape(f"{region}_{side}", view, x, y, w, h)

    if view == "front":
        return [
            s("lateral_thigh", lateral, 282, COLUMN, 90), s("anterior_thigh", middle, 282, COLUMN, 90),
            s("medial_thigh", medial, 282, COLUMN, 90), s("knee", x0, 376, width, 34),
            s("lateral_leg", lateral, 414, COLUMN, 72), s("anterior_leg", middle, 414, COLUMN, 72),
            s("medial_leg", medial, 414, COLUMN, 72), s("medial_ankle", medial, 490, COLUMN, 34),
            s("dorsum_foot", min(lateral, middle), 490, 2 * COLUMN + 1, 71), s("medial_foot", medial, 527, COLUMN, 34),
            s("little_toe", lateral, 565, COLUMN, 34), s("middle_toes", middle, 565, COLUMN, 34),
            s("big_toe", medial, 565, COLUMN, 34),
        ]
    return [
        s("posterior_thigh", x0, 306, width, 90), s("calf", x0, 414, width, 80),
        s("lateral_foot", lateral, 498, COLUMN, 100), s("heel", min(middle, medial), 498, 2 * COLUMN + 1, 34),
        s("sole", min(middle, medial), 535, 2 * COLUMN + 1, 63),
    ]


def shapes() -> list[Shape]:
    return [
        # Back view, top to bottom: neck; thoracic spine in three; the loins beside the low back;
        # sacrum and coccyx in the midline between the buttocks; the sitting bones and the saddle area below.
        Shape("neck", "back", 103, 50, 34, 34),
        Shape("thoracic_left", "back", 46, 90, 54, 56), Shape("thoracic", "back", 103, 90, 34, 56),
        Shape("thoracic_right", "back", 140, 90, 54, 56),
        Shape("flank_left", "back", 30, 150, 33, 46), Shape("low_back_left", "back", 66, 150, 34, 46),
        Shape("low_back", "back", 103, 150, 34, 46), Shape("low_back_right", "back", 140, 150, 34, 46),
        Shape("flank_right", "back", 177, 150, 33, 46),
        Shape("buttock_left", "back", 24, 200, 76, 66), Shape("sacrum", "back", 103, 200, 34, 34),
        Shape("buttock_right", "back", 140, 200, 76, 66), Shape("coccyx", "back", 103, 237, 34, 32),
        Shape("ischium_left", "back", 60, 270, 40, 32), Shape("perineum", "back", 103, 272, 34, 32),
        Shape("ischium_right", "back", 140, 270, 40, 32),
        *_leg("back", "left"), *_leg("back", "right"),
        # Front view: the hands beside the waist, the abdomen, the hips at the sides, the groins and the
        # pubis above the thighs.
        Shape("hand_right", "front", 4, 146, 34, 46), Shape("abdomen", "front", 56, 112, 128, 76),
        Shape("hand_left", "front", 202, 146, 34, 46),
        Shape("hip_right", "front", 20, 200, 34, 66), Shape("groin_right", "front", 57, 230, 43, 36),
        Shape("pubis", "front", 103, 236, 34, 34), Shape("groin_left", "front", 140, 230, 43, 36),
        Shape("hip_left", "front", 186, 200, 34, 66),
        *_leg("front", "right"), *_leg("front", "left"),
    ]


SHAPES = shapes()


def _silhouette(view: str) -> str:
    """The body's outline, drawn twice by the caller: stroked underneath, filled on top, so only its edge shows."""
    head = '<ellipse cx="120" cy="30" rx="19" ry="22"/><rect x="102" y="44" width="36" height="46" rx="8"/>'
    if view == "back":
        trunk = "M62,84 Q38,86 36,112 L27,200 Q20,250 13,300 L227,300 Q220,250 213,200 L204,112 Q202,86 178,84 Z"
        arms = ('<rect x="14" y="92" width="20" height="112" rx="10" transform="rotate(6 24 92)"/>'
                '<rect x="206" y="92" width="20" height="112" rx="10" transform="rotate(-6 216 92)"/>'
                '<ellipse cx="14" cy="206" rx="10" ry="16"/><ellipse cx="226" cy="206" rx="10" ry="16"/>')
        feet = '<rect x="12" y="490" width="106" height="112" rx="16"/><rect x="122" y="490" width="106" height="112" rx="16"/>'
    else:
        trunk = "M70,84 Q48,86 46,112 L41,192 Q24,240 13,290 L227,290 Q216,240 199,192 L194,112 Q192,86 170,84 Z"
        arms = ('<rect x="26" y="90" width="22" height="66" rx="11" transform="rotate(14 37 90)"/>'
                '<rect x="192" y="90" width="22" height="66" rx="11" transform="rotate(-14 203 90)"/>'
                '<rect x="1" y="142" width="40" height="54" rx="16"/><rect x="199" y="142" width="40" height="54" rx="16"/>')
        feet = '<rect x="12" y="486" width="106" height="116" rx="16"/><rect x="122" y="486" width="106" height="116" rx="16"/>'
    legs = '<rect x="12" y="270" width="106" height="240" rx="20"/><rect x="122" y="270" width="106" height="240" rx="20"/>'
    return f'{head}<path d="{trunk}"/>{arms}{legs}{feet}'


_SIDES = {"back": ("left", "right"), "front": ("right", "left")}  # client's side under the viewer's left and right leg
MARK_DOTS = 6  # at most this many layers; a dot per layer where several mark one region


def _dots(shape: Shape, layers: list[str]) -> str:
    """Two rows of three dots in the region's top-left corner: one per layer that marks it.

    The form's chart draws all six, uncoloured, and its script colours them;
    a static map draws only the dots of its layers.
    """
    out = []
    for i in range(MARK_DOTS if not layers else min(len(layers), MARK_DOTS)):
        cx, cy = shape.x + 6 + (i % 3) * 7, shape.y + 6 + (i // 3) * 7
        css = f"dot on {layers[i]}" if layers else "dot"
        out.append(f'<circle class="{css}" cx="{cx:g}" cy="{cy:g}" r="2.8"/>')
    return f'<g class="dots" aria-hidden="true" data-for="{shape.region}">{"".join(out)}</g>'


def render(view: str, marks: dict[str, list[str]] | None = None, interactive: bool = False, title: str | None = None) -> Markup:
    """One view as inline SVG; `marks` maps a region to the CSS colour names of the layers marking it."""
    marks = marks or {}
    left, right = _SIDES[view]
    name = title or f"{view.title()} view"
    outline = _silhouette(view)
    parts = [f'<svg class="body-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="group" aria-label="{escape(name)}" data-view="{view}">',
             f'<g class="outline-edge" aria-hidden="true">{outline}</g><g class="outline" aria-hidden="true">{outline}</g>',
             f'<text x="6" y="14" class="view-title" aria-hidden="true">{view.upper()}</text>',
             f'<text x="{LEGS[view][left] + 49:g}" y="616" class="side-note" text-anchor="middle" aria-hidden="true">client\'s {left}</text>',
             f'<text x="{LEGS[view][right] + 49:g}" y="616" class="side-note" text-anchor="middle" aria-hidden="true">client\'s {right}</text>']
    for shape in SHAPES:
        if shape.view != view:
            continue
        layers = marks.get(shape.region, [])
        cls = " ".join(["region", *layers[:1], "multi" if len(layers) > 1 else ""]).strip()
        label = escape(shape.label)
        attrs = (f'class="{cls}" data-region="{shape.region}" x="{shape.x:g}" y="{shape.y:g}" width="{shape.w:g}" '
                 f'height="{shape.h:g}" rx="7"')
        parts.append(f"<rect {attrs}><title>{label}</title></rect>")
        if len(layers) > 1:  # an interactive chart draws its dots itself (body-chart.js)
            parts.append(_dots(shape, layers))
    if interactive:
        # The name of the region last focused or tapped, drawn over the chart (the script moves it).
        parts.append('<g class="region-tag" aria-hidden="true" hidden><rect rx="5" height="20"/><text y="14"></text></g>')
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
