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
from console.alerts.kinds import KINDS
from console.alerts.models import Alert
from console.audit.models import AuditEntry
from console.database import LONDON
from console.extensions import db
from console.permissions import Role
from console.queue.reasons import REASON_KINDS
from console.rotas.editing import kind_in_brackets
from console.rotas.models import RotaVersion, Shift, SwapRequest, rota_run_services, rota_version_services
from console.staffing.models import LeaveRequest
from console.services.bank_holidays import REGIONS
from console.services.models import RiskTier, Service
from console.rotas.standards import in_words
from console.staffing.service import WEEKDAYS, days_in_words
from console.words import clock, counted, days_span, duration, listed, local_time, period
from escalation_pathways.models import Case
from rota.scenario import ScenarioError, service_from_dict
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
    "canned_reasons.added": ("{who} added canned reasons for {what}", "Canned reasons added"),
    "risk_model.sensitivity_set": ("{who} changed how readily the risk model raises posts of {what}",
                                   "Risk model sensitivity changed"),
    "risk_model.post_marked": ("{who} marked the flags of a post of {what}", "Risk flag marked"),
    "risk_model.retrained": ("The risk model was retrained with the trust's decisions and the new one is in use",
                             "Risk model retrained"),
    "risk_model.retrain_refused": ("The risk model was retrained with the trust's decisions; the new one was refused",
                                   "Risk model retraining refused"),
    "canned_reasons.removed": ("{who} removed a canned reason for {what}", "Canned reason removed"),
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
    "alert.acknowledged": ("{who} acknowledged an alert: {what}", "Alert acknowledged"),
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
    "preference.added": ("{who} added a preference for {what}", "Preference added"),
    "engagement.miss_you_sent": ("{who} sent {what} a “we miss you” email with open shifts", "“We miss you” sent"),
    "preference.removed": ("{who} removed a preference of {what}", "Preference removed"),
    "preference.most_days_set": ("{who} set the most days a week {what} asks to be rostered", "Days a week limited"),
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
DETAIL_LABELS = {"reason": "Reason", "weekdays": "On", "bank_holidays": "Bank holidays of",
                 "days": "At most, days a week",
                 "shifts_offered": "Open shifts offered",
                 "strength": "How much it matters",
                 "sensitivity": "How readily the risk model raises posts", "mark": "Mark",
                 "outcome": "Outcome", "uncovered_minutes": "Left uncovered", "shifts": "Shifts",
                 "people_changed": "People whose shifts changed", "on_call_added": "Put on call",
                 "on_call_removed": "Taken off call", "failed_attempts": "Failed attempts", "address": "From address",
                 "until": "Until", "first": "From", "last": "To", "shifts_opened": "Shifts opened to others",
                 "day": "Day", "start": "From", "end": "To", "weekday": "On", "list": "List",
                 "added": "Words and phrases added",
                 "phrase": "Word or phrase", "minutes": "Signed on for", "services": "Services", "step": "Step",
                 "kind": "Kind", "posts": "Posts", "cases": "Cases", "held": "Identities held", "to": "To",
                 "from": "From", "staff": "People", "shift": "Shift", "rule": "Rule", "message": "What",
                 "approved": "Approved", "run": "Run", "score": "Figures", "seconds": "Time allowed", "weeks": "For",
                 "service": "Service", "post": "Opened from", "remaining": "Recovery codes left",
                 "version": "Version", "two_person_reveal": "Reveals wait for a second clinician",
                 "auto_approve_swaps": "Agreed swaps applied without a manager", "slug": "Short name",
                 "mailbox": "Monitored mailbox", "risk_tier": "Risk tier", "area": "Area", "roles": "Roles",
                 "name": "Name", "email": "Email",
                 "min_hours_week": "Minimum hours a week", "max_hours_week": "Maximum hours a week",
                 "max_days_week": "Most working days a week", "max_consecutive_days": "Most working days in a row",
                 "min_rest_hours": "Least rest between shifts (hours)",
                 "max_weekends": "Most weekends worked in one rota",
                 "critical_minutes": "Critical items: answer within", "risk_minutes": "Risk items: answer within",
                 "normal_minutes": "Other items: answer within",
                 "unanswered_minutes": "List a post as unanswered after",
                 "alert_mailbox_minutes": "An alert still open goes to the service's mailbox after",
                 "alert_managers_minutes": "An alert still open goes to its team managers after",
                 "platform_address": "Platform address", "platform_kind": "Sent to", "discourse_user": "Discourse user",
                 "signing_secret": "Signing secret", "api_key": "Discourse API key"}
