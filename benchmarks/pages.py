"""Page weight: what the browser downloads for the everyday pages, raw and as the app compresses it.

    .venv/bin/python benchmarks/pages.py

Serves backcare in process on a fresh SQLite database with one client and one
visit, signs in, and fetches each page twice (Accept-Encoding: identity, then
gzip), counting the bytes on the wire. Prints raw and gzipped sizes with their
ratio, then the visit form as sent against the same form with every part that
loads on demand already in it (as a form whose parts all hold findings is sent).
Target: the visit form at most half its size before issue 19 (296,395 bytes).
"""
from __future__ import annotations

import os
import re
import sys

# benchmarks/http.py must not shadow the standard library's http package.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path.pop(0)

import tempfile  # noqa: E402
from datetime import date  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from web_support import csrf_of, fresh_records, login, make_client, seed  # noqa: E402

BEFORE_FORM = 296_395  # GET /clients/{id}/visits/new on main before issue 19 (same client, no draft)


def wire(browser, method: str, path: str, encoding: str, **kwargs) -> tuple[int, str]:
    with browser.stream(method, path, headers={"Accept-Encoding": encoding}, **kwargs) as response:
        assert response.status_code == 200, (path, response.status_code)
        return len(b"".join(response.iter_raw())), response.headers.get("content-encoding", "-")


def main() -> None:
    from backcare.web.visits.parts import PARTS

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/pages.db"
        records = fresh_records(url)
        actor = seed(records)["north"]
        client_id = records.create_client(actor, {"name": "Paula Pages"})
        visit_id = records.create_visit(actor, client_id, {"visit_date": date.today(), "case": {
            "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back", "buttock_left"]}}})
        browser = make_client(url)
        login(browser, "ther@north.test")
        form_page = browser.get(f"/clients/{client_id}/visits/new").text
        statics = dict.fromkeys(re.findall(r'(?:src|href)="(/static/[^"]+\.(?:js|css))"', form_page))
        pages = [("today", "GET", "/today", {}), ("client", "GET", f"/clients/{client_id}", {}),
                 ("visit page", "GET", f"/visits/{visit_id}", {}),
                 ("visit form", "GET", f"/clients/{client_id}/visits/new", {}),
                 ("visit form, every part", "POST", f"/clients/{client_id}/visits/new",
                  {"data": {"csrf_token": csrf_of(form_page), "parts_shown": " ".join(PARTS), "show_part": PARTS[0]}})]
        pages += [(path.split("/")[-1], "GET", path, {}) for path in statics]
        sizes = {}
        print(f"{'page':<32} {'raw bytes':>10} {'gzipped':>9} {'ratio':>6}  encoding")
        for name, method, path, kwargs in pages:
            raw, _ = wire(browser, method, path, "identity", **kwargs)
            packed, encoding = wire(browser, method, path, "gzip", **kwargs)
            sizes[name] = (raw, packed)
            print(f"{name:<32} {raw:>10,} {packed:>9,} {packed / raw:>6.2f}  {encoding}")
        light, full = sizes["visit form"][0], sizes["visit form, every part"][0]
        print(f"visit form as sent / with every part: {light:,} / {full:,} bytes = {light / full:.2f}")
        print(f"visit form against before issue 19: {light:,} / {BEFORE_FORM:,} bytes = {light / BEFORE_FORM:.2f} "
              f"(target <= 0.50: {'met' if light <= BEFORE_FORM / 2 else 'NOT met'})")


if __name__ == "__main__":
    main()
