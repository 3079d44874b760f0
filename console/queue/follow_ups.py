"""Parked items whose follow-up time has come: they are back at the top of their queue (console.queue.service
`due_back`), and the scheduler tells the person who parked them, once per follow-up time."""

from datetime import datetime

import sqlalchemy as sa

from console.extensions import db
from console.links import public_url
from console.notifications import preferences
from console.notifications import service as outbox
from console.queue.models import Action, ModerationEvent, Post
from console.services.models import Service


def due(now: datetime) -> list[int]:
    """Parked items of active services whose follow-up time has come."""
    return list(db.session.scalars(sa.select(Post.id).join(Service).where(
        Service.active, Post.state == "parked", Post.parked_until <= now).order_by(Post.parked_until)))


def tell_parker(post_id: int, now: datetime) -> int:
    """Email whoever parked the item that its follow-up is due (outside their quiet hours); 1 if emailed."""
    post = db.session.get(Post, post_id)
    parked = db.session.scalar(sa.select(ModerationEvent).where(
        ModerationEvent.post_id == post.id, ModerationEvent.action == Action.PARKED.value)
        .order_by(ModerationEvent.id.desc()).limit(1))
    if parked is None or not parked.actor.active or preferences.quiet_now(preferences.settings_of(parked.actor.id),
                                                                         now):
        return 0
    return outbox.queue_letter_once(
        f"follow-up:{post.id}:{post.parked_until.isoformat()}", parked.actor,
        subject=f"Follow-up due: an item you parked in {post.service.name}",
        text=f"An item you parked in {post.service.name} is due for its follow-up now, and is back at the top of "
             f"the service's queue.\n\nOpen it: {public_url('queue.item', post_id=post.id)}\n\n"
             "This email does not contain the post. Sign in to read it.")
