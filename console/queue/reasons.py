"""A service's canned reasons: ready-made words a moderator picks for hiding a post or for a reply, the suggested
ones, and an administrator's changes to the lists."""

import sqlalchemy as sa

from console.audit import service as audit
from console.errors import UserError, child_or_404
from console.extensions import db
from console.queue.lists import add_lines
from console.queue.models import CannedReason
from console.services.models import Service

REASON_KINDS = {"hide": "Hiding a post", "reply": "Replies"}
# Offered to every new list by "Add the suggested reasons": the usual grounds in peer-support community guidelines,
# and the replies moderators most often give.
DEFAULT_REASONS = {
    "hide": ["Shares personal details (a phone number, an address, a full name)",
             "Hostile or abusive to another member", "Describes methods of self-harm or suicide",
             "Spam or advertising", "Not suitable for this service: moved on with a note to the author"],
    "reply": ["Signposted to urgent support: Samaritans 116 123, NHS 111 (option 2 for mental health), or 999",
              "Checked in with the author and offered support", "Reminded the thread of the community guidelines"],
}


def reasons_of(service: Service) -> dict[str, list[CannedReason]]:
    """A service's canned reasons by kind, in the order added."""
    rows = db.session.scalars(sa.select(CannedReason).where(CannedReason.service_id == service.id)
                              .order_by(CannedReason.id)).all()
    return {kind: [r for r in rows if r.kind == kind] for kind in REASON_KINDS}


def _add_reasons(service: Service, kind: str, texts) -> int:
    if kind not in REASON_KINDS:
        raise UserError("Choose what the reason is for: hiding a post or a reply.")
    return add_lines(service, CannedReason, ("kind", kind), "text", texts, 300)


def add_reasons(service: Service, *, kind: str, text: str) -> int:
    """Add canned reasons of a kind, one per line; returns how many were new."""
    added = _add_reasons(service, kind, text.splitlines())
    audit.record("canned_reasons.added", target=f"service:{service.id}", details={"kind": kind, "added": added})
    db.session.commit()
    return added


def add_suggested_reasons(service: Service) -> int:
    """Add the suggested reasons a service's lists lack, in the caller's transaction; returns how many."""
    return sum(_add_reasons(service, kind, texts) for kind, texts in DEFAULT_REASONS.items())


def restore_suggested_reasons(service: Service) -> int:
    """Add the suggested reasons a service's lists lack (an administrator's button); returns how many."""
    added = add_suggested_reasons(service)
    audit.record("canned_reasons.added", target=f"service:{service.id}", details={"kind": "suggested",
                                                                                 "added": added})
    db.session.commit()
    return added


def remove_reason(service: Service, *, reason_id: int) -> None:
    """Take a canned reason off the service's list."""
    reason = child_or_404(CannedReason, reason_id, service_id=service.id,
                          missing="There is no reason at this address on this service's lists.")
    db.session.delete(reason)
    audit.record("canned_reasons.removed", target=f"service:{service.id}", details={"kind": reason.kind})
    db.session.commit()