# Values recorded as codes, in words.
VALUE_WORDS = {
    "platform_kind": {"webhook": "the platform's webhook", "discourse": "a Discourse forum"},
    "signing_secret": {"forgotten": "forgotten: it was for the old address, and a new one is needed"},
    "api_key": {"new": "a new one given", "kept": "kept (the same address)"},
    "list": {"critical": "critical words", "risk": "risk words"},
    "bank_holidays": REGIONS,
}
# A "kind" recorded as a code, by the action (or area) that recorded it: its label, and each code in words.
KIND_WORDS = {
    "canned_reasons": ("For", {**REASON_KINDS, "suggested": "The suggested reasons"}),
    "preference": ("Preference", {"prefer": "would like to work then", "avoid": "would rather not work then"}),
    "pid.reveal_requested": ("How", {"two_person": "Waiting for a second clinician's approval",
                                     "direct": "Without a second clinician (the service allows it)",
                                     "break_glass": "In an emergency, without waiting (break glass)"}),
}
ALERT_TITLES = {code: kind.title for code, kind in KINDS.items()}
# Counts said in the entry's sentence ("The demonstration data was loaded: 9 services and 33 people."): for each
# action, the keys that hold a number of things, and the things, singular and plural.
COUNTS = {
    "demo.loaded": [("services", "service", "services"), ("staff", "person", "people")],
    "rota.published": [("shifts", "shift", "shifts"),
                       ("people_changed", "person whose shifts changed", "people whose shifts changed")],
    "rota.imported": [("shifts", "shift", "shifts")],
    "escalation.plan_saved": [("steps", "step", "steps")],
    "pid.exported": [("posts", "post", "posts"), ("cases", "case", "cases")],
    "pid.erased": [("held", "identity", "identities")],
    "risk_terms.added": [("added", "word or phrase", "words and phrases")],
    "risk_terms.defaults_added": [("added", "word or phrase", "words and phrases")],
    "canned_reasons.added": [("added", "reason", "reasons")],
}
SHIFT_KEYS = {"service", "day", "start", "end"}  # with "staff" and "kind": one shift, said as one
CLOCK_KEYS = {"start", "end"}
PEOPLE_KEYS = {"to"}  # a colleague's id (a swap asked of them)
HIDDEN_KEYS = {"request", "shift", "run", "score", "figures"}  # ids and figures: the link or outcome says more


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
        who, what = names.actor(entry), names.target(entry.target, _details_of(entry))
        parts = [who if piece == "{who}" else what if piece == "{what}" else Link(piece)
                 for piece in re.split(r"(\{who\}|\{what\})", sentence) if piece]
        result.append(Line(entry.at, parts + [Link(_counts(entry) + ".")], _details(entry, names)))
    return result


def _details_of(entry: AuditEntry) -> dict:
    return entry.details if isinstance(entry.details, dict) else {}


