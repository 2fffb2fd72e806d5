"""Simple line drawings of the home exercises, for the client's handout.

Each drawing is a stick figure: a head and a few joined lines in a 160 x 80
box, floor at y = 70, with props (a chair, a pillow, a clock) where they help.
Every self-care item of the knowledge base has one (a test holds it to that).
Styles are SVG attributes, not CSS classes, so a drawing looks the same
inline in a web page and as an SVG file of its own in a PDF (an <img>: see
web/pdf_drawings.py for why the PDF does not take it inline).
"""
from __future__ import annotations

from markupsafe import Markup

Point = tuple[float, float]

_CHAIR = ('<path d="M58 52 h44 M58 52 v-30 M60 52 v18 M100 52 v18" fill="none" stroke="#9aa6b2" stroke-width="3" '
          'stroke-linecap="round"/>')
_CLOCK = ('<circle cx="48" cy="38" r="20" fill="#fff" stroke="#1f5f8b" stroke-width="2.5"/>'
          '<path d="M48 38 v-12 M48 38 l9 5" fill="none" stroke="#1d2733" stroke-width="2.5" stroke-linecap="round"/>')

# item id -> (head centre, [polylines], extra SVG)
_POSES: dict[str, tuple[Point, list[list[Point]], str]] = {
    "glute_bridge": ((18, 62), [[(30, 62), (80, 40), (108, 36), (116, 68)], [(34, 63), (62, 68)]], ""),
    "donkey_kick": ((24, 30), [[(34, 36), (88, 36)], [(38, 36), (38, 68)], [(84, 36), (84, 68)], [(88, 36), (116, 40), (120, 12)]], ""),
    "prone_lying": ((16, 62), [[(26, 63), (150, 64)], [(30, 64), (80, 66)]], ""),
    "prone_on_elbows": ((20, 38), [[(30, 46), (96, 63), (150, 65)], [(32, 47), (34, 66), (14, 66)]], ""),
    "back_extension": ((66, 12), [[(70, 22), (76, 40), (80, 50), (80, 70)], [(80, 50), (86, 70)], [(72, 28), (84, 46), (80, 50)]], ""),
    "core_strengthening": ((18, 62), [[(30, 63), (84, 63), (108, 42), (126, 68)], [(34, 63), (60, 68)]],
                           '<path d="M60 56 q10 -6 20 0" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "piriformis_stretch": ((18, 62), [[(30, 63), (84, 63), (104, 38), (118, 68)], [(84, 63), (96, 32), (110, 40)], [(36, 62), (100, 38)]], ""),
    "hamstring_stretch": ((18, 62), [[(30, 63), (84, 63), (150, 66)], [(84, 63), (112, 12)], [(36, 62), (112, 14)]],
                          '<line x1="36" y1="62" x2="112" y2="12" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "hip_flexor_stretch": ((80, 10), [[(80, 20), (80, 48)], [(80, 48), (106, 48), (110, 70)], [(80, 48), (62, 70), (36, 70)], [(80, 26), (90, 42)]], ""),
    "foam_rolling": ((26, 34), [[(30, 44), (70, 58), (130, 62)], [(32, 46), (24, 68)]], '<circle cx="70" cy="64" r="7" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'),
    "pain_free_rom": ((18, 62), [[(30, 63), (84, 63), (112, 44), (126, 68)], [(34, 63), (60, 68)]],
                      '<path d="M100 28 q14 6 18 20" fill="none" stroke="#e4572e" stroke-width="2"/><path d="M118 48 l0 -7 l-6 4" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "walking_program": ((80, 10), [[(80, 20), (80, 46)], [(80, 46), (68, 70)], [(80, 46), (94, 70)], [(80, 26), (70, 42)], [(80, 26), (92, 40)]], ""),
    "flexion_exercises": ((18, 62), [[(30, 63), (84, 63), (72, 36), (96, 44)], [(36, 62), (74, 38)]], ""),
    "cold_hydrotherapy": ((0, 0), [], '<rect x="50" y="24" width="60" height="34" rx="8" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'
                          '<path d="M80 30 v22 M70 36 l20 10 M90 36 l-20 10" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "heat_at_home": ((0, 0), [], '<rect x="50" y="30" width="60" height="30" rx="8" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'
                     '<path d="M62 24 q4 -6 0 -12 M80 24 q4 -6 0 -12 M98 24 q4 -6 0 -12" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    # Advice, drawn as the situation it is about.
    "stay_active": ((80, 10), [[(80, 20), (80, 46)], [(80, 46), (66, 70)], [(80, 46), (96, 68)], [(80, 26), (68, 40)], [(80, 26), (94, 38)]],
                    '<path d="M44 30 h14 M40 40 h16 M44 50 h12" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "find_pain_free_positions": ((18, 62), [[(30, 63), (84, 63), (106, 46), (130, 66)], [(34, 63), (60, 68)]],
                                 '<ellipse cx="104" cy="58" rx="14" ry="7" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'),
    "maintain_lordosis": ((72, 12), [[(72, 22), (70, 34), (74, 50), (104, 50), (104, 70)], [(72, 28), (86, 42)]],
                          _CHAIR + '<circle cx="66" cy="42" r="4.5" fill="#e4572e"/>'),
    "correct_lifting": ((58, 22), [[(60, 32), (70, 52), (92, 52), (90, 70)], [(70, 52), (66, 70)], [(62, 36), (86, 50)]],
                        '<rect x="84" y="48" width="24" height="22" rx="2" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'),
    "sleep_pillow_between_knees": ((22, 48), [[(32, 52), (92, 58), (116, 48), (140, 62)], [(92, 60), (118, 58), (142, 66)], [(36, 54), (48, 64)]],
                                   '<ellipse cx="118" cy="53" rx="9" ry="5" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'
                                   '<line x1="8" y1="68" x2="154" y2="68" stroke="#9aa6b2" stroke-width="4"/>'),
    "sitting_breaks": ((112, 10), [[(112, 20), (112, 46)], [(112, 46), (104, 70)], [(112, 46), (120, 70)], [(112, 26), (100, 14)], [(112, 26), (124, 14)]],
                       _CLOCK),
    "avoid_knees_out_sitting": ((72, 12), [[(72, 22), (72, 50), (104, 50), (104, 70)], [(72, 28), (90, 44)]], _CHAIR),
    "activity_breaks": ((80, 14), [[(80, 24), (80, 48)], [(80, 48), (72, 70)], [(80, 48), (88, 70)], [(80, 28), (58, 14)], [(80, 28), (102, 14)]],
                        '<path d="M56 20 l-8 -4 M56 30 l-9 0 M104 20 l8 -4 M104 30 l9 0" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "pain_education": ((0, 0), [], '<circle cx="80" cy="38" r="24" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2.5"/>'
                       '<circle cx="80" cy="26" r="3.5" fill="#1d2733"/><line x1="80" y1="34" x2="80" y2="54" stroke="#1d2733" stroke-width="5" stroke-linecap="round"/>'),
    "graded_activity": ((0, 0), [[(24, 70), (24, 58), (54, 58), (54, 46), (84, 46), (84, 34), (114, 34), (114, 22), (140, 22)]],
                        '<path d="M30 50 L118 12 M118 12 l-10 0 M118 12 l-4 9" fill="none" stroke="#e4572e" stroke-width="2.5"/>'),
    "nerve_sliders": ((66, 10), [[(68, 20), (72, 50), (104, 50), (130, 40)], [(72, 50), (96, 54), (100, 70)], [(69, 28), (86, 44)]],
                      _CHAIR + '<path d="M128 30 q8 6 6 16" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    "relaxation_breathing": ((18, 62), [[(30, 63), (84, 63), (106, 46), (130, 66)], [(34, 63), (60, 68)]],
                             '<path d="M40 44 q8 -8 16 0 t16 0 t16 0" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    # Lying on the back, knees bent, pushing out into a belt round the knees.
    "hip_abductor_isometrics": ((18, 62), [[(30, 63), (84, 63), (106, 40), (124, 68)], [(34, 63), (60, 68)]],
                                '<ellipse cx="106" cy="42" rx="9" ry="5" fill="none" stroke="#1f5f8b" stroke-width="2.5"/>'
                                '<path d="M92 30 l-8 -6 M120 30 l8 -6" fill="none" stroke="#e4572e" stroke-width="2.5"/>'),
    # Knee bent to a right angle, the heel pressing into the floor towards the body.
    "hamstring_isometrics": ((18, 62), [[(30, 63), (84, 63), (112, 36), (118, 68)], [(34, 63), (60, 68)]],
                             '<path d="M132 66 h-10 M126 61 l-5 5 l5 5" fill="none" stroke="#e4572e" stroke-width="2.5"/>'),
    # On the back: one leg straight, the other bent knee falling out and back.
    "hip_mobility_exercises": ((18, 62), [[(30, 63), (84, 63), (150, 66)], [(84, 63), (110, 40), (126, 62)], [(34, 63), (60, 68)]],
                               '<path d="M112 30 q16 0 22 16" fill="none" stroke="#e4572e" stroke-width="2"/>'
                               '<path d="M134 46 l-1 -8 l-6 4" fill="none" stroke="#e4572e" stroke-width="2"/>'),
    # Standing, with a firm belt low around the hips.
    "pelvic_belt_support": ((80, 10), [[(80, 20), (80, 46)], [(80, 46), (70, 70)], [(80, 46), (90, 70)], [(80, 26), (70, 42)], [(80, 26), (90, 42)]],
                            '<rect x="68" y="40" width="24" height="7" rx="3" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'),
    # Sitting on a wedge cushion, leaning a little forward.
    "coccyx_cushion": ((76, 12), [[(76, 22), (72, 44), (104, 46), (104, 70)], [(74, 28), (92, 42)]],
                       _CHAIR + '<path d="M60 52 L102 52 L102 44 Z" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'),
    # Lying on the good side, pillow between the knees; the painful hip (red) on top.
    "avoid_lying_on_painful_side": ((22, 48), [[(32, 52), (92, 58), (116, 48), (140, 62)], [(92, 60), (118, 58), (142, 66)], [(36, 54), (48, 64)]],
                                    '<ellipse cx="118" cy="53" rx="9" ry="5" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2"/>'
                                    '<circle cx="92" cy="52" r="5" fill="#e4572e"/>'
                                    '<line x1="8" y1="68" x2="154" y2="68" stroke="#9aa6b2" stroke-width="4"/>'),
    # Walking, then standing still until the calf settles.
    "interval_walking": ((50, 10), [[(50, 20), (50, 46)], [(50, 46), (38, 70)], [(50, 46), (64, 70)], [(50, 26), (40, 42)], [(50, 26), (62, 40)],
                                    [(120, 20), (120, 46)], [(120, 46), (114, 70)], [(120, 46), (126, 70)], [(120, 26), (114, 44)], [(120, 26), (126, 44)]],
                         '<circle cx="120" cy="10" r="8" fill="#fff" stroke="#1d2733" stroke-width="2.5"/>'
                         '<path d="M82 34 h14 M92 29 l5 5 l-5 5" fill="none" stroke="#e4572e" stroke-width="2.5"/>'),
    # A foot looked at through a magnifying glass.
    "daily_foot_check": ((0, 0), [], '<path d="M40 62 q-4 -30 22 -36 q22 -2 40 10 q14 10 26 22 q4 8 -6 8 z" fill="#fff" stroke="#1d2733" stroke-width="2.5"/>'
                         '<circle cx="112" cy="26" r="12" fill="none" stroke="#1f5f8b" stroke-width="3"/>'
                         '<line x1="120" y1="35" x2="134" y2="50" stroke="#1f5f8b" stroke-width="4" stroke-linecap="round"/>'),
    # The sport's ball, struck through: a pause from the sport, not from moving.
    "relative_rest_from_sport": ((0, 0), [], '<circle cx="80" cy="38" r="22" fill="#cfe3f3" stroke="#1f5f8b" stroke-width="2.5"/>'
                                 '<path d="M66 24 q14 14 0 28 M94 24 q-14 14 0 28" fill="none" stroke="#1f5f8b" stroke-width="2"/>'
                                 '<line x1="58" y1="60" x2="102" y2="16" stroke="#e4572e" stroke-width="4" stroke-linecap="round"/>'),
}


def drawing(exercise_id: str) -> Markup | None:
    """The drawing inline, for a web page."""
    svg = _svg(exercise_id, 'class="exercise" viewBox="0 0 160 80" role="img" aria-label="drawing of the exercise"')
    return None if svg is None else Markup(svg)


def drawing_url(exercise_id: str) -> str | None:
    """Where a PDF's <img> finds the drawing (the PDF renderer serves it; see web/pdf.py)."""
    return f"/drawings/{exercise_id}.svg" if exercise_id in _POSES else None


def drawing_document(exercise_id: str) -> bytes | None:
    """The drawing as an SVG file of its own, for the PDF renderer."""
    svg = _svg(exercise_id, 'xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 80"')
    return None if svg is None else svg.encode()


def drawn_exercises() -> list[str]:
    return list(_POSES)


def _svg(exercise_id: str, attributes: str) -> str | None:
    pose = _POSES.get(exercise_id)
    if pose is None:
        return None
    (hx, hy), lines, extra = pose
    parts = [f'<svg {attributes}>', '<line x1="4" y1="71" x2="156" y2="71" stroke="#9aa6b2" stroke-width="1.5"/>']
    if hx or hy:
        parts.append(f'<circle cx="{hx}" cy="{hy}" r="8" fill="#fff" stroke="#1d2733" stroke-width="2.5"/>')
    if lines:
        # The whole body as one path: the same picture as a polyline per limb, with a fifth of
        # the elements for the PDF renderer to parse, style and draw (twenty on a long handout).
        body = " ".join("M" + " L".join(f"{x:g} {y:g}" for x, y in line) for line in lines)
        parts.append(f'<path d="{body}" fill="none" stroke="#1d2733" stroke-width="3.5" stroke-linecap="round" '
                     'stroke-linejoin="round"/>')
    parts.append(extra + "</svg>")
    return "".join(parts)
