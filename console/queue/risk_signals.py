"""The risk model in the queue: a service's judge at its sensitivity, what a post is flagged for in words, the
moderators' marks on flags, and a service's choice of sensitivity.

The model (console.queue.risk_model) only ever raises a post: the queue takes the higher of the lists' level and
the model's (console.platform.ingest). Marks change nothing in the queue; they teach the next retraining
(console.queue.retraining) what the service's moderators decided.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from console.audit import service as audit
from console.database import utcnow
from console.errors import UserError
from console.extensions import db
from console.queue import risk_model
from console.queue.models import Post, Priority, RiskMark, RiskModelVersion
from console.queue.risk_model import DEFAULT_SENSITIVITY, SENSITIVITY_LABELS, Verdict
from console.queue.service import settings_of
from console.services.models import Service
from console.words import listed

log = logging.getLogger(__name__)
LEVEL_PRIORITY = {"critical": Priority.CRITICAL, "risk": Priority.RISK, "none": Priority.NORMAL}
VERDICTS = {"wrong": "the flag was wrong: an ordinary post", "critical": "should have been flagged critical",
            "risk": "should have been flagged as a risk"}


def active_version() -> tuple[int, str] | None:
    """The accepted retrained model in use (its id and JSON), or None for the shipped one."""
    row = db.session.execute(sa.select(RiskModelVersion.id, RiskModelVersion.model)
                             .where(RiskModelVersion.accepted.is_(True))
                             .order_by(RiskModelVersion.id.desc()).limit(1)).first()
    return None if row is None else (row.id, row.model)


def model() -> risk_model.RiskModel:
    """The model in use in this process."""
    return risk_model.current(active_version)


def sensitivity_of(service: Service) -> str:
    return settings_of(service).model_sensitivity or DEFAULT_SENSITIVITY


NO_VERDICT = Verdict("none", ())


def judge(service: Service) -> Callable[[str], Verdict]:
    """What the model makes of a post of this service, at its sensitivity. A model that cannot be read never stops a
    post coming in: the lists alone flag it, and the error is logged (without the post)."""
    chosen = sensitivity_of(service)
    try:
        current = model()
    except (OSError, ValueError, KeyError, TypeError):
        log.exception("the risk model could not be read: posts are flagged by the word lists alone")
        return lambda text: NO_VERDICT
    return lambda text: current.verdict(text, chosen)


def save_sensitivity(service: Service, sensitivity: str) -> None:
    if sensitivity not in SENSITIVITY_LABELS:
        raise UserError("Choose how readily the risk model raises posts.")
    row = settings_of(service)
    row.model_sensitivity = sensitivity
    db.session.add(row)
    audit.record("risk_model.sensitivity_set", target=f"service:{service.id}",
                 details={"sensitivity": SENSITIVITY_LABELS[sensitivity].split(":")[0]})
    db.session.commit()


# --- Why a post is flagged --------------------------------------------------------------------

def model_reason(post: Post) -> str:
    """What the risk model rated a post and why, in words ("" when it did not raise it)."""
    if not post.model_flag:
        return ""
    level = "critical" if post.model_flag["level"] == "critical" else "a risk"
    return f"the risk model, which rated it {level}: {explanation(post.model_flag['words'])}"


def explanation(words) -> str:
    """Why the model flagged a post, in words: "'last post' and 'thank you' weighed most"."""
    if not words:
        return "the post as a whole, no single words"
    return listed(f"\u2018{w}\u2019" for w in words) + " weighed most"


def _share(part: int, whole: int) -> str:
    return f"{part} of {whole} ({part / whole:.0%})" if whole else "none to measure"


def in_brief(figures: dict | None) -> str:
    """A sensitivity's held-out figures in one short sentence, for choosing between them."""
    if not figures:
        return "Not measured"
    return (f"Caught {figures['critical_flagged'] / figures['critical']:.0%} of critical posts it had never seen "
            f"and raised {figures['ordinary_flagged'] / figures['none']:.0%} of ordinary ones")


def measured(figures: dict | None) -> str:
    """What the model caught and missed on the held-out set at a sensitivity, in words."""
    if not figures:
        return "This model has not been measured on the held-out posts."
    return (f"On {figures['critical'] + figures['risk'] + figures['none']} posts written before it was trained and "
            f"never used to train it, it flagged {_share(figures['critical_flagged'], figures['critical'])} critical "
            f"posts ({figures['critical_at_level']} as critical), {_share(figures['risk_flagged'], figures['risk'])} "
            f"risk posts, and raised {_share(figures['ordinary_flagged'], figures['none'])} ordinary posts.")


# --- Marks ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MarkChoice:
    verdict: str
    label: str


def mark_choices(post: Post, given: str | None = None) -> list[MarkChoice]:
    """The one-click marks that make sense for a post as it stands, less `given`, the one the moderator gave."""
    choices = []
    if post.priority != Priority.NORMAL:
        choices.append(MarkChoice("wrong", "Flag was wrong: an ordinary post"))
    if post.priority != Priority.CRITICAL:
        choices.append(MarkChoice("critical", "Should have been critical"))
    if post.priority == Priority.NORMAL:
        choices.append(MarkChoice("risk", "Should have been flagged as a risk"))
    return [choice for choice in choices if choice.verdict != given]


def mark(post: Post, moderator, verdict: str) -> RiskMark:
    """Record a moderator's mark on a post's flags (who and when); their later mark on the same post replaces it."""
    if verdict not in {choice.verdict for choice in mark_choices(post)}:  # (giving the same mark again is no harm)
        raise UserError("That mark does not fit this post as it stands: reload the page and choose again.")
    row = db.session.scalar(sa.select(RiskMark).where(RiskMark.post_id == post.id,
                                                      RiskMark.marked_by_id == moderator.id))
    if row is None:
        row = RiskMark(post_id=post.id, service_id=post.service_id, marked_by_id=moderator.id)
        db.session.add(row)
    row.verdict, row.marked_at = verdict, utcnow()
    db.session.flush()
    audit.record("risk_model.post_marked", target=f"service:{post.service_id}",
                 details={"post": post.id, "mark": VERDICTS[verdict]})
    db.session.commit()
    return row


def marks_of(post: Post) -> list[RiskMark]:
    return db.session.scalars(sa.select(RiskMark).where(RiskMark.post_id == post.id)
                              .order_by(RiskMark.marked_at)).all()


def recent_marks(service: Service, *, limit: int = 20) -> list[RiskMark]:
    return db.session.scalars(sa.select(RiskMark).where(RiskMark.service_id == service.id)
                              .order_by(RiskMark.marked_at.desc(), RiskMark.id.desc()).limit(limit)).all()


def runs(limit: int = 5) -> list[RiskModelVersion]:
    """The latest retraining runs, newest first."""
    return db.session.scalars(sa.select(RiskModelVersion).order_by(RiskModelVersion.id.desc()).limit(limit)).all()


def in_use_since() -> datetime | None:
    """When the retrained model in use was trained (None: the shipped model is in use)."""
    return db.session.scalar(sa.select(RiskModelVersion.trained_at).where(RiskModelVersion.accepted.is_(True))
                             .order_by(RiskModelVersion.id.desc()).limit(1))
