"""The audit log as administrators read it: each entry a sentence with names and links, never codes or JSON,
and filters by person, service, kind of event and date.

Entries keep what was recorded at the time (an action code, a target such as "staff:12", details); the words
are made when the page is shown, so names are today's and a renamed service reads under its new name.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import url_for

from console.accounts.models import StaffMember
from console.audit.models import AuditEntry
from console.database import LONDON
from console.extensions import db
from console.permissions import Role
from console.rotas.models import RotaVersion, Shift, SwapRequest, rota_run_services, rota_version_services
from console.staffing.models import LeaveRequest
from console.services.models import RiskTier, Service
from console.staffing.service import WEEKDAYS
from console.words import clock, duration
from escalation_pathways.models import Case
from rota.validate import RULE_NAMES


# What happened, as a sentence with {who} (the person acting) and {what} (the record), and the name of the kind
# of event in the filter list. Action codes not listed here read as "{who}: <code in words> {what}".
ACTIONS = {
    "auth.login": ("{who} signed in", "Signed in"),
    "auth.login_failed": ("A sign-in as {what} failed", "Sign-in failed"),
    "auth.locked": ("Sign-in as {what} was locked after repeated failures", "Sign-in locked"),
    "auth.login_refused_locked": ("A sign-in as {what} was refused: locked", "Sign-in refused while locked"),
    "auth.logout_everywhere": ("{who} signed out on every device", "Signed out everywhere"),
    "auth.password_changed": ("{who} changed their password", "Password changed"),
    "auth.password_reset": ("{who} set a new password from a reset link", "Password reset"),
    "auth.invite_accepted": ("{who} accepted their invitation and set a password", "Invitation accepted"),
    "auth.reset_requested": ("A password reset was asked for {what}", "Password reset asked for"),
    "mfa.enrolled": ("{who} set up an authenticator app", "Authenticator set up"),
    "mfa.disabled": ("{who} removed their authenticator app", "Authenticator removed"),
    "mfa.recovery_code_used": ("{who} signed in with a recovery code", "Recovery code used"),
    "mfa.recovery_codes_regenerated": ("{who} made new recovery codes", "Recovery codes renewed"),
    "staff.created": ("{who} added {what}", "Person added"),
    "staff.invited": ("{who} invited {what}", "Person invited"),
    "staff.updated": ("{who} changed the record of {what}", "Person's record changed"),
    "staff.deactivated": ("{who} closed the account of {what}", "Account closed"),
    "staff.reactivated": ("{who} reopened the account of {what}", "Account reopened"),
    "staff.unlocked": ("{who} let {what} sign in again", "Sign-in unlocked"),
    "staff.mfa_reset": ("{who} removed the authenticator of {what}", "Authenticator reset"),
    "service.created": ("{who} added the service {what}", "Service added"),
    "service.updated": ("{who} changed the service {what}", "Service changed"),
    "service.deactivated": ("{who} closed the service {what}", "Service closed"),
    "service.reactivated": ("{who} reopened the service {what}", "Service reopened"),
    "standard.updated": ("{who} changed the coverage standard of {what}", "Coverage standard changed"),
    "standard.reset": ("{who} put back the default coverage standard of {what}", "Coverage standard reset"),
    "escalation.plan_saved": ("{who} saved a new escalation plan for {what}", "Escalation plan saved"),
    "escalation.direct_reveal_allowed": ("{who} let {what} reveal identities without a second clinician first",
                                         "Reveals without a second clinician allowed"),
    "escalation.two_person_required": ("{who} made reveals in {what} wait for a second clinician",
                                       "Reveals made to wait for a second clinician"),
    "risk_terms.added": ("{who} added risk words for {what}", "Risk words added"),
    "risk_terms.defaults_added": ("{who} added the default risk words for {what}", "Default risk words added"),
    "risk_terms.removed": ("{who} removed a risk word for {what}", "Risk word removed"),
    "ingest.secret_made": ("{who} made a new platform signing secret for {what}", "Signing secret made"),
    "queue.settings_saved": ("{who} changed the response times of {what}", "Response times changed"),
    "platform.webhook_set": ("{who} set the webhook the decisions on {what} are sent to", "Platform webhook set"),
    "platform.webhook_off": ("{who} stopped sending the decisions on {what} to its platform",
                             "Platform webhook removed"),
    "platform.discourse_set": ("{who} set the Discourse forum the hidden posts of {what} are hidden on",
                               "Discourse forum set"),
    "platform.secret_made": ("{who} made a new signing secret for the decisions on {what}",
                             "Platform signing secret made"),
    "platform.event_resent": ("{who} sent a decision on {what} to its platform again", "Decision sent again"),
    "queue.signed_on": ("{who} signed on to moderate", "Signed on"),
    "queue.signed_on_to_cover": ("{who} signed on to cover without a rostered shift", "Signed on to cover"),
    "queue.signed_off": ("{who} signed off", "Signed off"),
    "queue.check": ("{who} recorded a moderation check of {what}", "Moderation check"),
    "alert.acknowledged": ("{who} acknowledged an alert ({what})", "Alert acknowledged"),
    "notifications.saved": ("{who} changed what they are emailed", "Notifications changed"),
    "rota.run_started": ("{who} started making {what}", "Rota run started"),
    "rota.run_cancelled": ("{who} stopped {what}", "Rota run stopped"),
    "rota.draft_made": ("A draft rota was made: {what}", "Draft rota made"),
    "rota.imported": ("{who} uploaded {what}", "Rota uploaded"),
    "rota.shift_added": ("{who} added a shift to {what}", "Shift added"),
    "rota.shift_moved": ("{who} moved a shift in {what}", "Shift moved"),
    "rota.shift_removed": ("{who} removed a shift from {what}", "Shift removed"),
    "rota.rule_overridden": ("{who} accepted a broken rule in {what}", "Broken rule accepted"),
    "rota.approved": ("{who} approved {what}", "Rota approved"),
    "rota.published": ("{who} published {what}", "Rota published"),
    "rota.discarded": ("{who} discarded {what}", "Draft discarded"),
    "rota.open_shift_taken": ("{who} took an open shift", "Open shift taken"),
    "swap.asked": ("{who} asked a colleague to take a shift ({what})", "Swap asked"),
    "swap.agreed": ("{who} agreed to a swap ({what})", "Swap agreed"),
    "swap.declined": ("{who} declined a swap ({what})", "Swap declined"),
    "swap.withdrawn": ("{who} withdrew a swap request ({what})", "Swap withdrawn"),
    "swap.done": ("{who} made a swap ({what})", "Swap made"),
    "swap.refused": ("{who} refused a swap ({what})", "Swap refused"),
    "availability.added": ("{who} added availability for {what}", "Availability added"),
    "availability.removed": ("{who} removed availability for {what}", "Availability removed"),
    "unavailability.added": ("{who} marked {what} unavailable", "Unavailable time added"),
    "unavailability.removed": ("{who} removed unavailable time of {what}", "Unavailable time removed"),
    "leave.requested": ("{who} asked for leave ({what})", "Leave asked for"),
    "leave.cancelled": ("{who} cancelled leave ({what})", "Leave cancelled"),
    "leave.approved": ("{who} approved leave ({what})", "Leave approved"),
    "leave.refused": ("{who} refused leave ({what})", "Leave refused"),
    "contract.updated": ("{who} changed the contract of {what}", "Contract changed"),
    "calendar.token_made": ("{who} made a new calendar subscription link", "Calendar link made"),
    "case.opened": ("{who} opened {what}", "Case opened"),
    "case.note_added": ("{who} added a clinical note to {what}", "Clinical note added"),
    "case.closed": ("{who} closed {what}", "Case closed"),
    "case.step_done": ("{who} completed a step of {what}", "Case step done"),
    "case.step_skipped": ("{who} skipped a step of {what}", "Case step skipped"),
    "pid.reveal_requested": ("{who} asked to see who the person behind {what} is", "Identity asked for"),
    "pid.reveal_approved": ("{who} approved seeing the identity in {what}", "Identity request approved"),
    "pid.reveal_refused": ("{who} refused seeing the identity in {what}", "Identity request refused"),
    "pid.break_glass_reviewed": ("{who} reviewed an emergency identity look-up in {what}", "Emergency look-up "
                                                                                              "reviewed"),
    "pid.reveal_reviewed": ("{who} reviewed an identity look-up made without a second clinician in {what}",
                            "Look-up without a second clinician reviewed"),
    "pid.edited": ("{who} changed the identity held for {what}", "Identity changed"),
    "pid.exported": ("{who} exported identities held for {what}", "Identities exported"),
    "pid.erased": ("{who} erased identities held for {what}", "Identities erased"),
    "demo.loaded": ("The demonstration data was loaded", "Demonstration data loaded"),
}

# How details read: a label for each key, and how its value is said.
DETAIL_LABELS = {"reason": "Reason", "uncovered_minutes": "Left uncovered", "shifts": "Shifts",
                 "people_changed": "People whose shifts changed", "on_call_added": "Put on call",
                 "on_call_removed": "Taken off call", "failed_attempts": "Failed attempts", "address": "From address",
                 "until": "Until", "first": "From", "last": "To", "shifts_opened": "Shifts opened to others",
                 "day": "Day", "start": "From", "end": "To", "weekday": "On", "list": "List",
                 "added": "Words and phrases added",
                 "phrase": "Word or phrase", "minutes": "Minutes", "services": "Services", "step": "Step",
                 "kind": "Kind", "posts": "Posts", "cases": "Cases", "held": "Identities held", "to": "To",
                 "staff": "People", "shift": "Shift", "rule": "Rule", "message": "What", "approved": "Approved",
                 "run": "Run", "score": "Figures", "seconds": "Time allowed", "weeks": "Weeks",
                 "platform_address": "Platform address", "platform_kind": "Sent to", "discourse_user": "Discourse user",
                 "signing_secret": "Signing secret", "api_key": "Discourse API key"}
# Values recorded as codes, in words.
VALUE_WORDS = {
    "platform_kind": {"webhook": "the platform's webhook", "discourse": "a Discourse forum"},
    "signing_secret": {"forgotten": "forgotten: it was for the old address, and a new one is needed"},
    "api_key": {"new": "a new one given", "kept": "kept (the same address)"},
}
CLOCK_KEYS = {"start", "end"}
PEOPLE_KEYS = {"to"}  # a colleague's id (a swap asked of them)
HIDDEN_KEYS = {"request", "shift", "run", "score"}  # internal ids and engine figures: the record's link says more


@dataclass(frozen=True)
class Link:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class Line:
    """One entry in words: the sentence's parts (text and links) and its details as label and value."""

    at: datetime
    parts: list
    details: list[tuple[str, str]]


