"""A whole clinic's Bulk Data import writes each visit once, with its note and signature read beside it
(fhir.bulk_reading): the same records and the same rules whether the files are in step or not."""
from __future__ import annotations

import json
import os
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text

from backcare.fhir import BundleError, write_ndjson
from backcare.fhir.codes import EXT
from backcare.records import FieldErrors, importing
from backcare.storage.models import Amendment, Client, User, Visit
from test_fhir import _normalised
from web_support import a_visit_case, fresh_records, seed


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """Three clients with two visits each: signed, one amended twice, one left unsigned (built once: read only)."""
    records = fresh_records(f"sqlite:///{tmp_path_factory.mktemp('bulk-source') / 'source.db'}")
    people = seed(records)
    me = people["north"]
    for name in ("Ann Able", "Ben Baker", "Cy Cole"):
        client_id = records.create_client(me, {"name": name, "date_of_birth": date(1980, 5, 17)})
        for days in (9, 3):
            visit_id = records.create_visit(me, client_id, {"visit_date": date.today() - timedelta(days=days), "case": a_visit_case()})
            if name != "Cy Cole" or days == 9:
                records.sign(me, visit_id)
            if name == "Ben Baker" and days == 3:
                records.amend(me, visit_id, "Rechecked: no change.")
                records.amend(me, visit_id, "Called the next day: easier.")
    return records, people


@pytest.fixture
def bulk(source, tmp_path):
    records, people = source
    write_ndjson(records.export_batches(people["north_admin"]), tmp_path / "bulk", "North")
    return tmp_path / "bulk"


@pytest.fixture(params=["read here", "read ahead"])
def target(tmp_path, request, monkeypatch):
    """A clinic to import into; the file read in the importing process, or by a second one (fhir.read_ahead)."""
    monkeypatch.setattr(importing, "READ_AHEAD_FROM", 0 if request.param == "read ahead" else 10**9)
    records = fresh_records(f"sqlite:///{tmp_path / 'target.db'}")
    return records, seed(records)


def _lines(bulk, kind) -> list[dict]:
    return [json.loads(line) for line in (bulk / f"{kind}.ndjson").read_text().splitlines()]


def _write(bulk, kind, resources) -> None:
    (bulk / f"{kind}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in resources))


def _count(records, model) -> int:
    with records.read_sessions() as db:
        return db.scalar(select(func.count()).select_from(model))


def _same_records(source, target) -> None:
    records_from, people_from = source
    records, people = target
    by_name = lambda rs: sorted((_normalised(r) for r in rs), key=lambda r: r["client"]["name"])  # noqa: E731
    assert by_name(records.export_clients(people["north_admin"])) == by_name(records_from.export_clients(people_from["north_admin"]))


@pytest.mark.parametrize("order", ["in step", "notes and signatures out of step", "visits in reverse"])
def test_notes_signatures_and_amendments_come_back_the_same_in_step_or_not(source, bulk, target, order, monkeypatch):
    monkeypatch.setattr(importing, "BATCH", 2)  # visits written two at a time: a note out of step finds its visit written
    if order == "notes and signatures out of step":
        _write(bulk, "Composition", _lines(bulk, "Composition")[::-1])
        provenances = _lines(bulk, "Provenance")  # the first visit's signature last (amendments keep their order)
        _write(bulk, "Provenance", provenances[1:] + provenances[:1])
    elif order == "visits in reverse":
        _write(bulk, "Encounter", _lines(bulk, "Encounter")[::-1])
    records, people = target
    statements: list[str] = []
    engine = records.sessions.kw["bind"]
    listen = lambda conn, cursor, statement, *rest: statements.append(statement)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        report = records.import_ndjson(people["north_admin"], bulk)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    # In step (as backcare writes them), each visit is written once, whole; otherwise its note and signature follow it.
    rewrites = [s for s in statements if s.startswith("UPDATE visits")]
    assert (rewrites == []) == (order == "in step"), rewrites
    assert len(report.imported) == 3 and report.counts["signature"] == 5 and report.counts["amendment"] == 2
    _same_records(source, target)
    with records.read_sessions() as db:
        signed = list(db.scalars(select(Visit).where(Visit.signed_at.is_not(None))))
        assert len(signed) == 5 and all(v.imported_at is not None and v.soap_subjective for v in signed)
        # Signed elsewhere: never attributed to the active account with the same address.
        assert {(u.active, u.email.endswith("@import.invalid")) for u in db.scalars(select(User).where(
            User.id.in_([v.signed_by for v in signed])))} == {(False, True)}
    assert _count(records, Amendment) == 2


def _provenances(bulk, code):
    return [p for p in _lines(bulk, "Provenance") if p["activity"]["coding"][0]["code"] == code]


def _note_too_long(bulk):
    notes = _lines(bulk, "Composition")
    notes[1]["section"][0]["text"]["div"] = '<div xmlns="http://www.w3.org/1999/xhtml">' + "x" * 20_001 + "</div>"
    _write(bulk, "Composition", notes)
    return f"Composition/{notes[1]['id']}, subjective"


def _signed_in_1800(bulk):
    provenances = _lines(bulk, "Provenance")
    signature = next(p for p in provenances if p["activity"]["coding"][0]["code"] == "LA")
    signature["recorded"] = "1800-01-01T09:00:00+00:00"
    _write(bulk, "Provenance", provenances)
    return f"Provenance/{signature['id']}, signed_at"


def _signed_twice(bulk):
    provenances = _lines(bulk, "Provenance")
    n, signature = next((n, p) for n, p in enumerate(provenances) if p["activity"]["coding"][0]["code"] == "LA")
    again = {**signature, "id": "0b5e2f6a-8c3d-4e1f-9a7b-2c4d6e8f0a1b"}
    _write(bulk, "Provenance", provenances[:n + 1] + [again] + provenances[n + 1:])
    manifest = json.loads((bulk / "manifest.json").read_text())
    next(o for o in manifest["output"] if o["type"] == "Provenance")["count"] += 1
    (bulk / "manifest.json").write_text(json.dumps(manifest))
    return f"Provenance/{again['id']}, target"


def _nul_in_an_amendment(bulk):
    provenances = _lines(bulk, "Provenance")
    amendment = next(p for p in provenances if p["activity"]["coding"][0]["code"] == "UPDATE")
    next(e for e in amendment["extension"] if e["url"] == EXT + "amendment-text")["valueString"] = "fine\x00then not"
    _write(bulk, "Provenance", provenances)
    return f"Provenance/{amendment['id']}, text"


BREAKS = [_note_too_long, _signed_in_1800, _signed_twice, _nul_in_an_amendment]


@pytest.mark.parametrize("breaks", BREAKS, ids=[b.__name__.strip("_") for b in BREAKS])
def test_a_bad_note_signature_or_amendment_read_beside_its_visit_is_named_and_saves_nothing(bulk, target, breaks):
    where = breaks(bulk)
    records, people = target
    with pytest.raises(FieldErrors) as refused:
        records.import_ndjson(people["north_admin"], bulk)
    assert list(refused.value.errors) == [where], refused.value.errors
    assert _count(records, Client) == 0 and _count(records, Visit) == 0 and _count(records, Amendment) == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["<div", ">", "</div>", "<br/>", "\n", "x", "&amp;", '<div xmlns="a">', "(empty)", "</div"]),
                max_size=8).map("".join))
