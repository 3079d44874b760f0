"""Revealing who a pseudonym is, and subject rights: the multi-step work around the PID vault.

A reveal is always for an open case, by a clinician (`pid.reveal`), with a typed justification; the route has
already asked for a fresh MFA code. The request waits for a second clinician, unless an owner has said why the
service may do without (a "direct" reveal); in an emergency a clinician may break glass. A break glass or direct
reveal is shown at once and opens a review that a second clinician must complete within 24 hours, so no identity
is ever seen by one clinician alone without a second one looking at why. An approved request lets its requester
open the identity for a short while; every opening and every edit is audited in the vault's own chain. Emails and
the main audit log name the case, never the person.
"""

import json
from datetime import datetime, timedelta

import sqlalchemy as sa
from console.accounts.models import StaffMember
from console.audit import service as audit
from console.database import local_today, utcnow
from console.errors import NotFound, UserError
from console.extensions import db
from console.queue.models import Post
from console.services import service as services
from escalation_pathways import vault
from escalation_pathways.models import Case, CaseStep, ClinicalNote, RevealRequest
from escalation_pathways.service import (
    IDENTIFY,
    MIN_REASON,
    case_or_raise,
    clinicians_of,
    pseudonym_of,
    tell_clinicians,
    tick,
    visible_service,
)
from escalation_pathways.vault.identity import Identity, validated
from escalation_pathways.vault.store import Access, Actor, VaultUnavailable
from escalation_pathways.vault.store import AuditEntry as VaultAuditEntry

USABLE_FOR = timedelta(minutes=15)  # an approval opens the identity for this long, then a new request is needed
REVIEW_WITHIN = timedelta(hours=24)


def _access(viewer, request: RevealRequest) -> Access:
    return Access(Actor(viewer.id, viewer.email), reason=request.justification, case_id=request.case_id)


def request_reveal(viewer, *, case_id: int, justification: str, emergency: bool) -> RevealRequest:
    """Ask to see who a case's pseudonym is: approved at once, waiting for a second clinician, or (emergency)
    approved at once with a review due."""
    case = case_or_raise(viewer, case_id=case_id)
    if not viewer.can("pid.reveal"):
        raise UserError("Reveals are for clinical staff.")
    if case.state != "open":
        raise UserError("Identities are revealed only for an open case.")
    justification = justification.strip()
    if len(justification) < MIN_REASON:
        raise UserError(f"Say why you need to know who this is (at least {MIN_REASON} characters).")
    now = utcnow()
    kind = "break_glass" if emergency else "two_person" if case.plan.two_person_reveal else "direct"
    if kind == "two_person" and not clinicians_of(case.service, besides=viewer):
        raise UserError(f"Nobody else in {case.service.name} can approve a reveal. In an emergency, break glass; "
                        "otherwise ask an administrator to add a second clinician to the service.")
    request = RevealRequest(case_id=case.id, requested_by_id=viewer.id, justification=justification, kind=kind,
                            state="pending" if kind == "two_person" else "approved")
    if request.state == "approved":  # shown without a second clinician's approval: one reviews it afterwards
        request.decided_at, request.usable_until = now, now + USABLE_FOR
        request.review_due_at = now + REVIEW_WITHIN
    db.session.add(request)
    db.session.flush()
    audit.record("pid.reveal_requested", target=f"case {case.id}", details={"request": request.id, "kind": kind})
    if kind == "two_person":
        tell_clinicians(case, viewer, "Reveal waiting for a second clinician",
                         f"{viewer.name} asks to see who the pseudonym in this case is, and the service needs "
                         "a second clinician to approve.")
    elif kind == "break_glass":
        tell_clinicians(case, viewer, "Break glass: review needed within 24 hours",
                         f"{viewer.name} revealed an identity in an emergency. A second clinician must review "
                         "it within 24 hours.")
    else:
        tell_clinicians(case, viewer, "Reveal to review within 24 hours",
                         f"{viewer.name} revealed an identity without a second clinician's approval (an owner has "
                         f"said why {case.service.name} may do without). A second clinician must review it within "
                         "24 hours.")
    db.session.commit()
    return request


def _request_or_raise(viewer, request_id: int) -> RevealRequest:
    if not viewer.can("pid.reveal"):
        raise UserError("Reveals are for clinical staff.")
    request = db.session.get(RevealRequest, request_id)
    if request is None or request.case.service_id not in {s.id for s in services.visible_to(viewer)}:
        raise NotFound("There is no reveal request at this address in your services.")
    return request


