"""Reading the notes' free text for the client's own, current safety facts (ConText).

A busy note often says in words what the case format has a field for: "fell 3 m off a
ladder", "takes apixaban", "breast cancer in 2019". `NotesReader.read` finds such
mentions and keeps only those that are the client's (not "his father had cancer"),
affirmed (not "denies fever", "cancer screen negative"), actual (not "worried it could
be cancer") and, for a fact that matters only while recent, recent enough (not "fell off
a bike as a child"). This is ConText (Harkema et al. 2009), the successor of NegEx: cue
words with a reach inside a clause, closed early by words that change the subject.
The cues and the readings are data (knowledge/data/notes.yaml).

`with_notes` then fills a reading's field only where the record left it out: a recorded
answer, yes or no, always outweighs the words (case-format.md: free text is weak
evidence). The evidence of every conclusion resting on the words quotes them.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Cheap start-up: `typing` is imported only by type checkers (this module is on the CLI fast path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Clause ends: a full stop that is not a decimal point (between two digits), and other sentence marks. A sentence
# may end in a number ("sees the renal team q3/12."): its date must not reach the next sentence.
_CLAUSE = re.compile(r"(?<!\d)\.|\.(?!\d)|[;!?\n]")
_TOKEN = re.compile(r"[a-z]+|\d+(?:\.\d+)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?$")
_PLAIN = re.compile(r"[a-z]+(?: [a-z]+)*$")
# How many words a negation reaches forward (NegEx uses about five; a list after one cue is longer) and back.
_REACH_BEFORE = 8
_REACH_AFTER = 5  # "ruled out", "negative": strong cues reach back over a phrase ("fall from a height ruled out")
_REACH_STOPPED = 4
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3, "couple": 2, "several": 5}
_UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7, "wk": 7, "wks": 7, "month": 30, "months": 30, "year": 365,
              "years": 365, "yr": 365, "yrs": 365, "decade": 3650, "decades": 3650}
_SNIPPET = 70
_NOT_PHRASE_CUES = frozenset({"other_person_role_before", "other_person_role_after", "negation_after_near_links", "sources"})


# Chart shorthand written out before reading: "s/p" (status post), "w/o", "h/o", "c/o", "r/o" (to rule out),
# "b/b" (bladder and bowel); a minus sign as a review of systems writes it ("fever -", "(-) IVDU", "-ve").
_SHORTHAND = [(re.compile(pattern), words) for pattern, words in (
    (r"\bs/p\b", " status post "), (r"\bw/o\b", " without "), (r"\bh/o\b", " history of "), (r"\bc/o\b", " complains of "),
    (r"\br/o\b", " rule out "), (r"\bb/b\b", " bladder bowel "), (r"\bw/", " with "), (r"\bd/t\b", " due to "),
    (r"\(\s*-\s*\)|\(\s*neg\s*\)|-ve\b", " minussign "), (r"(?<=[a-z])\s*-\s*(?=[,;.)/]|$)", " minussign "),
    (r"\(\s*\+\s*\)|\+ve\b", " plussign "))]


def _tokens(text: str) -> list[str]:
    text = text.lower().replace("'", "").replace("\u2019", "")
    if "/" in text or "-" in text or "(" in text or "+" in text:
        for pattern, words in _SHORTHAND:
            text = pattern.sub(words, text)
    return _TOKEN.findall(text)


class _Phrases:
    """Phrases indexed by their first word; '#' in a phrase stands for any number."""

    def __init__(self) -> None:
        self.by_first: dict[str, list[tuple[tuple[str, ...], str, Any]]] = {}

    def add(self, phrase: str, kind: str, payload: Any = None) -> None:
        # Most phrases are plain lower-case words: split them without the tokenizer (the reader is built on the
        # command line's path, where a millisecond shows).
        if _PLAIN.match(phrase):
            words = tuple(phrase.split())  # letters only: no number to stand for
        else:
            words = tuple("#" if _NUMBER.match(w) else w for w in _tokens(phrase.replace("#", " 0 ")))
        self.by_first.setdefault(words[0], []).append((words, kind, payload))

    def find(self, tokens: list[str]) -> list[tuple[int, int, str, Any]]:
        """Every (start, end, kind, payload) match in a clause's tokens."""
        found = []
        numbered = self.by_first.get("#", ())
        for i, token in enumerate(tokens):
            candidates = self.by_first.get(token, ())
            if numbered and _NUMBER.match(token):
                candidates = [*candidates, *numbered]
            for words, kind, payload in candidates:
                end = i + len(words)
                if end <= len(tokens) and all(w == t or (w == "#" and _NUMBER.match(t))
                                              for w, t in zip(words[1:], tokens[i + 1:end])):
                    found.append((i, end, kind, payload))
        return found


