"""PDF benchmark: layout time per handout, the first PDF after start, and a signed visit's PDF again.

    .venv/bin/python benchmarks/pdfs.py [--runs R]

1. Layout, in this process (WeasyPrint warm): CPU time per page for the visit
   summary, the default handout and a long handout (every exercise the findings
   allow). Each handout against the same page rendered with its drawings
   inline (inline SVG and a font configuration per page, as before issue 19
   item 5) and laid out with the flexbox style used before issue 19. Target: at
   most 100 ms of CPU per handout.
2. A server: `backcare serve` (one worker) on a fresh SQLite database. Five
   seconds after it answers (a therapist signing in), the first handout, then
   R more: the first against the median of the rest (the render processes start
   with the server, so the first waits for nothing). Then a signed visit's
   summary, first laid out, then R times again from the database.
"""
from __future__ import annotations

import os
import sys

# benchmarks/http.py must not shadow the standard library's http package.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import argparse  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

import httpx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from server_support import backcare_server  # noqa: E402
from web_support import PASSWORD, fresh_records, login, make_client, seed  # noqa: E402

CASE = {"client": {"age": 45}, "history": {"duration_days": 20, "onset": "gradual"},
        "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back", "buttock_left"], "saddle_anaesthesia": False,
                     "bladder_dysfunction": False, "bowel_dysfunction": False, "progressive_weakness": False,
                     "sexual_dysfunction": False},
        "palpation": {"trigger_points": ["piriformis", "quadratus_lumborum"], "hypertonic": ["gluteus_medius"]}}
# The handout's style before issue 19: the drawing beside its text in a flexbox.
FLEX = (".exercise-item { display: flex; gap: 5mm; border: 1px solid #d8dee6; border-radius: 3mm; padding: 3mm; "
        "margin-bottom: 3mm; page-break-inside: avoid; min-height: 0; } "
        ".exercise-item .drawing { position: static; width: 45mm; height: 22.5mm; flex: none; }")


def _visits(url: str) -> tuple[object, object, dict[str, int]]:
    from backcare.clinical.engine import self_care_choices
    from backcare.clinical.knowledge.runtime import load_knowledge
    from backcare.web.visits.context import allowed

    records = fresh_records(url)
    me = seed(records)["north"]
    client_id = records.create_client(me, {"name": "Pia Printed"})
    ids = {name: records.create_visit(me, client_id, {"visit_date": date.today(), "case": CASE})
           for name in ("default", "long", "signed")}
    every = [c["id"] for c in self_care_choices(CASE, load_knowledge()) if allowed(c)]
    records.set_handout(me, ids["long"], every[:20])
    records.sign(me, ids["signed"])
    return records, me, ids


def _pages(url: str, ids: dict[str, int]) -> dict[str, str]:
    """The HTML each PDF is laid out from, as the app renders it."""
    import backcare.web.pdf as pdf

    seen: list[str] = []
    real = pdf.html_to_pdf
    pdf.html_to_pdf = lambda html: seen.append(html) or b"%PDF-"
    try:
        browser = make_client(url)
        login(browser, "ther@north.test")
        pages = {}
        for name, path in (("summary", f"/visits/{ids['default']}/summary.pdf"),
                           ("handout", f"/visits/{ids['default']}/handout.pdf"),
                           ("long handout", f"/visits/{ids['long']}/handout.pdf")):
            browser.get(path)
            pages[name] = seen[-1]
        return pages
    finally:
        pdf.html_to_pdf = real


def _cpu_ms(html: str, runs: int, renderer=None) -> float:
    from backcare.web.pdf import render

    times = []
    for _ in range(runs):
        start = time.process_time()
        (renderer or render)(html)
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def _render_as_before(html: str) -> bytes:
    """The page as rendered before issue 19 item 5: each drawing inline, a fresh font configuration per page."""
    from weasyprint import HTML

    from backcare.web.drawings import drawing
    from backcare.web.pdf import BASE_URL, static_fetcher

    inline = re.sub(r'<img class="drawing" src="/drawings/(\w+)\.svg" alt="">',
                    lambda found: str(drawing(found[1])).replace('class="exercise"', 'class="drawing"', 1), html)
    return HTML(string=inline, base_url=BASE_URL, url_fetcher=static_fetcher()).write_pdf()


def layout(pages: dict[str, str], runs: int) -> None:
    from backcare.web.pdf import render

    render(pages["summary"])  # WeasyPrint's imports and fonts, once
    _render_as_before(pages["summary"])
    print(f"{'page':<14} {'CPU ms':>7} {'inline svg':>10} {'ratio':>6} {'with flexbox':>13} {'ratio':>6}   (median of {runs})")
    for name, html in pages.items():
        ours = _cpu_ms(html, runs)
        if 'class="exercise-item"' in html:
            before = _cpu_ms(html, runs, _render_as_before)
            flex = _cpu_ms(html.replace("</style>", FLEX + "</style>", 1), runs)
            print(f"{name:<14} {ours:>7.1f} {before:>10.1f} {ours / before:>6.2f} {flex:>13.1f} {ours / flex:>6.2f}"
                  + ("" if ours <= 100 else "   (over 100 ms)"))
        else:
            print(f"{name:<14} {ours:>7.1f}")


def served(url: str, ids: dict[str, int], runs: int) -> None:
    with backcare_server(url) as (base, _):
        time.sleep(float(os.environ.get("WAIT", "5")))  # a therapist signs in
        with httpx.Client(base_url=base, timeout=120) as client:
            assert client.post("/api/login", json={"email": "ther@north.test", "password": PASSWORD}).status_code == 200

            def timed(path: str) -> float:
                start = time.perf_counter()
                answer = client.get(path)
                assert answer.status_code == 200 and answer.content.startswith(b"%PDF"), path
                return (time.perf_counter() - start) * 1000

            first = timed(f"/visits/{ids['default']}/handout.pdf")
            rest = statistics.median(timed(f"/visits/{ids['default']}/handout.pdf") for _ in range(runs))
            print(f"first handout after start {first:7.1f} ms | later ones (median) {rest:7.1f} ms | ratio {first / rest:.2f}")
            signed = f"/visits/{ids['signed']}/summary.pdf"
            laid_out = timed(signed)
            again = statistics.median(timed(signed) for _ in range(runs))
            print(f"signed visit's summary: laid out {laid_out:7.1f} ms | again, from the database (median) {again:6.1f} ms | "
                  f"ratio {again / laid_out:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/pdfs.db"
        _records, _me, ids = _visits(url)
        layout(_pages(url, ids), args.runs)
        served(url, ids, args.runs)


if __name__ == "__main__":
    main()
