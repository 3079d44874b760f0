"""Escalation data in the main database: each service's plan (versioned checklists), cases with the steps done
and clinical notes, and requests to reveal who a pseudonym is.

Nothing here holds personal identifiable data: a case names the person by pseudonym only, and the identity
stays in the vault (escalation_pathways.vault).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.accounts.models import StaffMember
from console.database import UTCDateTime, utcnow
from console.extensions import db
from console.queue.models import Post
from console.services.models import Service
from escalation_pathways.checklists import DEFAULT_TWO_PERSON_REVEAL


class EscalationPlan(db.Model):
    """One version of a service's escalation plan. A new version is a new row; cases keep the one they began with.

    `steps` is a list of {"key", "title", "role": "any"|"clinical", "required": bool,
    "evidence": "none"|"text"|"choice"|"time", "choices": [str], "due_minutes": int|None}.
    """

    __tablename__ = "escalation_plans"
    __table_args__ = (sa.UniqueConstraint("service_id", "version", name="uq_escalation_plans_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    steps: Mapped[list] = mapped_column(sa.JSON)
    # A reveal waits for a second clinician's approval (break glass excepted), unless an owner switched this off
    # for the service, giving the reason kept beside it (carried to each later version while it stays off).
    two_person_reveal: Mapped[bool] = mapped_column(default=DEFAULT_TWO_PERSON_REVEAL)
    direct_reveal_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))

    service: Mapped[Service] = relationship()
    created_by: Mapped[StaffMember | None] = relationship()


class Case(db.Model):
    """An escalation about one pseudonym: opened from a queue item or by hand, worked through the plan, closed."""

    __tablename__ = "escalation_cases"
    __table_args__ = (sa.CheckConstraint("state IN ('open', 'closed')", name="state"),
                      sa.Index("ix_escalation_cases_open", "service_id", "state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation_plans.id"))
    pseudonym: Mapped[str] = mapped_column(sa.String(80))
    post_id: Mapped[int | None] = mapped_column(sa.ForeignKey("posts.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(sa.Text)
    state: Mapped[str] = mapped_column(sa.String(8), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))
    closing_summary: Mapped[str] = mapped_column(sa.Text, default="")

    service: Mapped[Service] = relationship()
    plan: Mapped[EscalationPlan] = relationship()
    post: Mapped[Post | None] = relationship()
    opened_by: Mapped[StaffMember | None] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[StaffMember | None] = relationship(foreign_keys=[closed_by_id])


class CaseStep(db.Model):
    """A step of the case's plan, done (with its evidence) or skipped (with the clinician's reason)."""

    __tablename__ = "escalation_case_steps"
    __table_args__ = (sa.UniqueConstraint("case_id", "step_key", name="uq_escalation_case_steps_step"),
                      sa.CheckConstraint("outcome IN ('done', 'skipped')", name="outcome"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(sa.String(40))
    outcome: Mapped[str] = mapped_column(sa.String(8))
    evidence: Mapped[str] = mapped_column(sa.Text, default="")  # what was entered, or why it was skipped
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[StaffMember | None] = relationship()


class ClinicalNote(db.Model):
    """A clinical note on a case; only clinical roles read or write them."""

    __tablename__ = "clinical_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    body: Mapped[str] = mapped_column(sa.Text)

    author: Mapped[StaffMember | None] = relationship()


class RevealRequest(db.Model):
    """A clinician's request to see who a case's pseudonym is, with their justification (never the PID).

    kind: "two_person" (waits for a second clinician), "break_glass" (an emergency: revealed at once) or "direct"
    (revealed at once where an owner has said why the service needs no second clinician first); a break glass or
    direct reveal is reviewed by a second clinician within 24 hours. state: "pending", "approved", "refused".
    """

    __tablename__ = "reveal_requests"
    __table_args__ = (sa.CheckConstraint("kind IN ('direct', 'two_person', 'break_glass')", name="kind"),
                      sa.CheckConstraint("state IN ('pending', 'approved', 'refused')", name="state"))

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation_cases.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    justification: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(12))
    state: Mapped[str] = mapped_column(sa.String(8))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The requester may open the identity until then (an approval is not a standing permission).
    usable_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A reveal made without a second clinician's approval (break glass, direct): the second clinician's review.
    review_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")

    case: Mapped[Case] = relationship()
    requested_by: Mapped[StaffMember] = relationship(foreign_keys=[requested_by_id])

    @property
    def outcome(self) -> tuple[str, str]:
        """How the request stands, in words, and the kind of tag it is shown in: a reveal made at once is
        "Revealed", never "Approved", since nobody approved it."""
        if self.kind == "direct":
            return "Revealed (no second clinician needed)", "warning"
        if self.kind == "break_glass":
            return "Revealed in an emergency (break glass)", "high"
        return {"pending": ("Waiting for a second clinician", "requested"), "approved": ("Approved", "approved"),
                "refused": ("Refused", "rejected")}[self.state]
    decided_by: Mapped[StaffMember | None] = relationship(foreign_keys=[decided_by_id])
    reviewed_by: Mapped[StaffMember | None] = relationship(foreign_keys=[reviewed_by_id])
