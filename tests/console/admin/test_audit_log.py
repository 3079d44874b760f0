"""The audit log in words for every kind of event the console records: names, not ids ("Eating disorders", not
"service 4"), counts ("33 people"), alerts and steps by their titles, a link to the post, never a code such as
"checks_missed" or a record such as "alert:3".

Each kind's entry below is shaped as the code that records it writes it (its target and details); a test reads the
code for every `audit.record` call, so a kind added there without words here fails."""

import ast
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from console.admin.audit_log import ACTIONS
from console.audit.models import AuditEntry
from console.extensions import db
from console.permissions import Role
from console.queue.models import Post
from console.rotas.models import RotaVersion, SwapRequest
from console.staffing.models import LeaveRequest
from escalation_pathways import service as escalations
from tests.factories import make_draft, next_monday, overdue_checks_alert, person, services
from tests.helpers import signed_in

ROOT = Path(__file__).resolve().parents[3]
SOURCES = ("console", "escalation_pathways", "scheduler")
CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def recorded_actions() -> set[str]:
    """Every action code the console's code passes to audit.record: a string, either branch of a conditional, an
    f-string's codes matched against the named kinds (f"leave.{leave.status}"), and for a code passed on in a
    variable, the codes written in that module."""
    found = set()
    for folder in SOURCES:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            constants = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                         and isinstance(node.value, str) and CODE.match(node.value)}
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
                        call.func.attr == "record" and getattr(call.func.value, "id", None) == "audit":
                    found |= _codes(call.args[0], constants)
    return found


def _codes(node, constants: set[str]) -> set[str]:
    if isinstance(node, ast.Constant):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _codes(node.body, constants) | _codes(node.orelse, constants)
    if isinstance(node, ast.JoinedStr):
        pattern = "".join(re.escape(part.value) if isinstance(part, ast.Constant) else "[a-z_]+"
                          for part in node.values)
        matched = {code for code in ACTIONS if re.fullmatch(pattern, code)}
        return matched or {f"(no named kind matches {pattern})"}
    if isinstance(node, ast.Name):
        return constants
    return {f"(an action code this test cannot read: {ast.dump(node)})"}


def test_every_kind_of_event_the_console_records_has_words():
    recorded = recorded_actions()
    assert len(recorded) > 60, "the scan found the calls"
    assert {"leave.approved", "leave.refused", "swap.done", "swap.refused", "case.step_done", "rota.shift_moved",
            "canned_reasons.added"} <= recorded
    assert recorded - set(ACTIONS) == set(), "name these kinds in console/admin/audit_log.py ACTIONS"