def kinds(recorded: list[str]) -> list[tuple[str, str]]:
    """(code, name) of each kind of event, by name, for the filter list: those the console records, and any other
    found in the log."""
    named = {code: label for code, (_sentence, label) in ACTIONS.items()}
    named |= {code: code.replace("_", " ").replace(".", ": ").capitalize() for code in recorded if code not in named}
    return sorted(named.items(), key=lambda pair: pair[1])


def everyone() -> list[StaffMember]:
    """Everyone who has had an account, by name, for the filter list."""
    return list(db.session.scalars(sa.select(StaffMember).order_by(StaffMember.name)))


def conditions(*, person: StaffMember | None, service: Service | None, first: date | None,
               last: date | None) -> list:
    """Where-clauses for the filters: what a person did or had done to them, what touched a service (its own
    record, rotas, runs, cases and swaps), and a range of London days."""
    where = []
    if person is not None:
        leave = sa.select(sa.literal("leave:") + sa.cast(LeaveRequest.id, sa.String)).where(
            LeaveRequest.staff_id == person.id)
        swaps = sa.select(sa.literal("swap:") + sa.cast(SwapRequest.id, sa.String)).where(
            sa.or_(SwapRequest.from_staff_id == person.id, SwapRequest.to_staff_id == person.id))
        where.append(sa.or_(AuditEntry.actor_id == person.id, AuditEntry.target == f"staff:{person.id}",
                            AuditEntry.target.in_(leave), AuditEntry.target.in_(swaps)))
    if service is not None:
        versions = sa.select(sa.literal("rota_version:") + sa.cast(rota_version_services.c.version_id, sa.String)) \
            .where(rota_version_services.c.service_id == service.id)
        runs = sa.select(sa.literal("rota_run:") + sa.cast(rota_run_services.c.run_id, sa.String)).where(
            rota_run_services.c.service_id == service.id)
        cases = sa.select(sa.literal("case ") + sa.cast(Case.id, sa.String)).where(Case.service_id == service.id)
        swaps = sa.select(sa.literal("swap:") + sa.cast(SwapRequest.id, sa.String)).join(
            Shift, Shift.id == SwapRequest.shift_id).where(Shift.service_id == service.id)
        where.append(sa.or_(AuditEntry.target.in_([f"service:{service.id}", service.slug]),
                            AuditEntry.target.in_(versions), AuditEntry.target.in_(runs),
                            AuditEntry.target.in_(cases), AuditEntry.target.in_(swaps)))
    if first is not None:
        where.append(AuditEntry.at >= datetime.combine(first, time(), LONDON))
    if last is not None:
        where.append(AuditEntry.at < datetime.combine(last + timedelta(days=1), time(), LONDON))
    return where