def _number(value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _Names:
    """The people, services, rotas, cases, alerts, swaps and leave an entry names, looked up in one query each."""

    def __init__(self, entries: list[AuditEntry]):
        ids = defaultdict(set)
        for entry in entries:
            kind, number = _parse(entry.target)
            if number is not None:
                ids[kind].add(number)
            if entry.actor_id:
                ids["staff"].add(entry.actor_id)
            details = _details_of(entry)
            for shift in [details, details.get("from"), details.get("to")]:  # a shift's person and service
                if isinstance(shift, dict):
                    ids["staff"] |= {_number(shift.get("staff"))} - {None}
                    ids["service"] |= {_number(shift.get("service"))} - {None}
            ids["staff"] |= {_number(details.get(key)) for key in PEOPLE_KEYS} - {None}
        leave = _by_id(LeaveRequest, ids["leave"])
        swaps = _by_id(SwapRequest, ids["swap"])
        ids["staff"] |= {row.staff_id for row in leave.values()} | {
            staff_id for row in swaps.values() for staff_id in (row.from_staff_id, row.to_staff_id)}
        self.staff = _by_id(StaffMember, ids["staff"])
        self.services = _by_id(Service, ids["service"])
        self.slugs = {service.slug: service for service in db.session.scalars(sa.select(Service))}
        self.versions = _by_id(RotaVersion, ids["rota_version"])
        self.cases = _by_id(Case, ids["case"])
        self.alerts = _by_id(Alert, ids["alert"])
        self.leave, self.swaps = leave, swaps

    def person(self, staff_id: int | None) -> Link:
        person = self.staff.get(staff_id)
        if person is None:
            return Link("Someone no longer on record")
        return Link(person.name, url_for("admin.staff_edit", staff_id=person.id))

    def service(self, value) -> str:
        """A service named by its id or its short name, by its name."""
        found = self.services.get(value) if _number(value) is not None else self.slugs.get(value)
        return found.name if found else "a service no longer on record"

    def actor(self, entry: AuditEntry) -> Link:
        if entry.actor_id:
            return self.person(entry.actor_id)
        return Link({"system": "The console", "anonymous": "Someone not signed in"}.get(entry.actor, entry.actor))

    def target(self, target: str, details: dict) -> Link:
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
        if kind == "alert":
            alert = self.alerts.get(number)
            title = ALERT_TITLES.get(alert.kind if alert else details.get("kind"), "An alert")
            return Link(f"{title}, {alert.service.name}", url_for("alerts.show", alert_id=alert.id)) if alert \
                else Link(title)
        if kind == "leave" and number in self.leave:
            leave = self.leave[number]
            days = f"{leave.first_day:%a %d %b %Y}" + (f" to {leave.last_day:%a %d %b %Y}"
                                                         if leave.last_day != leave.first_day else "")
            return Link(f"{self.person(leave.staff_id).text}, {days}",
                        url_for("staffing.person", staff_id=leave.staff_id))
        if kind == "swap":
            swap = self.swaps.get(number)
            if swap is None:
                return Link("a swap no longer on record")
            shift = swap.shift
            return Link(f"{self.person(swap.from_staff_id).text}'s shift, {shift.service.name}, "
                        f"{period(shift.start_minute, shift.end_minute, shift.day)}, to "
                        f"{self.person(swap.to_staff_id).text}", url_for("rotas.index"))
        if target in self.slugs:
            service = self.slugs[target]
            return Link(service.name, url_for("admin.service_edit", service_id=service.id))
        if target == "unknown-account":
            return Link("an address with no account")
        return Link(target or "the console")

    def shift(self, shift: dict) -> str:
        """A shift recorded as its fields, as a manager reads it: "Ella Robinson, Eating disorders, Mon 07 Dec
        17:00–22:00 (on call)"."""
        when = period(shift["start"], shift["end"], date.fromisoformat(shift["day"]))
        kind = kind_in_brackets(shift["kind"]) if shift.get("kind") else ""
        who = [self.person(shift["staff"]).text] if "staff" in shift else []
        return ", ".join(who + [self.service(shift["service"]), when]) + kind

    def step(self, target: str, key: str) -> str:
        """A step of a case's plan by its title."""
        case = self.cases.get(_parse(target)[1])
        step = next((step for step in case.plan.steps if step["key"] == key), None) if case else None
        return step["title"] if step else "a step no longer in the plan"


def _by_id(model, ids: set[int]) -> dict:
    return {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(ids)))} if ids else {}


def _parse(target: str) -> tuple[str, int | None]:
    """("staff", 12) from "staff:12", ("case", 3) from "case 3"; (target, None) otherwise."""
    for separator in (":", " "):
        kind, _, number = (target or "").partition(separator)
        if number.isdigit():
            return kind, int(number)
    return target or "", None


def _counts(entry: AuditEntry) -> str:
    """The numbers of things the entry counts, said in its sentence: ": 9 services and 33 people"."""
    details = _details_of(entry)
    said = [counted(details[key], noun, plural) for key, noun, plural in COUNTS.get(entry.action, [])
            if _number(details.get(key)) is not None]
    return ": " + listed(said) if said else ""


def _is_shift(details) -> bool:
    return isinstance(details, dict) and SHIFT_KEYS <= set(details)


