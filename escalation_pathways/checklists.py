"""Escalation checklists: the default plan, the rules a plan must keep, and checking the evidence a step asks for.

A step is a dict (stored as JSON on EscalationPlan.steps):
    key          short unique name, kept across versions so a case's record stays readable
    title        what to do, as staff read it
    role         "any" (any moderator of the service) or "clinical" (clinical roles only)
    required     the case cannot close until it is done, or skipped with a reason by a clinician
    evidence     "none" (a confirmation), "text", "choice" (one of `choices`) or "time" (when it happened)
    choices      the options of a "choice" step
    due_minutes  a required step not done this long after the case opened is overdue (None: no deadline)
"""

import re
from datetime import datetime

from console.database import LONDON

ROLES = {"any": "Any moderator", "clinical": "Clinical staff only"}
EVIDENCE = {"none": "Confirmation only", "text": "What was done (text)", "choice": "One of a list",
            "time": "When it happened"}
MAX_STEPS = 20

DEFAULT_STEPS = [
    {"key": "review", "title": "Review the post and its thread", "role": "any", "required": True,
     "evidence": "none", "choices": [], "due_minutes": 15},
    {"key": "assess_risk", "title": "Assess the risk level", "role": "clinical", "required": True,
     "evidence": "choice", "choices": ["Low", "Moderate", "High", "Imminent risk to life"], "due_minutes": 30},
    {"key": "identify", "title": "Identify the user (reveal from the vault)", "role": "clinical", "required": False,
     "evidence": "none", "choices": [], "due_minutes": None},
    {"key": "contact_user", "title": "Contact the user", "role": "clinical", "required": False,
     "evidence": "text", "choices": [], "due_minutes": None},
    {"key": "contact_gp", "title": "Contact the GP or care team", "role": "clinical", "required": False,
     "evidence": "time", "choices": [], "due_minutes": None},
    {"key": "emergency_services", "title": "Call the emergency services", "role": "clinical", "required": False,
     "evidence": "time", "choices": [], "due_minutes": None},
    {"key": "inform_mailbox", "title": "Inform the service mailbox", "role": "any", "required": True,
     "evidence": "text", "choices": [], "due_minutes": 60},
    {"key": "clinical_note", "title": "Record a clinical note", "role": "clinical", "required": True,
     "evidence": "none", "choices": [], "due_minutes": None},
    {"key": "review_outcome", "title": "Close and review: what happened and what follows", "role": "clinical",
     "required": True, "evidence": "text", "choices": [], "due_minutes": None},
]

# A reveal waits for a second clinician's approval (break glass excepted) in every service, unless an owner has said
# why a service may do without; each reveal there is then reviewed by a second clinician afterwards.
DEFAULT_TWO_PERSON_REVEAL = True


class InvalidPlan(ValueError):
    """A plan that cannot be used; the message lists every reason."""


class InvalidEvidence(ValueError):
    """Evidence that does not answer what the step asks for."""


def _key_for(title: str, taken: set[str]) -> str:
    """A short key made from a step's title, unique among `taken`."""
    base = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")[:32] or "step"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def steps_from_rows(rows: list[dict]) -> list[dict]:
    """Steps from the plan editor's rows, in order: a row without a title is dropped, a new row gets a key made
    from its title, and a choice step's options are given separated by ";"."""
    rows = [row for row in rows if row["title"].strip()]
    taken = {row["key"] for row in rows if row["key"]}
    steps = []
    for row in rows:
        key = row["key"] or _key_for(row["title"], taken)
        taken.add(key)
        steps.append({"key": key, "title": row["title"], "role": row["role"], "required": row["required"],
                      "evidence": row["evidence"], "due_minutes": row["due_minutes"],
                      "choices": [c.strip() for c in (row["choices"] or "").split(";") if c.strip()]})
    return steps


def check_plan(steps: list[dict]) -> list[dict]:
    """The steps, normalised, or InvalidPlan naming every problem."""
    problems = []
    if not steps:
        problems.append("A plan needs at least one step.")
    if len(steps) > MAX_STEPS:
        problems.append(f"A plan has at most {MAX_STEPS} steps.")
    keys = [step["key"] for step in steps]
    if len(set(keys)) != len(keys):
        problems.append("Two steps have the same key.")
    for number, step in enumerate(steps, 1):
        title = step["title"].strip()
        if not title:
            problems.append(f"Step {number} needs a title.")
        if step["role"] not in ROLES:
            problems.append(f"Step {number}: unknown role {step['role']!r}.")
        if step["evidence"] not in EVIDENCE:
            problems.append(f"Step {number}: unknown kind of evidence {step['evidence']!r}.")
        if step["evidence"] == "choice" and len(step["choices"]) < 2:
            problems.append(f"Step {number} ({title or 'untitled'}) asks for a choice: give at least two options.")
        due = step.get("due_minutes")
        if due is not None and not 1 <= due <= 7 * 24 * 60:
            problems.append(f"Step {number}: the deadline must be between 1 minute and 7 days.")
    if problems:
        raise InvalidPlan(" ".join(problems))
    return [{**step, "title": step["title"].strip(),
             "choices": step["choices"] if step["evidence"] == "choice" else []} for step in steps]


def check_evidence(step: dict, text: str, *, now: datetime) -> str:
    """The evidence as it will be recorded, or InvalidEvidence saying what the step needs."""
    text = (text or "").strip()
    kind = step["evidence"]
    if kind == "none":
        return ""
    if not text:
        raise InvalidEvidence(f"“{step['title']}” asks for {_asks(step)}.")
    if kind == "choice" and text not in step["choices"]:
        raise InvalidEvidence(f"Choose one of: {', '.join(step['choices'])}.")
    if kind == "time":
        try:
            moment = datetime.fromisoformat(text).replace(tzinfo=LONDON)
        except ValueError:
            raise InvalidEvidence("Give the time as a date and time, e.g. 2026-11-25 14:30.") from None
        if moment > now:
            raise InvalidEvidence("That time is still to come: give when it happened.")
        return moment.strftime("%a %d %b %Y %H:%M")
    if len(text) > 4000:
        raise InvalidEvidence("Keep it under 4,000 characters; add more as a clinical note.")
    return text


def _asks(step: dict) -> str:
    return {"text": "what was done", "choice": "a choice", "time": "when it happened"}[step["evidence"]]