def lines(entries: list[AuditEntry]) -> list[Line]:
    """The entries in words, with every named record looked up once."""
    names = _Names(entries)
    result = []
    for entry in entries:
        sentence = ACTIONS.get(entry.action, (None, None))[0] or \
            "{who}: " + entry.action.replace("_", " ").replace(".", ", ") + " {what}"
        who, what = names.actor(entry), names.target(entry.target)
        parts = [who if piece == "{who}" else what if piece == "{what}" else Link(piece)
                 for piece in re.split(r"(\{who\}|\{what\})", sentence) if piece]
        result.append(Line(entry.at, parts + [Link(".")], _details(entry, names)))
    return result


class _Names:
    """The people, services, rotas, cases and leave an entry names, looked up in one query each."""

    def __init__(self, entries: list[AuditEntry]):
        ids = defaultdict(set)
        for entry in entries:
            kind, number = _parse(entry.target)
            if number is not None:
                ids[kind].add(number)
            if entry.actor_id:
                ids["staff"].add(entry.actor_id)
            for key in PEOPLE_KEYS:
                if isinstance(entry.details, dict) and isinstance(entry.details.get(key), int):
                    ids["staff"].add(entry.details[key])
        leave = _by_id(LeaveRequest, ids["leave"])
        ids["staff"] |= {row.staff_id for row in leave.values()}
        self.staff = _by_id(StaffMember, ids["staff"])
        self.services = _by_id(Service, ids["service"])
        self.slugs = {service.slug: service for service in db.session.scalars(sa.select(Service))}
        self.versions = _by_id(RotaVersion, ids["rota_version"])
        self.cases = _by_id(Case, ids["case"])
        self.leave = leave

    def person(self, staff_id: int | None) -> Link:
        person = self.staff.get(staff_id)
        if person is None:
            return Link("Someone no longer on record")
        return Link(person.name, url_for("admin.staff_edit", staff_id=person.id))

    def actor(self, entry: AuditEntry) -> Link:
        if entry.actor_id:
            return self.person(entry.actor_id)
        return Link({"system": "The console", "anonymous": "Someone not signed in"}.get(entry.actor, entry.actor))

    def target(self, target: str) -> Link:
        kind, number = _parse(target)
        if kind == "staff":
            return self.person(number)
        if kind == "service" and number in self.services:
            service = self.services[number]
            return Link(service.name, url_for("admin.service_edit", service_id=service.id))
        if kind == "rota_version" and number in self.versions:
            version = self.versions[number]
            return Link(f"the rota for {', '.join(s.name for s in version.services)} from "
                        f"{version.start_date:%a %d %b %Y}", url_for("rotas.version", version_id=version.id))
        if kind == "rota_run":
            return Link("a rota", url_for("rotas.run", run_id=number))
        if kind == "case" and number in self.cases:
            case = self.cases[number]
            return Link(f"case {case.id} ({case.service.name})", url_for("escalation.case", case_id=case.id))
        if kind == "leave" and number in self.leave:
            leave = self.leave[number]
            days = f"{leave.first_day:%a %d %b %Y}" + (f" to {leave.last_day:%a %d %b %Y}"
                                                         if leave.last_day != leave.first_day else "")
            return Link(f"{self.person(leave.staff_id).text}, {days}",
                        url_for("staffing.person", staff_id=leave.staff_id))
        if kind == "swap":
            return Link(f"request {number}", url_for("rotas.index"))
        if target in self.slugs:
            service = self.slugs[target]
            return Link(service.name, url_for("admin.service_edit", service_id=service.id))
        if target == "unknown-account":
            return Link("an address with no account")
        return Link(target or "the console")


