"""A readable assessment for a therapist, red flags first (Rich)."""
from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..clinical.vocabulary import vocabulary

_URGENCY_STYLE = {"none": "green", "routine": "yellow", "urgent": "bold red", "emergency": "bold white on red"}


def _name(kind: str, identifier: str) -> str:
    table: dict[str, str] = getattr(vocabulary(), kind)
    text = table.get(identifier, identifier) if isinstance(table, dict) else identifier
    return text.split(" (")[0].split(";")[0]


def _dose(item: dict[str, Any]) -> str:
    parts = []
    if item["sets"]:
        parts.append(f"{item['sets']} set{'s' if item['sets'] > 1 else ''}")
    if item["reps"]:
        parts.append(f"{item['reps']} reps")
    if item["hold_seconds"]:
        parts.append(f"hold {item['hold_seconds']} s")
    if item["frequency"]:
        parts.append(item["frequency"])
    return ", ".join(parts)


def _safety(a: dict[str, Any]) -> Panel:
    referral = a["referral"]
    urgency = referral["urgency"]
    lines: list[Any] = [Text(f"Referral: {urgency.upper()}" + (f" - see {_name('referral_destinations', referral['to'])}"
                                                            if referral.get("to") else ""), style=_URGENCY_STYLE[urgency])]
    for flag in a["red_flags"]:
        lines.append(Text(f"RED FLAG  {_name('red_flags', flag['id'])} ({flag['urgency']})", style="bold red"))
        lines += [Text(f"   - {e}") for e in flag["evidence"]]
    for reason in referral["reasons"]:
        if not reason.startswith("suspected "):
            lines.append(Text(f"Referral reason: {reason}", style="yellow"))
    if referral.get("tell_client"):
        lines.append(Text(f"Tell the client: {referral['tell_client']}", style="italic"))
    if not a["red_flags"]:
        lines.append(Text("No red flag found in what was recorded.", style="green"))
    if referral["not_asked"]:
        asked = ", ".join(q.replace("_", " ") for q in referral["not_asked"])
        lines.append(Text(f"Not recorded, ask before treating: {asked}", style="bold yellow"))
    return Panel(Group(*lines), title="Safety", border_style=_URGENCY_STYLE[urgency].split()[-1])


def _roots(a: dict[str, Any]) -> Panel:
    if not a["nerve_roots"]:
        return Panel("No nerve-root deficit found in the recorded examination.", title="Nerve roots")
    table = Table(show_header=True, box=None)
    for col in ("root", "side", "confidence", "evidence"):
        table.add_column(col)
    for r in a["nerve_roots"]:
        table.add_row(r["root"], r["side"], f"{r['confidence']:.2f}", "\n".join(r["evidence"]))
    return Panel(table, title="Nerve roots")


def _differential(a: dict[str, Any]) -> Panel:
    table = Table(show_header=True, box=None, expand=True)
    table.add_column("condition", ratio=3)
    table.add_column("prob.", justify="right", ratio=1)
    table.add_column("findings that moved it (likelihood ratio)", ratio=5)
    shown = [c for i, c in enumerate(a["differential"]) if i < 3 or c["probability"] >= 0.01][:6]
    for item in shown:
        style = "red" if item["serious"] else None
        name = item["name"] + (" (flagged)" if item.get("flagged") else "")
        evidence = [e for e in item["evidence"] if e != "flagged by the safety screen"]
        table.add_row(Text(name, style=style), f"{item['probability']:.0%}", "; ".join(evidence[:3]) or "-")
    hidden = len(a["differential"]) - len(shown)
    footer = Text(f"{hidden} less likely conditions not shown (see --format json).", style="dim")
    return Panel(Group(table, footer), title="Differential (most likely first)")


def _mechanism(a: dict[str, Any]) -> Panel:
    pm = a["pain_mechanism"]
    if pm["dominant"] is None:
        note = ("Too little recorded to judge; fill in the pain-mechanism checklist." if not pm["criteria"]
                else "No single mechanism dominates on the criteria recorded.")
        return Panel(note, title="Pain mechanism")
    shares = ", ".join(f"{m.replace('_', ' ')} {p:.0%}" for m, p in pm["probabilities"].items())
    lines: list[Any] = [Text(f"{pm['dominant'].replace('_', ' ').upper()}   ({shares})", style="bold")]
    lines += [Text(f"  - {e}") for e in pm["evidence"]]
    return Panel(Group(*lines), title="Pain mechanism (dominant)")


def _plan(a: dict[str, Any]) -> Panel:
    lines: list[Any] = []
    for c in a["contraindications"]:
        lines.append(Text(f"! {c['reason']}", style="yellow"))
    plan = a["plan"]
    if not plan["treat"]:
        lines.append(Text("No hands-on treatment today.", style="bold red"))
        return Panel(Group(*lines), title="Precautions and plan")
    lines.append(Text("Goals: " + "; ".join(_name("treatment_goals", g) for g in plan["goals"])))
    lines.append(Text("Positioning: " + "; ".join(_name("positioning", p) for p in plan["positioning"])))
    lines.append(Text("Hydrotherapy: " + "; ".join(_name("hydrotherapy", h) for h in plan["hydrotherapy"])))
    for t in plan["techniques"]:
        lines.append(Text(f"  {_name('techniques', t['technique'])}: " + ", ".join(_name("structures", s) for s in t["targets"])))
    return Panel(Group(*lines), title="Precautions and plan")


def _self_care(a: dict[str, Any]) -> Panel:
    if not a["self_care"]:
        return Panel("None until the client has been seen by a doctor.", title="Self-care")
    table = Table(show_header=False, box=None)
    for item in a["self_care"]:
        table.add_row(item["title"], _dose(item))
    return Panel(table, title="Self-care")


def render_assessments(results: list[dict[str, Any]], names: list[str], console: Console | None = None) -> None:
    console = console or Console()
    for name, a in zip(names, results):
        console.rule(f"{a.get('case_id') or name}  [dim]knowledge base {a['knowledge_base']['version']}[/dim]")
        console.print(Text(a["disclaimer"], style="dim italic"))
        for panel in (_safety(a), _roots(a), _differential(a), _mechanism(a), _plan(a), _self_care(a)):
            console.print(panel)