def test_a_notes_section_reads_back_as_the_regular_expression_for_its_div_reads_it(div):
    """reading._text strips the div without searching the whole text: the same result on any narrative."""
    import re
    from html import unescape

    from backcare.fhir.reading import Resource, _text

    expected = unescape(re.sub(r"^<div[^>]*>|</div>$", "", div).replace("<br/>", "\n"))
    assert _text(Resource("Composition", "c", {"section": [{"text": {"div": div}}]}), 0) == ("" if expected == "(empty)" else expected)


def _not_json(bulk):
    lines = (bulk / "Composition.ndjson").read_text().splitlines()
    lines[2] = lines[2][:-1]
    (bulk / "Composition.ndjson").write_text("\n".join(lines) + "\n")
    return "Composition.ndjson line 3", "not valid JSON"


def _cut_short(bulk):
    lines = (bulk / "Provenance.ndjson").read_text().splitlines()
    (bulk / "Provenance.ndjson").write_text("\n".join(lines[:-1]) + "\n")
    return "Provenance.ndjson", "the file is incomplete"


@pytest.mark.parametrize("breaks", [_not_json, _cut_short], ids=["a line that is not JSON", "a file cut short"])
def test_a_file_that_cannot_be_read_is_refused_at_its_line_and_saves_nothing(bulk, target, breaks):
    where, message = breaks(bulk)
    records, people = target
    with pytest.raises(BundleError) as refused:
        records.import_ndjson(people["north_admin"], bulk)
    assert refused.value.where == where and message in refused.value.message
    assert _count(records, Client) == 0 and _count(records, Visit) == 0


@pytest.fixture
def postgres_target(postgres):
    if postgres is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing in CI")
        pytest.skip("no PostgreSQL server binaries on this machine")
    from postgres_support import new_database

    records = fresh_records(new_database(postgres))
    return records, seed(records)


def test_on_postgresql_an_import_stores_the_visits_json_compressed_with_lz4(source, bulk, postgres_target):
    records, people = postgres_target
    records.import_ndjson(people["north_admin"], bulk)
    with records.read_sessions() as db:
        lz4 = db.scalar(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"))
        methods = set(db.scalars(text("SELECT pg_column_compression(assessment) FROM visits")))
    assert methods == {"lz4" if lz4 else "pglz"}
    _same_records(source, postgres_target)


def test_rows_written_a_batch_at_a_time_get_their_own_ids_and_no_default_is_lost(database_url):
    """records.bulk_insert: INSERT ... RETURNING on SQLite, COPY with ids from the sequence on PostgreSQL."""
    from datetime import datetime, timezone

    from backcare.records.bulk_insert import insert_rows
    from backcare.storage.models import Episode

    records = fresh_records(database_url)
    people = seed(records)
    me = people["north"]
    client_id = records.create_client(me, {"name": "Ann Able"})
    now = datetime.now(timezone.utc)
    rows = [{"clinic_id": me.clinic_id, "client_id": client_id, "started_on": date(2020, 1, day), "closed_on": None,
             "closed_by": None, "discharge_reason": "", "discharge_note": f"note {day}", "created_at": now} for day in (3, 1, 2)]
    engine = records.sessions.kw["bind"]
    with engine.begin() as conn:
        ids = insert_rows(conn, Episode.__table__, rows)
    with records.read_sessions() as db:
        assert [(db.get(Episode, i).started_on, db.get(Episode, i).discharge_note) for i in ids] == [
            (r["started_on"], r["discharge_note"]) for r in rows]
    if engine.dialect.name == "postgresql":  # COPY would leave out what an INSERT fills in: refused instead
        with engine.begin() as conn, pytest.raises(ValueError, match="discharge_note has a default"):
            insert_rows(conn, Episode.__table__, [{k: v for k, v in rows[0].items() if k != "discharge_note"}])