def _by_id(model, ids: set[int]) -> dict:
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}


def _parse(target: str) -> tuple[str, int | None]:
    """("staff", 12) from "staff:12", ("case", 3) from "case 3"; (target, None) otherwise."""
    for separator in (":", " "):
        kind, _, number = (target or "").partition(separator)
        if number.isdigit():
            return kind, int(number)
    return target or "", None


def _details(entry: AuditEntry, names: _Names) -> list[tuple[str, str]]:
    details = entry.details if isinstance(entry.details, dict) else {}
    said = []
    if "before" in details and "after" in details:  # what changed, then anything else said beside it
        before, after = details["before"] or {}, details["after"] or {}
        said = [(_label(key), f"{_value(key, before.get(key), names)} → {_value(key, after.get(key), names)}")
                for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
    for key, value in details.items():
        if key in ("before", "after"):
            continue
        if key in HIDDEN_KEYS or value in (None, "", [], {}) or (key == "staff" and entry.action.startswith("leave.")):
            continue  # (leave names its person already)
        if entry.action == "contract.updated" and isinstance(value, list) and len(value) == 2:
            said.append((_label(key), f"{_value(key, value[0], names)} → {_value(key, value[1], names)}"))
        elif entry.action == "rota.rule_overridden" and key == "rule":
            said.append(("Rule", RULE_NAMES.get(value, str(value))))
        else:
            said.append((_label(key), _value(key, value, names)))
    return said


def _label(key: str) -> str:
    return DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())