def samples(ids: dict) -> dict[str, tuple[str, dict]]:
    """Each kind's target and details as the console records them (see the audit.record call of each)."""
    staff, service, version = f"staff:{ids['ella']}", f"service:{ids['service']}", f"rota_version:{ids['version']}"
    case, day = f"case {ids['case']}", next_monday().isoformat()
    shift = {"staff": ids["ella"], "service": ids["service"], "day": day, "start": 17 * 60, "end": 22 * 60,
             "kind": "on_call"}
    return {
        "auth.login": (staff, {}), "auth.login_failed": (staff, {"reason": "wrong password", "failed_attempts": 2,
                                                                  "address": "127.0.0.1"}),
        "auth.locked": (staff, {"until": "2030-01-07T10:15:00+00:00", "address": "127.0.0.1"}),
        "auth.login_refused_locked": (staff, {"address": "127.0.0.1"}),
        "auth.logout_everywhere": (staff, {}), "auth.password_changed": (staff, {}), "auth.password_reset": (staff, {}),
        "auth.invite_accepted": (staff, {}), "auth.reset_requested": ("unknown-account", {}),
        "mfa.enrolled": (staff, {}), "mfa.disabled": (staff, {}), "mfa.recovery_code_used": (staff, {"remaining": 7}),
        "mfa.recovery_codes_regenerated": (staff, {}),
        "staff.created": (staff, {"name": "Ella Robinson", "email": "ella@trust.example.org",
                                  "roles": ["volunteer"], "services": ["eating-disorders"]}),
        "staff.invited": (staff, {}),
        "staff.updated": (staff, {"before": {"roles": ["volunteer"]}, "after": {"roles": ["peer_moderator"]}}),
        "staff.deactivated": (staff, {}), "staff.reactivated": (staff, {}), "staff.unlocked": (staff, {}),
        "staff.mfa_reset": (staff, {}),
        "service.created": (service, {"name": "Eating disorders", "slug": "eating-disorders", "risk_tier": "high",
                                      "area": "Berkshire West", "mailbox": "ed@trust.example.org"}),
        "service.updated": (service, {"before": {"risk_tier": "low"}, "after": {"risk_tier": "high"}}),
        "service.deactivated": (service, {}), "service.reactivated": (service, {}),
        "standard.updated": (service, {"presence": [{"days": [0, 1, 2, 3, 4, 5, 6], "start": "17:00",
                                                     "end": "22:00", "roles": ["clinical"], "min": 1}],
                                       "checks": {"per_day": 4, "max_gap_hours": 4.0, "window": ["08:00", "22:00"],
                                                  "minutes": 20, "roles": ["clinical", "non_clinical"]},
                                       "auto_approve_swaps": False}),
        "standard.reset": (service, {}),
        "escalation.plan_saved": ("eating-disorders", {"version": 2, "steps": 9, "two_person_reveal": True}),
        "escalation.direct_reveal_allowed": ("eating-disorders", {"reason": "A clinician is always on call"}),
        "escalation.two_person_required": ("eating-disorders", {"reason": ""}),
        "risk_terms.added": (service, {"list": "critical", "added": 2}),
        "risk_terms.defaults_added": (service, {"added": 158}),
        "risk_terms.removed": (service, {"list": "risk", "phrase": "cutting"}),
        "canned_reasons.added": (service, {"kind": "hide", "added": 3}),
        "risk_model.sensitivity_set": (service, {"sensitivity": "More flags"}),
        "risk_model.post_marked": (service, {"post": 1, "mark": "the flag was wrong: an ordinary post"}),
        "risk_model.retrained": ("the risk model", {"outcome": "Retrained with 12 decided posts: now in use."}),
        "risk_model.retrain_refused": ("the risk model", {"outcome": "Retrained with 400 decided posts: refused."}),
        "canned_reasons.removed": (service, {"kind": "reply"}),
        "ingest.secret_made": (service, {}),
        "queue.settings_saved": (service, {"critical_minutes": 15, "risk_minutes": 60, "normal_minutes": 240,
                                           "unanswered_minutes": 120, "alert_mailbox_minutes": 10,
                                           "alert_managers_minutes": 30}),
        "platform.webhook_set": (service, {"before": None, "after": {"platform_address": "https://forum.example.org",
                                                                     "platform_kind": "webhook",
                                                                     "discourse_user": ""},
                                           "signing_secret": "forgotten"}),
        "platform.webhook_off": (service, {"before": {"platform_address": "https://forum.example.org",
                                                      "platform_kind": "webhook", "discourse_user": ""},
                                           "after": {"platform_address": "", "platform_kind": "webhook",
                                                     "discourse_user": ""}}),
        "platform.discourse_set": (service, {"before": None, "after": {
            "platform_address": "https://forum.example.org", "platform_kind": "discourse", "discourse_user": "mod"},
            "api_key": "new"}),
        "platform.secret_made": (service, {"platform_address": "https://forum.example.org"}),
        "platform.event_resent": (service, {"platform_address": "https://forum.example.org"}),
        "queue.signed_on": ("", {"services": ["eating-disorders"]}),
        "queue.signed_on_to_cover": ("", {"services": ["eating-disorders", "demo-low"]}),
        "queue.signed_off": ("", {"minutes": 125}),
        "queue.check": (service, {}),
        "alert.acknowledged": (f"alert:{ids['alert']}", {"kind": "checks_missed"}),
        "notifications.saved": (staff, {}),
        "rota.run_started": (f"rota_run:{ids['version']}", {"services": ["eating-disorders"], "start": day,
                                                             "weeks": 4}),
        "rota.run_cancelled": (f"rota_run:{ids['version']}", {}),
        "rota.draft_made": (version, {"run": 12, "score": {"uncovered": 0}}),
        "rota.imported": (version, {"shifts": 120}),
        "rota.shift_added": (version, {**shift, "on_call_added": 0, "on_call_removed": 0}),
        "rota.shift_moved": (version, {"from": shift, "to": {**shift, "kind": "presence", "start": 18 * 60},
                                       "on_call_added": 1, "on_call_removed": 0}),
        "rota.shift_removed": (version, {**shift, "on_call_added": 0, "on_call_removed": 1}),
        "rota.rule_overridden": (version, {"rule": 6, "message": "Ella works 40 h in week 1",
                                           "reason": "She asked for it"}),
        "rota.approved": (version, {"uncovered_minutes": 300, "reason": "Cover agreed by phone"}),
        "rota.published": (version, {"shifts": 120, "people_changed": 1}),
        "rota.discarded": (version, {}),
        "rota.open_shift_taken": (version, {"service": ids["service"], "day": day, "start": 17 * 60,
                                            "end": 22 * 60}),
        "swap.asked": (f"swap:{ids['swap']}", {"shift": 1, "to": ids["sam"]}),
        "swap.agreed": (f"swap:{ids['swap']}", {}), "swap.declined": (f"swap:{ids['swap']}", {}),
        "swap.withdrawn": (f"swap:{ids['swap']}", {}),
        "swap.done": (f"swap:{ids['swap']}", {"approved": "automatically"}),
        "swap.refused": (f"swap:{ids['swap']}", {}),
        "availability.added": (staff, {"weekday": 0, "start": 9 * 60, "end": 17 * 60}),
        "availability.removed": (staff, {"weekday": 6, "start": 9 * 60, "end": 17 * 60}),
        "preference.added": (staff, {"kind": "avoid", "weekdays": [5, 6], "start": 17 * 60, "end": 22 * 60,
                                     "strength": "strongly"}),
        "preference.removed": (staff, {"kind": "prefer", "start": 9 * 60, "end": 17 * 60}),
        "engagement.miss_you_sent": (staff, {"shifts_offered": 3}),
        "preference.most_days_set": (staff, {"days": 2}),
        "unavailability.added": (staff, {"day": day, "start": 9 * 60, "end": 12 * 60}),
        "unavailability.removed": (staff, {"day": day}),
        "leave.requested": (f"leave:{ids['leave']}", {"staff": ids["ella"], "first": day, "last": day}),
        "leave.cancelled": (f"leave:{ids['leave']}", {"staff": ids["ella"]}),
        "leave.approved": (f"leave:{ids['leave']}", {"staff": ids["ella"], "first": day, "last": day,
                                                     "shifts_opened": 2}),
        "leave.refused": (f"leave:{ids['leave']}", {"staff": ids["ella"], "first": day, "last": day,
                                                    "shifts_opened": 0}),
        "contract.updated": (staff, {"max_hours_week": [20.0, 16.0], "max_weekends": [2, 1]}),
        "calendar.token_made": (staff, {}),
        "case.opened": (case, {"service": "eating-disorders", "post": ids["post"]}),
        "case.note_added": (case, {}), "case.closed": (case, {}),
        "case.step_done": (case, {"step": "assess_risk"}), "case.step_skipped": (case, {"step": "contact_gp"}),
        "pid.reveal_requested": (case, {"request": 4, "kind": "break_glass"}),
        "pid.reveal_approved": (case, {"request": 4}), "pid.reveal_refused": (case, {"request": 4}),
        "pid.break_glass_reviewed": (case, {"request": 4}), "pid.reveal_reviewed": (case, {"request": 4}),
        "pid.edited": (case, {}),
        "pid.exported": ("eating-disorders", {"posts": 3, "cases": 1}),
        "pid.erased": ("eating-disorders", {"held": 1}),
        "demo.loaded": ("", {"services": 5, "staff": 33}),
    }


