"""Two everyday journeys through the visit, scripted in Chromium, counting what a therapist does.

A click is a click or a tap; a keystroke is one key pressed (a shortcut such as
Ctrl+S is one). The narrative (what was done today, typed in the therapist's own
words) is not counted: it is the same however the form is built. Focusing a text
field with the mouse is a click. `benchmarks/journeys.py` prints the counts and
`tests/test_journeys_browser.py` holds them to the issue's bounds.

- follow_up: a client seen before, nothing changed in the findings: find the
  client, start from the last visit, ask the screening afresh, record today's
  pain, confirm, say what was done, save, sign the note.
- first_visit: a new client who sent the pre-visit intake: start from it,
  confirm it with the client, take the history, examine, save, sign.

Both start on the first page after signing in. The same journeys on the form
before issue 18 (commit e899b8e, benchmarks/journeys.py there) counted 22
clicks and 2 keystrokes, and 34 clicks and 12 keystrokes, at both sizes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

FOLLOW_UP_CLIENT, INTAKE_CLIENT = "Priya Follow", "Noor Intake"
NARRATIVE = "Soft tissue work to the lumbar and gluteal muscles, 40 minutes; reviewed the home exercises."
_SCREENED = {"saddle_anaesthesia": False, "bladder_dysfunction": False, "bowel_dysfunction": False,
             "sexual_dysfunction": False, "progressive_weakness": False}
# The last visit of the follow-up client: something recorded in every section that carries forward.
LAST_VISIT = {
    "client": {"age": 44, "sex": "female"},
    "history": {"onset": "gradual", "duration_days": 30, "aggravating": ["sitting", "bending_forward"], "easing": ["walking"],
                "prior_episodes": True},
    "medical": {flag: False for flag in ("cancer_history", "unexplained_weight_loss", "fever", "osteoporosis", "anticoagulants")},
    "symptoms": {"pain_nrs": 5, "pain_sites": ["low_back", "buttock_left"], **_SCREENED},
    "observation": {"posture": ["normal"], "gait": "normal", "guarding": False, "muscle_spasm": False},
    "rom": {"flexion": {"active": "painful"}, "extension": {"active": "normal"}},
    "special_tests": {"slr": {"left": "negative", "right": "negative"}, "slump": {"left": "negative", "right": "negative"}},
    "neuro": {"motor": {"ankle_dorsiflexion": {"left": "normal", "right": "normal"}},
              "reflexes": {"achilles": {"left": "normal", "right": "normal"}}},
    "palpation": {"hypertonic": ["erector_spinae", "quadratus_lumborum"]},
}


def seed_journeys(records, actor, suffix: str = "") -> None:
    """The two clients the journeys need, in the actor's clinic (a suffix for another pair)."""
    from backcare.clinical.knowledge.runtime import load_knowledge

    follow = records.create_client(actor, {"name": FOLLOW_UP_CLIENT + suffix, "date_of_birth": date(1982, 4, 2),
                                           "consent_given": True, "consent_date": date.today() - timedelta(days=14)})
    records.create_visit(actor, follow, {"visit_date": date.today() - timedelta(days=7), "case": LAST_VISIT,
                                         "treatment_given": "Soft tissue work."})
    newcomer = records.create_client(actor, {"name": INTAKE_CLIENT + suffix, "date_of_birth": date(1985, 2, 17)})
    token, _ = records.create_intake_link(actor, newcomer, ["nprs"])
    records.submit_intake(token, {
        "consent": True, "screening": {q: False for q in load_knowledge().intake["screening"]}, "pain_nrs": 6, "pain_weeks": 3,
        "pain_sites": ["low_back", "buttock_right"], "paresthesia_sites": [], "numbness_sites": [],
        "medical": {"cancer_history": False, "osteoporosis": False, "anticoagulants": False},
        "questionnaires": {"nprs": {"pain": 6}}})


