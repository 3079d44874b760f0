"""Queue data: each service's ingest secrets, the posts pushed by the platform, and risk word lists.

Bodies are stored as text and always shown escaped. Posts name their author by pseudonym only: nothing here
holds personal identifiable data.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum, StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console import identifiers
from console.database import UTCDateTime, utcnow
from console.extensions import db
from console.accounts.models import StaffMember
from console.services.models import Service


class IngestSecret(db.Model):
    """A key the platform signs a service's posts with; sealed at rest. A rotated-out key works until it expires."""

    __tablename__ = "ingest_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), index=True)
    sealed: Mapped[str] = mapped_column(sa.Text)  # console.crypto.seal of the secret
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set when a newer secret replaces it


class Priority(IntEnum):
    """Where a post stands in the queue: critical first."""

    CRITICAL = 0
    RISK = 1
    NORMAL = 2


@dataclass(frozen=True, order=True)
class PlatformVersion:
    """Which of a post's versions on the platform some words are: Discourse's version number, then when the post was
    saved (an edit within Discourse's grace period keeps its number). Versions compare in that order."""

    number: int
    saved_at: datetime


OPEN_STATES = ("open", "needs_reply", "parked")  # an item still to deal with
OPEN_CONDITION = "state IN ('open', 'needs_reply', 'parked')"


class Post(db.Model):
    """A post or reply pushed by the platform, with the risk terms it matched."""

    __tablename__ = "posts"
    __table_args__ = (sa.UniqueConstraint("service_id", "external_id", name="uq_posts_service_external_id"),
                      sa.CheckConstraint("kind IN ('post', 'reply')", name="kind"),
                      sa.Index("ix_posts_service_priority", "service_id", "priority", "created_at"),
                      # The queue: a service's open items, most urgent first, without reading the closed ones.
                      sa.Index("ix_posts_open", "service_id", "priority", "created_at",
                               postgresql_where=sa.text(OPEN_CONDITION), sqlite_where=sa.text(OPEN_CONDITION)),
                      # Unanswered posts: a service's recent posts, and a thread's later replies.
                      sa.Index("ix_posts_recent", "service_id", "created_at"),
                      sa.Index("ix_posts_thread", "service_id", "thread_id", "created_at"),
                      # A poster's history, and searching by pseudonym.
                      sa.Index("ix_posts_author", "service_id", "author_pseudonym", "created_at"),
                      # Searching by pseudonym finds its look-alikes; the queue marks a pseudonym that has one.
                      sa.Index("ix_posts_author_key", "service_id", "author_key"))
    # On PostgreSQL, migration 0019 also makes ix_posts_body_search, a GIN index of the words of each post
    # (console.queue.search.BODY_WORDS), which is not declared here; on SQLite, migration 0026 makes posts_fts, an
    # FTS5 table of the words kept by triggers (a migration that rebuilds this table there must make them again).

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(sa.String(120))
    thread_id: Mapped[str] = mapped_column(sa.String(120), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    author_pseudonym: Mapped[str] = mapped_column(sa.String(80))
    # The pseudonym's look-alike key (console.identifiers.look_alike_key), worked out from it as the post is stored.
    author_key: Mapped[str] = mapped_column(sa.Text, default=lambda context: identifiers.look_alike_key(
        context.get_current_parameters()["author_pseudonym"]))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)  # on the platform
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the platform's last edit that re-queued it
    # Which of the post's versions on the platform the words are (a Discourse post's `version` and `updated_at`):
    # an edit older than this arriving late, or sent again, is stale and changes nothing. None: not told.
    platform_version: Mapped[int | None]
    platform_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    priority: Mapped[int] = mapped_column(default=Priority.NORMAL.value)
    matched: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"term", "list"}]: why it is flagged
    # What the risk model (console.queue.risk_model) raised the post to, and the words that weighed most:
    # {"level", "words"}; None when it did not raise it.
    model_flag: Mapped[dict | None] = mapped_column(sa.JSON)
    # Derived from the post's moderation events, kept here in the same transaction so the queue can sort on it.
    state: Mapped[str] = mapped_column(sa.String(16), default="open", server_default="open", index=True)
    parked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The claim: a lease one moderator holds until it expires.
    claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id", ondelete="SET NULL"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_picked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # for time-to-action reports
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service: Mapped[Service] = relationship(lazy="joined")
    claimed_by: Mapped[StaffMember | None] = relationship()

    @property
    def version(self) -> PlatformVersion | None:
        """Which of its versions on the platform the words held are, when the platform said."""
        if self.platform_version is None or self.platform_saved_at is None:
            return None
        return PlatformVersion(self.platform_version, self.platform_saved_at)

    @property
    def waiting_since(self) -> datetime:
        """When the item came into the queue as it is now: written, or last edited on the platform."""
        return self.edited_at or self.created_at