def _details(entry: AuditEntry, names: _Names) -> list[tuple[str, str | Link]]:
    details = _details_of(entry)
    said = []
    if "before" in details and "after" in details:  # what changed, then anything else said beside it
        before, after = details["before"] or {}, details["after"] or {}
        said = [(_label(key), f"{_value(key, before.get(key), names)} → {_value(key, after.get(key), names)}")
                for key in sorted(set(before) | set(after)) if _changed(before.get(key), after.get(key))]
    counted_keys = {key for key, _noun, _plural in COUNTS.get(entry.action, [])}
    if _is_shift(details):  # a shift added, removed or taken: one line
        said.append(("Shift", names.shift(details)))
    for key, value in details.items():
        if key in ("before", "after") or key in counted_keys or (_is_shift(details) and key in SHIFT_KEYS | {
                "staff", "kind"}):
            continue
        if key in HIDDEN_KEYS or value in (None, "", [], {}) or (key == "staff" and entry.action.startswith("leave.")):
            continue  # (leave names its person already)
        if (entry.action == "alert.acknowledged" and key == "kind") or (entry.action.startswith("swap.")
                                                                          and key in PEOPLE_KEYS):
            continue  # the alert's title says it; the swap names its colleague
        if entry.action == "contract.updated" and isinstance(value, list) and len(value) == 2:
            said.append((_label(key), f"{_value(key, value[0], names)} → {_value(key, value[1], names)}"))
        elif entry.action == "rota.rule_overridden" and key == "rule":
            said.append(("Rule", RULE_NAMES.get(value, str(value))))
        elif key == "kind":
            label, words = KIND_WORDS.get(entry.action) or KIND_WORDS.get(entry.action.split(".")[0], ("Kind", {}))
            said.append((label, words.get(value, str(value).replace("_", " "))))
        elif key == "step":
            said.append(("Step", names.step(entry.target, value)))
        elif key == "post" and _number(value) is not None:
            said.append(("Post" if entry.action == "risk_model.post_marked" else "Opened from",
                         Link("the post", url_for("queue.item", post_id=value))))
        elif key == "service" and not entry.target.startswith("case "):  # (a case names its service)
            said.append(("Service", names.service(value)))
        elif key == "service":
            continue
        elif key in ("presence", "checks"):
            continue  # said together below
        else:
            said.append((_label(key), _value(key, value, names)))
    if entry.action == "standard.updated":
        said[:0] = [("Standard", line) for line in _standard(details)]
    return said


def _changed(before, after) -> bool:
    """Whether a field changed: nothing ("" or none) before and after is no change."""
    return before != after and not (before in ("", None) and after in ("", None))


def _standard(details: dict) -> list[str]:
    """A coverage standard as it was saved (the engine's service object), in sentences."""
    try:
        return in_words(service_from_dict({"id": "saved", **{key: details[key] for key in ("presence", "checks")
                                                               if details.get(key)}}))
    except ScenarioError:
        return ["not readable as a standard"]


def _label(key: str) -> str:
    return DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())


def _value(key: str, value, names: _Names) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, str) and value in VALUE_WORDS.get(key, {}):
        return VALUE_WORDS[key][value]
    if key in PEOPLE_KEYS and _number(value) is not None:
        return names.person(value).text
    if key in CLOCK_KEYS and _number(value) is not None:
        return clock(value)
    if key == "weekday" and _number(value) is not None and 0 <= value < 7:
        return WEEKDAYS[value] + "s"  # availability on Mondays
    if key == "weekdays" and isinstance(value, list):
        return days_in_words([day for day in value if _number(day) is not None and 0 <= day < 7])
    if key.endswith("minutes") and _number(value) is not None:
        return duration(value) if value else "none"
    if key == "weeks" and _number(value) is not None:
        return days_span(7 * value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # hours kept as 20.0 read as 20
    if key == "services" and isinstance(value, list):
        return ", ".join(names.service(item) for item in value)
    if key == "roles" and isinstance(value, list):
        return ", ".join(Role(item).label if item in Role.__members__.values() else str(item)
                         for item in value) or "none"
    if key == "risk_tier" and value in RiskTier.__members__.values():
        return RiskTier(value).label
    if _is_shift(value):
        return names.shift(value)
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
    if isinstance(value, str) and len(value) > 10 and value[4] == "-" and value[10] == "T":
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