def _value(key: str, value, names: _Names) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, str) and value in VALUE_WORDS.get(key, {}):
        return VALUE_WORDS[key][value]
    if key in PEOPLE_KEYS and isinstance(value, int):
        return names.person(value).text
    if key in CLOCK_KEYS and isinstance(value, int):
        return clock(value)
    if key == "weekday" and isinstance(value, int) and 0 <= value < 7:
        return WEEKDAYS[value] + "s"  # availability on Mondays
    if key.endswith("minutes") and isinstance(value, int):
        return duration(value) if value else "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "services" and isinstance(value, list):
        return ", ".join(names.slugs[item].name if item in names.slugs else str(item) for item in value)
    if key == "roles" and isinstance(value, list):
        return ", ".join(Role(item).label if item in Role.__members__.values() else str(item)
                         for item in value) or "none"
    if key == "risk_tier" and value in RiskTier.__members__.values():
        return RiskTier(value).label
    if isinstance(value, list):
        return (" | " if any(isinstance(item, dict) for item in value) else ", ").join(
            _value(key, item, names) if isinstance(item, dict) else str(item) for item in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(k, v, names)}" for k, v in value.items())
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return f"{date.fromisoformat(value):%a %d %b %Y}"
        except ValueError:
            return value
    return str(value)