class NotesReader:
    """The readings of notes.yaml compiled into one phrase index."""

    def __init__(self, data: dict[str, Any]):
        cues = data["cues"]
        self.readings: dict[str, dict[str, Any]] = data["readings"]
        self.phrases = _Phrases()
        # Every list of cue phrases is indexed under its own name; the role words are looked up around a cue.
        for kind, phrases in cues.items():
            if isinstance(phrases, list) and kind not in _NOT_PHRASE_CUES:
                for phrase in phrases:
                    self.phrases.add(phrase, kind)
        for phrase, days in cues["past_phrases"].items():
            self.phrases.add(phrase, "past", days)
        self.role_before = frozenset(cues["other_person_role_before"])
        self.role_after = frozenset(cues["other_person_role_after"])
        # A weak trailing cue ("ok") denies the phrase right before it, or across one of these linking words only.
        self.weak_cue_links = frozenset(cues["negation_after_near_links"])
        for rid, reading in self.readings.items():
            for phrase in reading["terms"]:
                self.phrases.add(phrase, "term", rid)
            for phrase in reading["with_"]:
                self.phrases.add(phrase, "with", rid)
            for phrase in reading["unless"]:
                self.phrases.add(phrase, "unless", rid)
            for phrase in (reading["measured"] or {}).get("words", ()):
                self.phrases.add(phrase, "measured", rid)
        self.read = lru_cache(maxsize=256)(self._read)

    def _read(self, text: str, episode_days: int | None = None) -> dict[str, str]:
        """Reading id -> the clause that says it, for each fact the text affirms of the client now.

        An event the words do not date (a fall, an infection, an injection) is placed at the
        start of the episode (`episode_days` ago): in a long episode it is not a recent event."""
        found: dict[str, str] = {}
        start = 0
        for mark in [*_CLAUSE.finditer(text), None]:
            end = mark.start() if mark else len(text)
            clause = text[start:end]
            question = mark is not None and mark.group() == "?"
            start = mark.end() if mark else end
            for rid in self._clause(_tokens(clause), question, episode_days):
                found.setdefault(rid, _snippet(clause))
        return found

    def _clause(self, tokens: list[str], question: bool, episode_days: int | None) -> set[str]:
        if question:
            return set()  # a question asked, not a fact told
        matches = self.phrases.find(tokens)
        if not any(kind in ("term", "measured") for _, _, kind, _ in matches):
            return set()
        closes = sorted(s for s, _, kind, _ in matches if kind == "closes_scope")
        dates = _dates(tokens, matches)
        by_kind: dict[str, list[tuple[int, int, Any]]] = {}
        for s, e, kind, payload in matches:
            by_kind.setdefault(kind, []).append((s, e, payload))

        def closed(a: int, b: int) -> bool:
            return any(a <= c < b for c in closes)

        statements = [p for p, _, _ in by_kind.get("new_statement", ())]

        def negated(s: int, e: int) -> bool:
            # A new verb ends a negation's reach unless it follows the cue at once: "no injury, has lost 8 kg"
            # affirms the loss; "not had a fever" still denies the fever.
            return (any(ce <= s and s - ce < _REACH_BEFORE and not closed(ce, s)
                        and not any(ce < p < s for p in statements) for _, ce, _ in by_kind.get("negation_before", ()))
                    or any(e <= cs and cs - e < _REACH_AFTER and not closed(e, cs) for cs, _, _ in by_kind.get("negation_after", ()))
                    or any(e == cs or (cs - e == 1 and tokens[e] in self.weak_cue_links)
                           for cs, _, _ in by_kind.get("negation_after_near", ())))

        def someone_else(s: int) -> bool:
            for cs, ce, _ in by_kind.get("other_person", ()):
                role = (cs > 0 and tokens[cs - 1] in self.role_before) or (ce < len(tokens) and tokens[ce] in self.role_after)
                if ce <= s and not role and not closed(ce, s):
                    return True
            return False

        def hypothetical(s: int) -> bool:
            # The word right after the cue may be the conditional's subject ("if she ever gets numb"), not a close.
            return any(ce <= s and not closed(ce + 1, s) for _, ce, _ in by_kind.get("hypothetical", ()))

        def at_work(s: int) -> bool:  # "works as an oncology nurse ... chemo chairs": the job, until a new statement
            return any(ce <= s and not closed(ce, s) and not any(ce < p < s for p in statements)
                       for _, ce, _ in by_kind.get("at_work", ()))

        def stopped(s: int, e: int) -> bool:
            return any((ce <= s and s - ce < _REACH_STOPPED) or (e <= cs and cs - e < 2) for cs, ce, _ in by_kind.get("stopped", ()))

        def about_something_else(e: int) -> bool:  # "cancer screening", "a chemo ward"
            return any(cs == e for cs, _, _ in by_kind.get("not_the_condition_after", ()))

        def present(kind: str, rid: str) -> bool:
            return any(p == rid and not negated(s, e) for s, e, p in by_kind.get(kind, ()))

        out = set()
        mentions = [(s, e, rid) for s, e, rid in by_kind.get("term", ())]
        mentions += [(s, e, rid) for s, e, rid in by_kind.get("measured", ()) if self._measured_high(rid, tokens, e)]
        for s, e, rid in mentions:
            if rid in out:
                continue
            reading = self.readings[rid]
            if negated(s, e) or someone_else(s) or hypothetical(s) or about_something_else(e):
                continue
            if reading["not_at_work"] and at_work(s):
                continue
            if reading["with_"] and not present("with", rid):
                continue
            if present("unless", rid):
                continue
            if reading["within_days"] is not None:
                when = _nearest(dates, s, e)
                if when is None:
                    when = episode_days if reading["undated_at_onset"] and episode_days is not None else 0
                if when > reading["within_days"]:
                    continue
            if reading["current_only"] and stopped(s, e):
                continue
            out.add(rid)
        # A temperature written as a number below the mark says there is no fever, whatever else is said there.
        for s, e, rid in by_kind.get("measured", ()):
            if rid in out and self._measured_low(rid, tokens, e):
                out.discard(rid)
        return out

    def _temperatures(self, tokens: list[str], after: int) -> list[float]:
        values = []
        for token in tokens[after:after + 4]:
            if _NUMBER.match(token):
                value = float(token)
                if 90 <= value <= 110:  # Fahrenheit
                    value = (value - 32) / 1.8
                if 34 <= value <= 43.5:
                    values.append(value)
        return values

    def _measured_high(self, rid: str, tokens: list[str], after: int) -> bool:
        mark = self.readings[rid]["measured"]["at_least"]
        return any(v >= mark for v in self._temperatures(tokens, after))

    def _measured_low(self, rid: str, tokens: list[str], after: int) -> bool:
        mark = self.readings[rid]["measured"]["at_least"]
        values = self._temperatures(tokens, after)
        return bool(values) and all(v < mark for v in values)


