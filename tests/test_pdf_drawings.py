"""The handout's drawings as <img> files drawn from recordings (issue 19): the PDF looks as it did inline."""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from web_support import fresh_records, login, make_client, seed

pytestmark = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils (make test installs it)")

CASE = {"client": {"age": 45}, "history": {"duration_days": 20, "onset": "gradual"},
        "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back", "buttock_left"], "saddle_anaesthesia": False,
                     "bladder_dysfunction": False, "bowel_dysfunction": False, "progressive_weakness": False,
                     "sexual_dysfunction": False},
        "palpation": {"trigger_points": ["piriformis", "quadratus_lumborum"], "hypertonic": ["gluteus_medius"]}}


def _pages(pdf: bytes, folder: Path, name: str) -> list[Image.Image]:
    (folder / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "72", "-png", str(folder / f"{name}.pdf"), str(folder / name)], check=True)
    return [Image.open(path).convert("RGB") for path in sorted(folder.glob(f"{name}-*.png"))]


def _fresh_weasyprint(html: str) -> bytes:
    """WeasyPrint alone: no shared fonts, no prepared images; every drawing parsed and drawn afresh."""
    from weasyprint import HTML

    from backcare.web.pdf import BASE_URL, static_fetcher

    return HTML(string=html, base_url=BASE_URL, url_fetcher=static_fetcher()).write_pdf()


def test_every_drawing_replayed_is_the_drawing_weasyprint_draws(tmp_path):
    from backcare.web.drawings import drawing_url, drawn_exercises
    from backcare.web.pdf import render

    names = drawn_exercises()
    cells = "".join(f'<img src="{drawing_url(name)}" alt="" style="position: absolute; left: {i % 4 * 46}mm; '
                    f'top: {i // 4 * 24}mm; width: 45mm; height: 22.5mm">' for i, name in enumerate(names))
    page = f"<!doctype html><html><head><style>@page {{ size: A4; margin: 5mm }}</style></head><body>{cells}</body></html>"
    render(page)  # records every drawing at this size...
    replayed = _pages(render(page), tmp_path, "replayed")  # ...and replays the recordings
    fresh = _pages(_fresh_weasyprint(page), tmp_path, "fresh")
    assert len(replayed) == len(fresh) == 1 and ImageChops.difference(replayed[0], fresh[0]).getbbox() is None
    dots_per_mm = 72 / 25.4
    for i, name in enumerate(names):  # and not an empty page twice: every cell has its drawing
        left, top = (5 + i % 4 * 46) * dots_per_mm, (5 + i // 4 * 24) * dots_per_mm
        cell = replayed[0].crop((int(left), int(top), int(left + 45 * dots_per_mm), int(top + 22.5 * dots_per_mm)))
        assert cell.convert("L").getextrema()[0] < 128, name


def test_the_handout_looks_as_it_did_with_its_drawings_inline(tmp_path, monkeypatch):
    """The whole long handout through the app: an <img> per exercise, and every page as the inline drawings drew it
    (above the footer, whose page number is now in the handout's own font rather than the default serif)."""
    import backcare.web.pdf as pdf
    from backcare.clinical.engine import self_care_choices
    from backcare.clinical.knowledge.runtime import load_knowledge
    from backcare.web.drawings import drawing
    from backcare.web.visits.context import allowed

    url = f"sqlite:///{tmp_path / 'handout.db'}"
    records = fresh_records(url)
    me = seed(records)["north"]
    visit_id = records.create_visit(me, records.create_client(me, {"name": "Pia Printed"}),
                                    {"visit_date": date.today(), "case": CASE})
    chosen = [c["id"] for c in self_care_choices(CASE, load_knowledge()) if allowed(c)][:20]
    records.set_handout(me, visit_id, chosen)
    pages: list[str] = []
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: pages.append(html) or pdf.render(html))
    browser = make_client(url)
    login(browser, "ther@north.test")
    assert browser.get(f"/visits/{visit_id}/handout.pdf").status_code == 200
    html = pages[0]
    assert [f'<img class="drawing" src="/drawings/{name}.svg" alt="">' in html for name in chosen] == [True] * len(chosen)

    inline = html
    for name in chosen:
        inline = inline.replace(f'<img class="drawing" src="/drawings/{name}.svg" alt="">',
                                str(drawing(name)).replace('class="exercise"', 'class="drawing"', 1))
    now = _pages(pdf.render(html), tmp_path, "now")
    before = _pages(_fresh_weasyprint(inline), tmp_path, "before")
    assert len(now) == len(before) > 1
    for ours, theirs in zip(now, before):
        above_footer = (0, 0, ours.width, int(ours.height * 0.94))
        assert ImageChops.difference(ours.crop(above_footer), theirs.crop(above_footer)).getbbox() is None

    fonts = subprocess.run(["pdffonts", str(tmp_path / "now.pdf")], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Sans" in fonts and "Serif" not in fonts


def test_the_pdf_fetcher_serves_each_drawing_and_nothing_beside_them():
    from backcare.web.pdf import FetchRefused, static_only_fetcher

    found = static_only_fetcher("http://backcare.local/drawings/glute_bridge.svg")
    assert found["mime_type"] == "image/svg+xml" and found["string"].startswith(b'<svg xmlns="http://www.w3.org/2000/svg"')
    for url in ("http://backcare.local/drawings/no_such_exercise.svg", "http://backcare.local/drawings/../pdf.py",
                "http://backcare.local/drawings/glute_bridge.png", "file:///drawings/glute_bridge.svg"):
        with pytest.raises(FetchRefused):
            static_only_fetcher(url)