def decide(viewer, *, request_id: int, approve: bool) -> RevealRequest:
    """A second clinician approves or refuses a waiting request (never their own)."""
    request = _request_or_raise(viewer, request_id)
    if request.requested_by_id == viewer.id:
        raise UserError("A second clinician must decide: you cannot approve your own request.")
    if request.state != "pending":
        raise UserError(f"This request was already {request.state}.")
    now = utcnow()
    request.state, request.decided_by_id, request.decided_at = ("approved" if approve else "refused"), viewer.id, now
    if approve:
        request.usable_until = now + USABLE_FOR
    audit.record(f"pid.reveal_{request.state}", target=f"case {request.case_id}", details={"request": request.id})
    db.session.commit()
    return request


def review_reveal(viewer, *, request_id: int, note: str) -> RevealRequest:
    """A second clinician's review of a reveal made without one's approval (break glass, or direct)."""
    request = _request_or_raise(viewer, request_id)
    if request.review_due_at is None:
        raise UserError("Only a reveal made without a second clinician's approval is reviewed.")
    if request.reviewed_at is not None:
        raise UserError("This reveal was already reviewed.")
    if request.requested_by_id == viewer.id:
        raise UserError("A second clinician reviews a reveal, not the one who made it.")
    note = note.strip()
    if len(note) < MIN_REASON:
        raise UserError(f"Write what the review found (at least {MIN_REASON} characters).")
    request.reviewed_by_id, request.reviewed_at, request.review_note = viewer.id, utcnow(), note
    audit.record("pid.break_glass_reviewed" if request.kind == "break_glass" else "pid.reveal_reviewed",
                 target=f"case {request.case_id}", details={"request": request.id})
    db.session.commit()
    return request


def usable_request(viewer, request_id: int) -> RevealRequest:
    """The viewer's own approved, unexpired request on an open case, or UserError saying why not."""
    request = _request_or_raise(viewer, request_id)
    if request.requested_by_id != viewer.id:
        raise UserError("Only the clinician who asked can open this identity.")
    if request.state != "approved":
        raise UserError("This request is not approved." if request.state == "pending" else "This request was refused.")
    if request.case.state != "open":
        raise UserError("The case is closed: identities are revealed only for an open case.")
    if request.usable_until is None or request.usable_until < utcnow():
        raise UserError("This approval has run out. Ask again with your reason.")
    return request


def reveal(viewer, *, request_id: int) -> tuple[RevealRequest, Identity | None]:
    """Open the identity behind an approved request's case (audited in the vault); VaultUnavailable passes up."""
    request = usable_request(viewer, request_id)
    case = request.case
    identity = vault.get().reveal(case.service_id, case.pseudonym, _access(viewer, request))
    if identity is not None:
        tick(case, IDENTIFY, "The identity was revealed from the vault (its audit trail keeps who looked and why)",
             viewer)
    return request, identity


def save_identity(viewer, *, request_id: int, fields: dict[str, str]) -> Identity:
    """Record or correct the identity behind an approved request's case; InvalidIdentity names each bad field."""
    request = usable_request(viewer, request_id)
    identity = validated(fields, today=local_today())
    case = request.case
    vault.get().save(case.service_id, case.pseudonym, identity, _access(viewer, request))
    audit.record("pid.edited", target=f"case {case.id}")  # that it changed, not what
    db.session.commit()
    tick(case, IDENTIFY, "The identity was recorded in the vault", viewer)
    return identity


def waiting_for(viewer) -> list[RevealRequest]:
    """Requests in the viewer's services waiting for a second clinician (not the viewer's own)."""
    if not viewer.can("pid.reveal"):
        return []
    return [r for r in _requests(viewer, RevealRequest.state == "pending") if r.requested_by_id != viewer.id]


def reviews_due(viewer) -> list[RevealRequest]:
    """Reveals made without a second clinician's approval (break glass, direct) in the viewer's services, not yet
    reviewed, the soonest due first."""
    if not viewer.can("pid.reveal"):
        return []
    return _requests(viewer, RevealRequest.review_due_at.is_not(None), RevealRequest.reviewed_at.is_(None))


def reviews_overdue(*, now: datetime) -> list[RevealRequest]:
    """Reveals made without a second clinician's approval, in any service, whose review by one is overdue (for the
    scheduler)."""
    return list(db.session.scalars(sa.select(RevealRequest).where(
        RevealRequest.reviewed_at.is_(None), RevealRequest.review_due_at < now)
        .order_by(RevealRequest.review_due_at)))


def _requests(viewer, *conditions) -> list[RevealRequest]:
    service_ids = [s.id for s in services.visible_to(viewer)]
    return list(db.session.scalars(
        sa.select(RevealRequest).join(Case).where(Case.service_id.in_(service_ids), *conditions)
        .order_by(RevealRequest.review_due_at, RevealRequest.requested_at)))


