"""A readable assessment for a therapist, red flags first: boxed sections, in colour on a terminal.

Written with the standard library only. Rich drew this before, but importing it
and drawing the first screen took longer than assessing the case (issue 19):
the report now starts as fast as the JSON for other tools. Colour follows the
usual conventions: only on a terminal, never with NO_COLOR, always with FORCE_COLOR.
The width is COLUMNS, else the terminal's, else 80.
"""
from __future__ import annotations

import os
import sys

# Imported only by type checkers: the report is on the CLI's fast path.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TextIO

_URGENCY_STYLE = {"none": "green", "routine": "yellow", "urgent": "bold red", "emergency": "bold white on red"}
_SGR = {"bold": "1", "dim": "2", "italic": "3", "red": "31", "green": "32", "yellow": "33", "white": "37"}
_BORDER = {"none": "green", "routine": "yellow", "urgent": "red", "emergency": "red"}


class Report:
    """Lines of boxed sections at a width, styled when colour is on."""

    def __init__(self, out: TextIO, width: int, colour: bool):
        self.out, self.width, self.colour = out, max(width, 40), colour

    def style(self, text: str, style: str | None) -> str:
        """The text in a style such as "bold white on red" (ANSI codes), when colour is on."""
        if not (self.colour and style):
            return text
        words, codes = style.split(), []
        while words:
            word = words.pop(0)
            codes.append(str(int(_SGR[words.pop(0)]) + 10) if word == "on" else _SGR[word])  # "on red": background
        return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"

    def rule(self, title: str) -> None:
        """A line across with the title in it; a title too long for one goes above a plain line."""
        if len(title) + 6 > self.width:
            self.paragraph(title)
            self.out.write("─" * self.width + "\n")
            return
        title = f" {title} "
        left = (self.width - len(title)) // 2
        self.out.write("─" * left + title + "─" * (self.width - left - len(title)) + "\n")

    def paragraph(self, text: str, style: str | None = None) -> None:
        for line in wrap(text, self.width) or [""]:
            self.out.write(self.style(line, style) + "\n")

    def panel(self, title: str, rows: list[tuple[str, str | None]], border: str | None = None) -> None:
        """A box with the title in its top edge; rows are (text, style), wrapped to fit."""
        inner = self.width - 4
        head = f" {title} "
        left = (self.width - 2 - len(head)) // 2
        self.out.write(self.style("╭" + "─" * left + head + "─" * (self.width - 2 - left - len(head)) + "╮", border) + "\n")
        for text, style in rows:
            for line in text.split("\n"):
                # A list item's or an indented line's continuation lines sit under its text.
                lead = len(line) - len(line.lstrip(" "))
                hanging = lead + 2 if lead or line.startswith(("- ", "! ")) else 0
                for piece in wrap(line, inner, " " * hanging) or [""]:
                    edge = self.style("│", border)
                    self.out.write(f"{edge} {self.style(piece, style)}{' ' * (inner - len(piece))} {edge}\n")
        self.out.write(self.style("╰" + "─" * (self.width - 2) + "╯", border) + "\n")


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """The text in lines of at most `width` characters, as `textwrap.wrap(text, width,
    subsequent_indent=indent, break_on_hyphens=False)` gives them for text without tabs or line
    breaks: runs of spaces inside a line are kept (they align the tables), the text's leading
    spaces start its first line, and a word longer than a line is cut. textwrap's patterns took
    a tenth of the report's start; this takes none."""
    chunks: list[str] = []  # words and the runs of spaces between them, in order
    gap = 0
    for token in text.split(" "):
        if token:
            if gap:
                chunks.append(" " * gap)
            chunks.append(token)
            gap = 1
        else:
            gap += 1
    chunks.reverse()  # taken from the end, as textwrap does
    lines: list[str] = []
    while chunks:
        prefix = indent if lines else ""
        room = width - len(prefix)
        if lines and chunks[-1].startswith(" "):
            chunks.pop()  # a line never starts with the spaces a break left
        line: list[str] = []
        used = 0
        while chunks and used + len(chunks[-1]) <= room:
            used += len(chunks[-1])
            line.append(chunks.pop())
        # A word wider than a line: cut it to fill what is left of this one (nothing, if the line is full).
        cut = (room - used) if room >= 1 else 1
        if chunks and len(chunks[-1]) > room and cut >= 1:
            line.append(chunks[-1][:cut])
            chunks[-1] = chunks[-1][cut:]
            if not chunks[-1]:
                chunks.pop()
        if line and line[-1].startswith(" "):
            line.pop()  # nor ends with them
        if line:
            lines.append(prefix + "".join(line))
    return lines


def table(rows: list[list[str]], widths: list[int], right: tuple[int, ...] = ()) -> list[str]:
    """Rows of cells, each column wrapped to its width, columns two spaces apart."""
    out = []
    for row in rows:
        cells = [sum((wrap(part, w) or [""] for part in cell.split("\n")), []) for cell, w in zip(row, widths)]
        for i in range(max(len(c) for c in cells)):
            parts = [(c[i] if i < len(c) else "") for c in cells]
            out.append("  ".join(p.rjust(w) if n in right else p.ljust(w) for n, (p, w) in enumerate(zip(parts, widths))).rstrip())
    return out


def _names(kind: str) -> dict[str, str]:
    from ..clinical.vocabulary import vocabulary

    table_: dict[str, str] = getattr(vocabulary(), kind)
    return table_


def _name(kind: str, identifier: str) -> str:
    table_ = _names(kind)
    text = table_.get(identifier, identifier) if isinstance(table_, dict) else identifier
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