@pytest.fixture
def every_kind(app, demo_thread):
    """An entry of every kind, about real records of the demo trust: returns the ids they name."""
    with app.app_context():
        eating_disorders = services("eating-disorders")[0]
        post = db.session.scalar(sa.select(Post).where(Post.service_id == eating_disorders.id).limit(1))
        case = escalations.add_case(service=eating_disorders, pseudonym=post.author_pseudonym, reason="Plan stated",
                                    actor=person(Role.CLINICAL_MODERATOR), post=post)
        ella, sam = person(Role.VOLUNTEER), person(Role.PEER_MODERATOR)
        version = db.session.get(RotaVersion, make_draft())
        shift = next(s for s in version.shifts if s.staff_id == ella.id)
        swap = SwapRequest(shift_id=shift.id, from_staff_id=ella.id, to_staff_id=sam.id)
        leave = LeaveRequest(staff_id=ella.id, first_day=next_monday(), last_day=next_monday())
        db.session.add_all([swap, leave])
        db.session.flush()
        ids = {"service": eating_disorders.id, "ella": ella.id, "sam": sam.id, "version": version.id,
               "case": case.id, "post": post.id, "swap": swap.id, "leave": leave.id,
               "alert": overdue_checks_alert("eating-disorders", "audit-walk")}
        for action, (target, details) in samples(ids).items():
            demo = action == "demo.loaded"
            db.session.add(AuditEntry(action=action, target=target, details=details,
                                      actor="system" if demo else ella.email, actor_id=None if demo else ella.id))
        db.session.commit()
        ids["shift"] = f"{next_monday():%a %d %b} "
        return ids