def access_trail(case: Case) -> list[VaultAuditEntry] | None:
    """Every look at and change to the identity behind a case's pseudonym, from the vault's own audit trail (who,
    when, which case, why; never the identity); None while the vault cannot be reached."""
    try:
        return vault.get().history(case.service_id, case.pseudonym)
    except VaultUnavailable:
        return None


def names_in(trail: list[VaultAuditEntry] | None) -> dict[int, str]:
    """The names of the staff in a vault trail, by id: the vault keeps who as an id and an email address, and a page
    says a colleague's name."""
    ids = {entry.actor_id for entry in trail or [] if entry.actor_id is not None}
    return dict(db.session.execute(sa.select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(ids))).all()) \
        if ids else {}


def requests_of(case: Case) -> list[RevealRequest]:
    """Every reveal request of a case, oldest first."""
    return list(db.session.scalars(sa.select(RevealRequest).where(RevealRequest.case_id == case.id)
                                   .order_by(RevealRequest.requested_at, RevealRequest.id)))


def _subject_access(viewer, reason: str) -> Access:
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise UserError(f"Give the request's reference or reason (at least {MIN_REASON} characters).")
    return Access(Actor(viewer.id, viewer.email), reason=reason)


def export_subject(viewer, *, service_id: int, pseudonym: str, reason: str) -> tuple[str, bytes]:
    """Everything held about a pseudonym, for a subject access request: (file name, JSON). Audited in the vault."""
    service = visible_service(viewer, service_id)
    pseudonym = pseudonym_of(pseudonym)
    access = _subject_access(viewer, reason)
    posts = db.session.scalars(sa.select(Post).where(Post.service_id == service.id, Post.author_pseudonym == pseudonym)
                               .order_by(Post.created_at)).all()
    cases = db.session.scalars(sa.select(Case).where(Case.service_id == service.id, Case.pseudonym == pseudonym)
                               .order_by(Case.opened_at)).all()
    if not posts and not cases and not vault.get().holds(service.id, pseudonym):
        raise UserError(f"Nothing is held about “{pseudonym}” in {service.name}: check the pseudonym's spelling.")
    identity = vault.get().export(service.id, pseudonym, access)
    audit.record("pid.exported", target=service.slug, details={"posts": len(posts), "cases": len(cases)})
    db.session.commit()
    document = {
        "format": "subject-access/1", "service": service.name, "pseudonym": pseudonym,
        "exported_at": utcnow().isoformat(), "identity": identity.as_dict() if identity else None,
        "posts": [{"id": p.external_id, "thread": p.thread_id, "kind": p.kind, "written_at": p.created_at.isoformat(),
                   "body": p.body, "state": p.state} for p in posts],
        "cases": [_case_document(case) for case in cases],
    }
    return f"subject-access-{service.slug}-{_file_safe(pseudonym)}.json", json.dumps(document, indent=2).encode()


def _case_document(case: Case) -> dict:
    steps = db.session.scalars(sa.select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.at)).all()
    notes = db.session.scalars(sa.select(ClinicalNote).where(ClinicalNote.case_id == case.id)
                               .order_by(ClinicalNote.written_at)).all()
    titles = {step["key"]: step["title"] for step in case.plan.steps}
    return {"id": case.id, "opened_at": case.opened_at.isoformat(), "reason": case.reason, "state": case.state,
            "closing_summary": case.closing_summary,
            "steps": [{"step": titles.get(s.step_key, s.step_key), "outcome": s.outcome, "evidence": s.evidence,
                       "at": s.at.isoformat()} for s in steps],
            "clinical_notes": [{"written_at": n.written_at.isoformat(), "note": n.body} for n in notes]}


def _file_safe(text: str) -> str:
    """A pseudonym as it can appear in a file name."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:40] or "pseudonym"


def erase_subject(viewer, *, service_id: int, pseudonym: str, reason: str, confirmed: bool) -> bool:
    """Erase the identity behind a pseudonym on the subject's request (posts stay, under the pseudonym only), once
    confirmed. The erasure is audited; returns whether there was an identity to erase."""
    if not confirmed:
        raise UserError("Tick the box to confirm the erasure first: it cannot be undone.")
    service = visible_service(viewer, service_id)
    erased = vault.get().erase(service.id, pseudonym_of(pseudonym), _subject_access(viewer, reason))
    audit.record("pid.erased", target=service.slug, details={"held": erased})
    db.session.commit()
    return erased