class RiskTerm(db.Model):
    """A word or phrase on one of a service's lists: critical (alert at once) or risk (raised in the queue)."""

    __tablename__ = "risk_terms"
    __table_args__ = (sa.UniqueConstraint("service_id", "list", "phrase", name="uq_risk_terms_phrase"),
                      sa.CheckConstraint("list IN ('critical', 'risk')", name="list"))

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), index=True)
    list: Mapped[str] = mapped_column(sa.String(8))
    phrase: Mapped[str] = mapped_column(sa.String(120))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CannedReason(db.Model):
    """A service's ready-made words for a decision: why a post is hidden, or what a reply said. Moderators pick
    one (or write their own) on an item; administrators keep the list."""

    __tablename__ = "canned_reasons"
    __table_args__ = (sa.UniqueConstraint("service_id", "kind", "text", name="uq_canned_reasons_text"),
                      sa.CheckConstraint("kind IN ('hide', 'reply')", name="kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))
    text: Mapped[str] = mapped_column(sa.String(300))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Action(StrEnum):
    """What a moderator did to an item."""

    CLAIMED = "claimed"
    RELEASED = "released"
    APPROVED = "approved"
    HIDDEN = "hidden"
    NEEDS_REPLY = "needs_reply"
    REPLY_NOTED = "reply_noted"
    PARKED = "parked"
    ESCALATED = "escalated"  # handed to the service's escalation plan (the clinical case comes with that work)
    NOTE = "note"
    UNHIDDEN = "unhidden"  # a hidden post shown again (a decision reversed, with the reason)
    EDITED = "edited"  # the author changed the post on the platform: it is matched again and back in the queue


class ModerationEvent(db.Model):
    """One thing a moderator did to an item: who, what, when, why; or, with no actor, the platform's edit of the
    post. Append-only (the database refuses changes); the item's state is derived from its events."""

    __tablename__ = "moderation_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("staff_members.id"))  # None: the platform
    # The actor's most senior role when they acted (console.permissions.most_senior): showing a hidden post again
    # is measured against the role it was hidden in, whatever roles that person holds later. None for the platform,
    # and for events recorded before migration 0023.
    actor_role: Mapped[str | None] = mapped_column(sa.String(24))
    action: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # The platform's edit: the words the post had before it, so a moderator reads what was taken back.
    words_before: Mapped[str | None] = mapped_column(sa.Text)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a parked item's follow-up time
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[StaffMember | None] = relationship(lazy="joined")


class ModerationCheck(db.Model):
    """A moderator's record that they reviewed a service's posts up to now: what the checks standard counts."""

    __tablename__ = "moderation_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    staff: Mapped[StaffMember] = relationship(lazy="joined")

    __table_args__ = (sa.Index("ix_moderation_checks_service_time", "service_id", "checked_at"),)


class ModeratorSession(db.Model):
    """A moderator signed on for their shift, or to cover time they are not rostered for (with the reason): the
    queue opens on its services, and these times are what presence is measured by."""

    __tablename__ = "moderator_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"), index=True)
    service_ids: Mapped[list] = mapped_column(sa.JSON)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cover_reason: Mapped[str | None] = mapped_column(sa.Text)  # set when signed on without a shift

    staff: Mapped[StaffMember] = relationship()


