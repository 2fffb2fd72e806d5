"""A clinic's records as CSV tables (clients, visits, scores, treatments, consents) for its own analysis.

Built from exported records (records.export_clients): one row per client, per
visit, per questionnaire. Plain UTF-8 CSV with a header row; free-text notes
stay out (they belong in the record, not in a spreadsheet).
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

COLUMNS = {
    "clients.csv": ["client_id", "name", "date_of_birth", "phone", "email", "consent_given", "consent_date", "visits",
                    "first_visit", "last_visit"],
    "visits.csv": ["client_id", "visit_date", "therapist", "pain_nrs", "referral", "lead_condition", "nerve_roots",
                   "pain_mechanism", "signed_at", "kb_version"],
    "scores.csv": ["client_id", "answered_on", "instrument", "score", "complete", "subscore", "risk_group", "band", "mode"],
    # One row per technique given, with the session's response; one per consent.
    "treatments.csv": ["client_id", "visit_date", "technique", "targets", "side", "minutes", "pressure", "overridden",
                       "stopped_at_withdrawal", "session_minutes", "pain_before", "pain_after", "retest", "retest_before",
                       "retest_after"],
    "consents.csv": ["client_id", "visit_date", "scope", "pack", "areas", "methods", "decision", "given_at", "withdrawn_at",
                     "taken_by"],
}


# A cell a spreadsheet would run as a formula: one that starts with = + - @ (after any spaces), or a tab or
# carriage return; and, since a spreadsheet set to another separator splits a cell at ; or a tab, any part
# of the text after one of those that starts like a formula too.
_FORMULA_START = re.compile(r"(^|[;\t\r\n|,])(\s*)(?=[=+\-@\t\r])")


def _formula_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets an apostrophe before each start of one (CSV injection)."""
    if isinstance(value, str):
        return _FORMULA_START.sub(lambda m: f"{m.group(1)}{m.group(2)}'", value)
    return value


def rows(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for r in records:
        c, visits = r["client"], r["visits"]
        dates = [v["visit_date"] for v in visits]
        out["clients.csv"].append({"client_id": r["id"], "name": c["name"], "date_of_birth": c["date_of_birth"],
                                   "phone": c["phone"], "email": c["email"], "consent_given": c["consent_given"],
                                   "consent_date": c["consent_date"], "visits": len(visits),
                                   "first_visit": min(dates) if dates else None, "last_visit": max(dates) if dates else None})
        for v in visits:
            a = v["assessment"]
            out["visits.csv"].append({
                "client_id": r["id"], "visit_date": v["visit_date"], "therapist": (v["therapist"] or {}).get("name"),
                "pain_nrs": (v["case"].get("symptoms") or {}).get("pain_nrs"), "referral": a["referral"]["urgency"],
                "lead_condition": a["differential"][0]["name"] if a["differential"] else "",
                "nerve_roots": " ".join(f"{n['root']}-{n['side']}" for n in a["nerve_roots"]),
                "pain_mechanism": (a.get("pain_mechanism") or {}).get("dominant"), "signed_at": v["signed_at"],
                "kb_version": v["kb_version"]})
        for q in r["questionnaires"]:
            out["scores.csv"].append({"client_id": r["id"], "answered_on": q["answered_on"], "instrument": q["instrument"],
                                      "score": q["score"], "complete": q["complete"], "subscore": q["result"].get("subscore"),
                                      "risk_group": q["result"].get("risk_group"), "band": q["result"].get("band"), "mode": q["mode"]})
        _treatment_rows(out, r)
    return out


def _treatment_rows(out: dict[str, list[dict[str, Any]]], r: dict[str, Any]) -> None:
    """The treatment as given and the consents of one exported client (free text stays out: reasons, words)."""
    dates = {v["key"]: v["visit_date"] for v in r["visits"]}
    for t in r.get("treatments", []):
        given, response = t["given"], t["response"]
        retest = response.get("retest") or {}
        total = given.get("total_minutes")
        session = total if total is not None else sum(e["minutes"] for e in given["entries"])
        for e in given["entries"]:
            out["treatments.csv"].append({
                "client_id": r["id"], "visit_date": dates.get(t["visit"]), "technique": e["technique"],
                "targets": " ".join(e["targets"]), "side": e["side"], "minutes": e["minutes"], "pressure": e["pressure"],
                "overridden": bool(e.get("clinical_reason")), "stopped_at_withdrawal": bool(e.get("until_withdrawal")),
                "session_minutes": session, "pain_before": response.get("pain_before"), "pain_after": response.get("pain_after"),
                "retest": retest.get("id"), "retest_before": retest.get("before"), "retest_after": retest.get("after")})
    for c in r.get("consents", []):
        out["consents.csv"].append({
            "client_id": r["id"], "visit_date": dates.get(c["visit"]), "scope": c["scope"], "pack": c["pack"],
            "areas": " ".join(c["areas"]), "methods": " ".join(c["methods"]), "decision": c["decision"], "given_at": c["given_at"],
            "withdrawn_at": c["withdrawn_at"], "taken_by": (c["taken_by"] or {}).get("name")})


def csv_text(name: str, table: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    # Every cell quoted: a cell is one cell whatever separator the spreadsheet expects.
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS[name], lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for row in table:
        writer.writerow({k: _formula_safe("" if v is None else v) for k, v in row.items()})
    return buffer.getvalue()


def csv_zip(records: list[dict[str, Any]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, table in rows(records).items():
            archive.writestr(name, csv_text(name, table))
    return buffer.getvalue()
