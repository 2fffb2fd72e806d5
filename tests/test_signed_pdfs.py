"""PDFs without waiting (issue 19, item 5): the render processes start with the server, and a
signed visit's PDFs are rendered once and then served from the database until the note changes."""
from __future__ import annotations

import subprocess
from datetime import date

import pytest
from fastapi.testclient import TestClient

from backcare.web import pdf
from backcare.web.app import create_app
from backcare.web.settings import Settings
from web_support import fresh_records, login, make_client, seed

CASE = {"client": {"age": 41}, "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back"], "saddle_anaesthesia": False,
                                            "bladder_dysfunction": False, "bowel_dysfunction": False,
                                            "progressive_weakness": False, "sexual_dysfunction": False}}


@pytest.fixture
def renders(monkeypatch):
    """Every PDF actually laid out (the real renderer, counted)."""
    done: list[str] = []
    real = pdf.html_to_pdf

    def counted(html: str) -> bytes:
        done.append(html)
        return real(html)

    monkeypatch.setattr(pdf, "html_to_pdf", counted)
    return done


def _text(data: bytes, tmp_path) -> str:
    path = tmp_path / "paper.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_signed_visits_pdfs_are_rendered_once_for_every_worker_until_amended(database_url, renders, tmp_path):
    records = fresh_records(database_url)
    people = seed(records)
    me = people["north"]
    client_id = records.create_client(me, {"name": "Sian Signed"})
    visit_id = records.create_visit(me, client_id, {"visit_date": date.today(), "case": CASE})
    browser = make_client(database_url)
    login(browser, "ther@north.test")
    summary, handout = f"/visits/{visit_id}/summary.pdf", f"/visits/{visit_id}/handout.pdf"
    # Unsigned, the note may still change: rendered every time.
    for _ in range(2):
        assert browser.get(summary).status_code == 200
    assert len(renders) == 2
    records.sign(me, visit_id)
    first = browser.get(summary).content
    assert len(renders) == 3 and first.startswith(b"%PDF")
    assert browser.get(summary).content == first and len(renders) == 3
    assert browser.get(handout).status_code == 200 and len(renders) == 4
    # Another worker (a new app on the same database) has it too: kept in the database, not in a process.
    other = make_client(database_url)
    login(other, "ther@north.test")
    assert other.get(summary).content == first and other.get(handout).status_code == 200 and len(renders) == 4
    # An amendment changes what the summary says: it is laid out again, with the amendment in it.
    records.amend(me, visit_id, "Pain on the right, not the left.")
    amended = browser.get(summary).content
    assert len(renders) == 5 and "Pain on the right, not the left." in _text(amended, tmp_path)
    assert browser.get(summary).content == amended and len(renders) == 5
    # So does a new letterhead: nothing printed is ever older than the record.
    records.update_clinic(people["north_admin"], {"name": "North Clinic", "phone": "+44 20 7946 0000"})
    assert "+44 20 7946 0000" in _text(browser.get(handout).content, tmp_path) and len(renders) == 6
    # Another clinic never reaches a kept PDF.
    stranger = people["south"]
    assert records.kept_pdf(stranger, visit_id, "summary", "0" * 64) is None
    assert make_client(database_url).get(summary, follow_redirects=False).status_code == 303


def test_the_render_processes_start_with_the_server(tmp_path):
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'warm.db'}", secure_cookies=False))
    fresh_records(app.state.settings.database_url)
    pdf.shutdown()
    try:
        with TestClient(app):  # runs the app's start-up, as the server does
            pool = pdf._pool
            assert pool is not None and len(pool._processes) == pdf.WORKERS  # before any PDF was asked for
            # Each process has WeasyPrint loaded already (its start-up laid out a page).
            loaded = [pool.submit(eval, "'weasyprint' in __import__('sys').modules") for _ in range(pdf.WORKERS)]
            assert all(f.result(timeout=60) for f in loaded)
        assert pdf._pool is None  # and stop with it
    finally:
        pdf.shutdown()
