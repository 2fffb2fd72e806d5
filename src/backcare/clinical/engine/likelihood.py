"""The differential's likelihood-ratio tables, built once per process, and the
straight-line code with which the findings kernel (kernel.py) applies them.

Every move a finding can make on a condition (its LR+ when present, its LR-
when absent, findings.yaml) is numbered once, most informative first, so the
evidence shown for a condition is its applied moves' numbers sorted, mapped
to texts and records made once. The sums are added in the order the engine
always used (knowledge-base order, then each group's strongest move in the
order the groups first moved), so the probabilities are the same to the last bit.
"""
from __future__ import annotations

import math

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Moves:
    """The likelihood-ratio tables of a knowledge base."""

    def __init__(self, findings: dict[str, Any], conditions: dict[str, Any]):
        self.conditions = list(conditions)
        self.log_priors = [math.log(c["prior"]) for c in conditions.values()]
        index = {cid: i for i, cid in enumerate(conditions)}
        # (finding, {outcome: [(condition number, log LR, group key or None, |log LR|, move number)]})
        self.weighted: list[tuple[str, dict[bool, list[tuple]]]] = []
        moves = []  # (sort key, finding, outcome, condition, log LR, group, |log LR|, text, record)
        for order, (fid, f) in enumerate((fid, f) for fid, f in findings.items() if f["moves"]):
            for cid, move in f["moves"].items():
                group = move["group"] or f["group"]
                for present, lr in ((True, move["present"]), (False, move["absent"])):
                    if lr == 1.0:
                        continue
                    label = f["label"] if present else f["absent_label"] or f"no {f['label']}"
                    size = abs(math.log(lr))
                    # Most informative first; between equals, knowledge-base order.
                    moves.append(((-size, order), fid, present, index[cid], math.log(lr), group and (cid, group), size,
                                  f"{label} (x{lr:g})", {"finding": fid, "present": present, "lr": lr}))
        moves.sort(key=lambda m: m[0])
        self.sizes = [m[6] for m in moves]  # by move number: |log LR|
        self.log_lrs = [m[4] for m in moves]  # by move number: log LR
        self.texts = [m[7] for m in moves]  # by move number: the evidence text
        self.records = [m[8] for m in moves]  # by move number: the likelihood-ratio record (shared, read-only)
        by_finding: dict[str, dict[bool, list[tuple]]] = {}
        for number, (_key, fid, present, condition, log_lr, group, size, *_) in enumerate(moves):
            by_finding.setdefault(fid, {True: [], False: []})[present].append((condition, log_lr, group, size, number))
        # In knowledge-base order, as the sums always were.
        self.weighted = [(fid, by_finding[fid]) for fid in findings if fid in by_finding]
        self.groups: list[tuple[str, str]] = list(dict.fromkeys(
            m[2] for _fid, outcomes in self.weighted for moves_ in outcomes.values() for m in moves_ if m[2]))
        self.group_condition = [index[cid] for cid, _group in self.groups]

    def code(self, local: dict[str, str]) -> list[str]:
        """Kernel lines leaving the log odds in `lo` (a list by condition) and each condition's
        applied move numbers in `ev` (a tuple of lists), given each finding's local variable."""
        group_number = {key: g for g, key in enumerate(self.groups)}
        n = len(self.conditions)
        lines = [f"    lo{i} = {prior!r}" for i, prior in enumerate(self.log_priors)]
        lines += [f"    e{i} = []; a{i} = e{i}.append" for i in range(n)]
        # Per group: the number of its strongest move so far (-1: none yet); `first` keeps the
        # order in which the groups first moved.
        lines.append(f"    gn = [-1] * {len(self.groups)}")
        lines.append("    first = []")
        for fid, outcomes in self.weighted:
            v = local[fid]
            keyword = "if"
            for outcome in (True, False):
                if not outcomes[outcome]:
                    continue
                lines.append(f"    {keyword} {v} is {outcome}:")
                keyword = "elif"
                for condition, log_lr, group, size, number in outcomes[outcome]:
                    if group is None:
                        lines.append(f"        lo{condition} += {log_lr!r}; a{condition}({number})")
                        continue
                    g = group_number[group]
                    lines += [f"        if gn[{g}] < 0: first.append({g}); gn[{g}] = {number}",
                              f"        elif {size!r} > SIZE[gn[{g}]]: gn[{g}] = {number}"]
        lines.append("    lo = [" + ", ".join(f"lo{i}" for i in range(n)) + "]")
        lines.append("    ev = (" + ", ".join(f"e{i}" for i in range(n)) + ",)")
        lines += ["    for g in first:", "        number = gn[g]", "        c = GROUP_CONDITION[g]",
                  "        lo[c] += LOG_LR[number]", "        ev[c].append(number)"]
        return lines
