"""`backcare knowledge [TOPIC]`: browse the knowledge base with its sources."""
from __future__ import annotations

from typing import Any, Callable

from rich.console import Console
from rich.table import Table

from ..clinical.knowledge.runtime import load_knowledge


def _moves(entry: dict[str, Any]) -> str:
    parts = []
    for cid, move in entry["moves"].items():
        lr = [f"+{move['present']:g}" if move["present"] != 1 else "", f"-{move['absent']:g}" if move["absent"] != 1 else ""]
        parts.append(f"{cid} {' '.join(x for x in lr if x)}")
    return "; ".join(parts)


def _forbids(entry: dict[str, Any]) -> str:
    f = entry["forbids"]
    parts = [f"{k}: {', '.join(v)}" for k, v in f.items() if v]
    return "; ".join(parts) + ("; stops treatment" if entry["stops_treatment"] else "")


# topic -> (where the entries are, columns: (header, value of an entry))
Column = tuple[str, Callable[[str, dict[str, Any]], str]]
TOPICS: dict[str, tuple[Callable[[dict], dict], list[Column]]] = {
    "sources": (lambda d: d["sources"], [("kind", lambda i, e: e["kind"]), ("title", lambda i, e: e["title"])]),
    "conditions": (lambda d: d["conditions"], [
        ("name", lambda i, e: e["name"]), ("prior", lambda i, e: f"{e['prior']:g}"),
        ("ICD-10", lambda i, e: e["icd10"]), ("SNOMED CT", lambda i, e: e["snomed"] or "-"),
        ("refer", lambda i, e: f"{e['referral']['urgency']}, {e['referral']['to']}" if e.get("referral") else "-")]),
    "findings": (lambda d: d["findings"], [
        ("label", lambda i, e: e["label"]), ("likelihood ratios (+present -absent)", lambda i, e: _moves(e)),
        ("basis", lambda i, e: e["basis"] or "-")]),
    "roots": (lambda d: {f"{t}:{k}": v for t in ("dermatomes", "myotomes", "reflexes", "atrophy") for k, v in d["neuro"][t].items()},
              [("roots (weight)", lambda i, e: ", ".join(f"{r} {w:g}" for r, w in e["weights"].items()) or "-")]),
    "red-flags": (lambda d: {r["id"]: r for r in d["referral_rules"]}, [
        ("red flag", lambda i, e: e["red_flag"] or "(referral only)"), ("urgency", lambda i, e: e["urgency"]),
        ("to", lambda i, e: e["to"] or ("emergency_department" if e["urgency"] == "emergency" else "family_doctor")),
        ("concern raised by / lowered by", lambda i, e: "; ".join(
            part for part in (", ".join(e["raised_by"]), e["lowered_by"] and f"lowered to {e['lowered_to']} by {', '.join(e['lowered_by'])}")
            if part) or "-")]),
    "pain-mechanism": (lambda d: d["pain_mechanisms"]["criteria"], [
        ("criterion", lambda i, e: e["label"]), ("factors (+present -absent)", lambda i, e: _moves(e)),
        ("read from the case", lambda i, e: e["derived_from"] or "-")]),
    "contraindications": (lambda d: d["contraindications"], [
        ("reason", lambda i, e: e["reason"]), ("removes from the plan", lambda i, e: _forbids(e))]),
    "treatment": (lambda d: d["protocols"], [
        ("protocol", lambda i, e: e["title"]),
        ("techniques", lambda i, e: "; ".join(f"{t['technique']}: {', '.join(t['targets'])}" for t in e["techniques"]))]),
    "trigger-points": (lambda d: d["trigger_points"], [
        ("refers pain to (same side)", lambda i, e: ", ".join(e["regions"]))]),
    "self-care": (lambda d: d["self_care"]["items"], [
        ("title", lambda i, e: e["title"]),
        ("dosage", lambda i, e: ", ".join(f"{k} {v}" for k, v in e["dosage"].items() if v is not None))]),
}


def show(topic: str | None, console: Console | None = None) -> bool:
    console = console or Console()
    data = load_knowledge().data
    if topic is None:
        table = Table(title=f"backcare knowledge base {data['version']}")
        table.add_column("topic")
        table.add_column("entries", justify="right")
        for name, (entries, _) in TOPICS.items():
            table.add_row(name, str(len(entries(data))))
        console.print(table)
        console.print("Show one: backcare knowledge TOPIC, or backcare knowledge ENTRY_ID")
        return True
    if topic in TOPICS:
        entries_of, columns = TOPICS[topic]
        table = Table(title=f"{topic} ({data['version']})", show_lines=False)
        table.add_column("id", style="bold")
        for header, _ in columns:
            table.add_column(header)
        if topic != "sources":
            table.add_column("sources")
        for key, entry in entries_of(data).items():
            row = [key] + [value(key, entry) for _, value in columns]
            if topic != "sources":
                row.append(", ".join(entry.get("sources", [])))
            table.add_row(*row)
        console.print(table)
        return True
    for name, (entries_of, _) in TOPICS.items():
        entry = entries_of(data).get(topic)
        if entry is not None:
            _detail(console, name, topic, entry, data["sources"])
            return True
    return False


def _detail(console: Console, topic: str, key: str, entry: dict[str, Any], sources: dict[str, Any]) -> None:
    import yaml

    shown = {k: v for k, v in entry.items() if k != "sources"}
    console.print(f"[bold]{key}[/bold]  ({topic})")
    console.print(yaml.safe_dump(shown, sort_keys=False, allow_unicode=True).rstrip())
    console.print("[bold]Sources[/bold]")
    for sid in entry.get("sources", []):
        src = sources[sid]
        where = src.get("file") or src.get("notes") or ""
        console.print(f"  {sid}: {src['title']}" + (f" [dim]({where})[/dim]" if where else ""))