def every_page(client) -> str:
    """The audit log's entries, every page of them."""
    listed, page = [], 1
    while True:
        html = client.get(f"/admin/audit?page={page}").get_data(as_text=True)
        listed.append(html.split('<ol class="audit-lines"', 1)[1].split("</ol>", 1)[0])
        if ">Older</a>" not in html:
            return "".join(listed)
        page += 1


def read(html: str) -> str:
    """What a person reads: the text without tags, spaces tidied, a detail's label with the colon the page's style
    puts after it."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.replace("</dt>", ":</dt>"))).replace(" .", ".") \
        .replace(" :", ":").replace("( ", "(").replace(" )", ")")


def test_every_kind_of_event_reads_in_words_with_names_and_no_codes(app, every_kind):
    assert set(samples(every_kind)) == set(ACTIONS), "a sample of each kind the log names"
    owner = signed_in(app, Role.OWNER)
    html = every_page(owner.client)
    text = read(html)
    assert text.count("Ella Robinson") > 50
    words = re.sub(r"\S+@\S+|https?://\S+", "", text)  # email and web addresses have dots of their own
    assert re.findall(r"\b[a-z]+_[a-z_]+\b", words) == [], "no codes"
    assert re.findall(r"\b[a-z_]+:\d+", words) == [], "no records named by their ids"
    assert re.findall(r"\b[a-z_]+\.[a-z_]+\b", words) == [], "no action codes"
    for code in ("None", "True", "False", "{", "[", "Kind:"):
        assert code not in words, code
    numbered = words.replace(f"case {every_kind['case']} (", "")  # a case is numbered on its pages too
    assert re.findall(r".{0,60}\b(?:request|service|case|staff) \d+\b(?!:).{0,20}", numbered) == [], \
        "no record by its id"
    for said in ("The demonstration data was loaded: 5 services and 33 people.",
                 "Ella Robinson acknowledged an alert: Checks overdue, Eating disorders.",
                 "completed a step of case {case} (Eating disorders). Step: Assess the risk level",
                 "skipped a step of case {case} (Eating disorders). Step: Contact the GP or care team",
                 "Ella Robinson added canned reasons for Eating disorders: 3 reasons. For: Hiding a post",
                 "Ella Robinson took an open shift. Shift: Eating disorders, {shift}17:00–22:00",
                 "From: Ella Robinson, Eating disorders, {shift}17:00–22:00 (on call) To: Ella Robinson, Eating "
                 "disorders, {shift}18:00–22:00",
                 "Rule: Weekly hours and days",
                 "Ella Robinson exported identities held for Eating disorders: 3 posts and 1 case.",
                 "Ella Robinson published the rota for ",
                 "1 person whose shifts changed.",
                 "How: In an emergency, without waiting (break glass)",
                 "Standard: Every day 17:00–22:00: at least 1 person on duty (clinical moderators).",
                 "Ella Robinson asked a colleague to take a shift (Ella Robinson&#39;s shift, ",
                 "Signed on for: 2 h 5 min", "Services: Eating disorders, Demo low-risk service",
                 "Critical items: answer within: 15 min", "For: 4 weeks", "Maximum hours a week: 20 → 16",
                 "opened case {case} (Eating disorders). Opened from: the post",
                 "Sent to: none → the platform&#39;s webhook Signing secret:"):
        assert said.format(**every_kind) in text, said
    assert f'<dt>Opened from</dt><dd><a href="/queue/items/{every_kind["post"]}">the post</a></dd>' in html
    assert f'<a href="/alerts/{every_kind["alert"]}">Checks overdue, Eating disorders</a>' in html
