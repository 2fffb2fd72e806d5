"""The handout's drawings for WeasyPrint: parsed once and drawn once per render process.

Inline in the page, twenty drawings cost a long handout about a third of its
time: WeasyPrint's HTML parser reads every SVG attribute, each SVG element gets
a computed style, and drawing interprets the attributes again. As <img> files
(`/drawings/<id>.svg`, served by the PDF fetcher) they skip the first two, and
WeasyPrint takes images from the cache it is given, so each drawing is parsed
once. Drawing it at a given size always writes the same PDF operators, so the
first draw records them and later draws replay them.

Only WeasyPrint draws: the recording is its own output. A drawing that needs
more of the page than colours (text, patterns, groups) is never recorded and
is drawn afresh each time.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urljoin
from xml.etree import ElementTree

from .drawings import drawing_document, drawing_url, drawn_exercises

_prepared: dict[str, RecordedDrawing] = {}


class RecordedDrawing:
    """A WeasyPrint SVG image whose PDF operators are kept per drawn size."""

    def __init__(self, image: Any) -> None:
        self._image = image
        # (width, height) -> (operators, alpha states) or None when it cannot be replayed
        self._takes: dict[tuple[float, float], tuple[list, list[tuple[bool, float]]] | None] = {}

    def get_intrinsic_size(self, resolution: float, font_size: float) -> tuple:
        return self._image.get_intrinsic_size(resolution, font_size)

    def draw(self, stream: Any, width: float, height: float, style: Any) -> None:
        size = (width, height)
        if size not in self._takes:
            try:
                self._takes[size] = self._record(stream, width, height, style)
            except Exception:  # noqa: BLE001 - the recording uses WeasyPrint's internals (pinned in
                # constraints.txt); should they change, the drawing is drawn afresh, never lost
                self._takes[size] = None
        take = self._takes[size]
        if take is None:
            self._image.draw(stream, width, height, style)
            return
        operators, alphas = take
        for fill, alpha in alphas:  # the opacity states the operators name, registered on this page
            stream.set_alpha(alpha, stroke=not fill, fill=fill)
        stream.stream.extend(operators)

    def _record(self, stream: Any, width: float, height: float, style: Any) -> tuple | None:
        import pydyf

        resources = pydyf.Dictionary({kind: pydyf.Dictionary() for kind in ("ExtGState", "XObject", "Pattern", "Shading")})
        resources["ColorSpace"] = None
        fonts: dict = {}
        images: dict = {}
        scratch = stream.clone(resources=resources, fonts=fonts, images=images)
        self._image.draw(scratch, width, height, style)
        if fonts or images or any(resources[kind] for kind in ("XObject", "Pattern", "Shading")):
            return None
        alphas = []
        for state in resources["ExtGState"].values():
            if set(state) == {"ca"}:
                alphas.append((True, state["ca"]))
            elif set(state) == {"CA"}:
                alphas.append((False, state["CA"]))
            else:
                return None
        return list(scratch.stream), alphas


def prepared_drawings(base_url: str, fetcher: Any) -> dict[str, Any]:
    """WeasyPrint's image cache for one page: every drawing by its URL (built once per process).

    A copy each time, so what else a page fetches stays with that page.
    """
    if not _prepared:
        from weasyprint.images import SVGImage

        for exercise_id in drawn_exercises():
            url = urljoin(base_url, drawing_url(exercise_id))
            tree = ElementTree.fromstring(drawing_document(exercise_id))
            _prepared[url] = RecordedDrawing(SVGImage(tree, url, fetcher, None))
    return dict(_prepared)