@dataclass
class Counted:
    """A Playwright page that counts the clicks and keystrokes a person would make."""

    page: object
    clicks: int = 0
    keys: int = 0
    steps: list[str] = field(default_factory=list)

    def click(self, selector: str, why: str = "") -> None:
        self.page.locator(selector).first.click()
        self.clicks += 1
        self.steps.append(f"click {why or selector}")

    def choose(self, selector: str, value: str) -> None:
        """A drop-down: one click opens it, one picks the option."""
        self.page.select_option(selector, value)
        self.clicks += 2
        self.steps.append(f"choose {value} in {selector}")

    def type_into(self, selector: str, text: str, narrative: bool = False, replace: bool = False) -> None:
        """Click into a field and type; replacing what is there costs Ctrl+A first."""
        box = self.page.locator(selector).first
        box.click()
        self.clicks += 1
        if replace:
            box.press("Control+a")
            self.keys += 1
        box.press_sequentially(text)
        self.keys += 0 if narrative else len(text)
        self.steps.append(f"type {'narrative' if narrative else repr(text)} into {selector}")

    def tap(self, name: str, value: str) -> None:
        """A one-tap answer: the segment of the field's group."""
        self.page.locator(f'label.seg-opt:has(> input[name="{name}"][value="{value}"])').click()
        self.clicks += 1
        self.steps.append(f"tap {value} for {name}")

    def type_here(self, text: str) -> None:
        """Type where the focus already is (no click to get there)."""
        self.page.keyboard.type(text)
        self.keys += len(text)
        self.steps.append(f"type {text!r}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1
        self.steps.append(f"press {key}")

    def accept_dialogs(self) -> None:
        """A browser confirm() is answered with a click on OK."""
        def accept(dialog):
            self.clicks += 1
            self.steps.append("click OK in the dialog")
            dialog.accept()
        self.page.on("dialog", accept)


def follow_up(page, client: str = FOLLOW_UP_CLIENT) -> Counted:
    """From Today (the first page after login) to the signed note of a follow-up visit with no change."""
    c = Counted(page)
    c.accept_dialogs()
    c.type_here(client[:4])  # Today's search has the focus
    c.click(f"tr:has-text('{client}') a:has-text('Follow-up visit')", "follow-up visit, from the last one")
    c.click("#section-screening [data-quick=normal]", "screening: no to all")
    c.type_into('input[name="symptoms.pain_nrs"]', "3", replace=True)
    c.click("#review-bar [data-confirm-all]", "confirm everything carried forward, after review")
    c.type_into("#treatment_given", NARRATIVE, narrative=True)
    c.press("Control+s")
    page.wait_for_url("**/visits/*")
    c.click("button:has-text('Save and sign')")
    page.locator("#done", has_text="Note signed").wait_for()
    return c


def first_visit(page, client: str = INTAKE_CLIENT) -> Counted:
    """From Today to the signed note of a first visit started from the client's intake."""
    c = Counted(page)
    c.accept_dialogs()
    c.click(f"#intakes-title + ul li:has-text('{client}') a:has-text('Start the visit from these answers')")
    c.click("#review-bar [data-confirm-all]", "confirm the client's answers with them, after review")
    # History
    c.tap("client.sex", "female")
    c.tap("history.onset", "sudden")
    c.type_into('textarea[name="history.mechanism"]', "lifted a box")
    for value in ("sitting", "bending_forward"):
        c.click(f'input[name="history.aggravating"][value="{value}"]')
    c.click('input[name="history.easing"][value="walking"]')
    c.tap("history.prior_episodes", "yes")
    c.click("#section-history [data-quick=normal]", "medical history: none of these")
    # Pain map (the sites came with the intake)
    c.click('input[name="symptoms.pain_quality"][value="aching"]')
    # Observation
    c.tap("observation.guarding", "yes")
    c.click("#section-observation [data-quick=normal]", "nothing else notable")
    # Movement
    c.choose('select[name="rom.flexion.active"]', "reduced_painful")
    c.click("#section-movement [data-quick=normal]", "the rest full and pain-free")
    # Special tests, neuro exam, palpation
    c.tap("special_tests.slr.left", "positive")
    c.click("#section-tests [data-quick=normal]", "mark the rest negative")
    c.click("#section-neuro [data-quick=normal]", "all normal both sides")
    for value in ("erector_spinae:left", "erector_spinae:right", "quadratus_lumborum:left"):
        c.click(f'input[name="palpation.hypertonic"][value="{value}"]')
    c.type_into("#treatment_given", NARRATIVE, narrative=True)
    c.press("Control+s")
    page.wait_for_url("**/visits/*")
    c.click("button:has-text('Save and sign')")
    page.locator("#done", has_text="Note signed").wait_for()
    return c