def _safety(r: Report, a: dict[str, Any]) -> None:
    referral = a["referral"]
    urgency = referral["urgency"]
    see = f" - see {_name('referral_destinations', referral['to'])}" if referral.get("to") else ""
    rows: list[tuple[str, str | None]] = [(f"Referral: {urgency.upper()}{see}", _URGENCY_STYLE[urgency])]
    for flag in a["red_flags"]:
        rows.append((f"RED FLAG  {_name('red_flags', flag['id'])} ({flag['urgency']})", "bold red"))
        rows += [(f"   - {e}", None) for e in flag["evidence"]]
    rows += [(f"Referral reason: {reason}", "yellow") for reason in referral["reasons"] if not reason.startswith("suspected ")]
    if referral.get("tell_client"):
        rows.append((f"Tell the client: {referral['tell_client']}", "italic"))
    if not a["red_flags"]:
        rows.append(("No red flag found in what was recorded.", "green"))
    if referral["not_asked"]:
        asked = ", ".join(q.replace("_", " ") for q in referral["not_asked"])
        rows.append((f"Not recorded, ask before treating: {asked}", "bold yellow"))
    r.panel("Safety", rows, _BORDER[urgency])


def _roots(r: Report, a: dict[str, Any]) -> None:
    if not a["nerve_roots"]:
        r.panel("Nerve roots", [("No nerve-root deficit found in the recorded examination.", None)])
        return
    rows = [["root", "side", "confidence", "evidence"]]
    rows += [[x["root"], x["side"], f"{x['confidence']:.2f}", "\n".join(x["evidence"])] for x in a["nerve_roots"]]
    first = [max(len(row[i]) for row in rows) for i in range(3)]
    widths = [*first, max(r.width - 4 - sum(first) - 6, 10)]
    r.panel("Nerve roots", [(line, None) for line in table(rows, widths)])


def _differential(r: Report, a: dict[str, Any]) -> None:
    inner = r.width - 4 - 4  # two gaps between three columns
    widths = [inner * 3 // 9, max(inner // 9, 5)]
    widths.append(inner - sum(widths))
    shown = [c for i, c in enumerate(a["differential"]) if i < 3 or c["probability"] >= 0.01][:6]
    rows: list[tuple[str, str | None]] = [(line, None) for line in table(
        [["condition", "prob.", "findings that moved it (likelihood ratio)"]], widths, right=(1,))]
    for item in shown:
        name = item["name"] + (" (flagged)" if item.get("flagged") else "")
        evidence = [e for e in item["evidence"] if e != "flagged by the safety screen"]
        lines = table([[name, f"{item['probability']:.0%}", "; ".join(evidence[:3]) or "-"]], widths, right=(1,))
        rows += [(line, "red" if item["serious"] else None) for line in lines]
    hidden = len(a["differential"]) - len(shown)
    rows.append((f"{hidden} less likely conditions not shown (see --format json).", "dim"))
    r.panel("Differential (most likely first)", rows)


def _mechanism(r: Report, a: dict[str, Any]) -> None:
    pm = a["pain_mechanism"]
    if pm["dominant"] is None:
        note = ("Too little recorded to judge; fill in the pain-mechanism checklist." if not pm["criteria"]
                else "No single mechanism dominates on the criteria recorded.")
        r.panel("Pain mechanism", [(note, None)])
        return
    shares = ", ".join(f"{m.replace('_', ' ')} {p:.0%}" for m, p in pm["probabilities"].items())
    rows: list[tuple[str, str | None]] = [(f"{pm['dominant'].replace('_', ' ').upper()}   ({shares})", "bold")]
    r.panel("Pain mechanism (dominant)", rows + [(f"  - {e}", None) for e in pm["evidence"]])


def _plan(r: Report, a: dict[str, Any]) -> None:
    rows: list[tuple[str, str | None]] = [(f"! {c['reason']}", "yellow") for c in a["contraindications"]]
    plan = a["plan"]
    if not plan["treat"]:
        r.panel("Precautions and plan", rows + [("No hands-on treatment today.", "bold red")])
        return
    rows.append(("Goals: " + "; ".join(_name("treatment_goals", g) for g in plan["goals"]), None))
    rows.append(("Positioning: " + "; ".join(_name("positioning", p) for p in plan["positioning"]), None))
    rows.append(("Hydrotherapy: " + "; ".join(_name("hydrotherapy", h) for h in plan["hydrotherapy"]), None))
    for t in plan["techniques"]:
        rows.append((f"  {_name('techniques', t['technique'])}: " + ", ".join(_name("structures", s) for s in t["targets"]), None))
    r.panel("Precautions and plan", rows)


def _self_care(r: Report, a: dict[str, Any]) -> None:
    if not a["self_care"]:
        r.panel("Self-care", [("None until the client has been seen by a doctor.", None)])
        return
    rows = [[item["title"], _dose(item)] for item in a["self_care"]]
    first = min(max(len(row[0]) for row in rows), (r.width - 6) // 2)
    r.panel("Self-care", [(line, None) for line in table(rows, [first, r.width - 4 - first - 2])])


def _width() -> int:
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 80


def _colour(out: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return os.environ.get("TERM") != "dumb" and hasattr(out, "isatty") and out.isatty()


def render_assessments(results: list[dict[str, Any]], names: list[str], out: TextIO | None = None,
                       width: int | None = None, colour: bool | None = None) -> None:
    out = out or sys.stdout
    r = Report(out, width or _width(), _colour(out) if colour is None else colour)
    for name, a in zip(names, results):
        r.rule(f"{a.get('case_id') or name}  knowledge base {a['knowledge_base']['version']}")
        r.paragraph(a["disclaimer"], "dim italic")
        for section in (_safety, _roots, _differential, _mechanism, _plan, _self_care):
            section(r, a)
