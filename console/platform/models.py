"""Decisions going back to the platform: each service's webhook, and the events waiting for it or sent to it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from console.database import UTCDateTime, utcnow
from console.extensions import db
from console.queue.models import Post
from console.services.models import Service


class PlatformWebhook(db.Model):
    """Where a service's platform takes the moderators' decisions: its own webhook, each event signed with a
    secret; or a Discourse forum, whose API hides a post. The secret or API key is sealed at rest, as the ingest
    secrets are."""

    __tablename__ = "platform_webhooks"
    __table_args__ = (sa.CheckConstraint("kind IN ('webhook', 'discourse')", name="kind"),)

    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(12), default="webhook", server_default="webhook")
    url: Mapped[str] = mapped_column(sa.String(500), default="")  # empty: nothing is sent; Discourse: its address
    sealed_secret: Mapped[str] = mapped_column(sa.Text, default="")  # console.crypto.seal: signing secret or API key
    api_username: Mapped[str] = mapped_column(sa.String(60), default="", server_default="")  # Discourse's Api-Username
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlatformEvent(db.Model):
    """A decision for the platform, written in the same transaction as the decision itself and delivered in order
    for each post, retried with growing waits until the platform takes it: a platform that is down loses nothing."""

    __tablename__ = "platform_events"
    __table_args__ = (sa.Index("ix_platform_events_waiting", "delivered_at", "next_attempt_at"),
                      sa.Index("ix_platform_events_post", "post_id", "id"),
                      sa.Index("ix_platform_events_service", "service_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(40), unique=True)  # the receiver's key against repeats
    service_id: Mapped[int] = mapped_column(sa.ForeignKey("services.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(sa.ForeignKey("posts.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column()  # 1, 2, ... for each post: the order the platform applies them in
    action: Mapped[str] = mapped_column(sa.String(16))  # console.queue.models.Action
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # sent for a hidden post only
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column()  # the platform's HTTP status at the last attempt
    last_error: Mapped[str] = mapped_column(sa.String(300), default="")

    post: Mapped[Post] = relationship()
    service: Mapped[Service] = relationship()