def _dates(tokens: list[str], matches: list[tuple[int, int, str, Any]]) -> list[tuple[int, int, int]]:
    """The clause's dates as (start, end, days ago): phrases, "N weeks ago" and years."""
    found = [(s, e, payload) for s, e, kind, payload in matches if kind == "past"]
    for i, token in enumerate(tokens):
        if token == "ago" and i >= 1:
            unit = tokens[i - 1]
            if unit in _UNIT_DAYS:
                amount_token = tokens[i - 2] if i >= 2 else "a"
                amount = float(amount_token) if _NUMBER.match(amount_token) else _NUMBER_WORDS.get(amount_token, 2)
                found.append((max(0, i - 2), i + 1, int(amount * _UNIT_DAYS[unit])))
        elif len(token) == 4 and token.isdigit() and 1940 <= int(token) <= 2100:
            found.append((i, i + 1, 365))  # a year named: in the past, at least months ago
    return found


def _nearest(dates: list[tuple[int, int, int]], s: int, e: int) -> int | None:
    """How long ago a mention is set: the date nearest to it in the clause (the more recent of two as near)."""
    best = None
    for ds, de, days in dates:
        distance = ds - e if ds >= e else s - de if de <= s else 0
        key = (distance, days)
        if best is None or key < best:
            best = key
    return None if best is None else best[1]


def _snippet(clause: str) -> str:
    clause = " ".join(clause.split())
    return clause if len(clause) <= _SNIPPET else clause[:_SNIPPET - 1].rstrip() + "\u2026"


def with_notes(case: dict[str, Any], kb: Any) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The case with the facts its notes affirm filled in where the record left them out.

    Returns the case (the same object when nothing was read) and, for each field filled,
    (what the words were read as, the words)."""
    history = case.get("history")
    text = history.get("mechanism") if history else None
    if not text:
        return case, {}
    reader = kb.notes_reader
    episode_days = history.get("duration_days")
    found = reader.read(str(text), episode_days if isinstance(episode_days, int) else None)
    if not found:
        return case, {}
    filled: dict[str, dict[str, Any]] = {"medical": dict(case.get("medical") or {}),
                                         "symptoms": dict(case.get("symptoms") or {}), "notes": {}}
    used: dict[str, tuple[str, str]] = {}
    for rid, words in found.items():
        reading = reader.readings[rid]
        block, _, name = reading["fills"].partition(".")
        if filled[block].get(name) is not None:
            continue  # the record's answer outweighs the words
        filled[block][name] = True
        used[reading["fills"]] = (reading["label"], words)
    if not used:
        return case, {}
    changed = {block for block in (fills.partition(".")[0] for fills in used)}
    return {**case, **{block: filled[block] for block in changed}}, used