# The SHaRON model's service levels: a critical item within 15 minutes, a risk item within the hour, others
# within 4 hours; a post with no reply after 2 hours is listed as unanswered.
# An alert goes to whoever is on duty at once, then to the service's mailbox and then its team managers after
# these many minutes, while its condition holds (acknowledged or not).
QUEUE_DEFAULTS = {"critical_minutes": 15, "risk_minutes": 60, "normal_minutes": 240, "unanswered_minutes": 120,
                  "alert_mailbox_minutes": 10, "alert_managers_minutes": 30}


class QueueSettings(db.Model):
    """A service's response deadlines by priority, its unanswered-post threshold and when an alert still open goes
    on to the mailbox and the managers, in minutes (QUEUE_DEFAULTS until an administrator changes them)."""

    __tablename__ = "queue_settings"

    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    critical_minutes: Mapped[int] = mapped_column(default=QUEUE_DEFAULTS["critical_minutes"])
    risk_minutes: Mapped[int] = mapped_column(default=QUEUE_DEFAULTS["risk_minutes"])
    normal_minutes: Mapped[int] = mapped_column(default=QUEUE_DEFAULTS["normal_minutes"])
    unanswered_minutes: Mapped[int] = mapped_column(default=QUEUE_DEFAULTS["unanswered_minutes"])
    alert_mailbox_minutes: Mapped[int] = mapped_column(default=QUEUE_DEFAULTS["alert_mailbox_minutes"],
                                                       server_default="10")
    alert_managers_minutes: Mapped[int] = mapped_column(default=QUEUE_DEFAULTS["alert_managers_minutes"],
                                                        server_default="30")
    # How readily the risk model raises this service's posts (console.queue.risk_model.SENSITIVITY_LABELS).
    model_sensitivity: Mapped[str] = mapped_column(sa.String(12), default="standard", server_default="standard")

    def response(self, priority: int) -> int:
        """Minutes an item of this priority may wait for a moderator."""
        return (self.critical_minutes, self.risk_minutes, self.normal_minutes)[priority]


class RiskMark(db.Model):
    """A moderator's word on the risk signals for one post: a flag that was wrong, or a post that should have been
    flagged (at a level). Read by retraining (console.queue.retraining) and listed on the service's settings."""

    __tablename__ = "risk_marks"
    __table_args__ = (sa.CheckConstraint("verdict IN ('wrong', 'critical', 'risk')", name="verdict"),
                      sa.Index("ix_risk_marks_service_time", "service_id", "marked_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    # wrong: the flag was wrong, an ordinary post; critical or risk: it should have been flagged at that level.
    verdict: Mapped[str] = mapped_column(sa.String(8))
    marked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("staff_members.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    marked_by: Mapped[StaffMember] = relationship(lazy="joined")


class RiskModelVersion(db.Model):
    """A retraining run with the trust's own decisions (`flask risk-model train`): its figures on the held-out set,
    and, when accepted, the model itself (JSON). The newest accepted one is the model in use; with none, the model
    shipped with the console is."""

    __tablename__ = "risk_model_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted: Mapped[bool] = mapped_column(default=False)
    # How many posts it learnt from: the shipped corpus and the trust's own, by level and by where they came from.
    trained_on: Mapped[dict] = mapped_column(sa.JSON)
    figures: Mapped[dict] = mapped_column(sa.JSON)  # held-out figures, this model's and the one it was measured against
    outcome: Mapped[str] = mapped_column(sa.Text)  # in words: why it was accepted or refused
    model: Mapped[str | None] = mapped_column(sa.Text)  # the model's JSON; None when refused
