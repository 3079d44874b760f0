"""Every route, every role, and anonymous visitors: who gets in and who is refused.

The table below is written out by hand, independently of console.permissions, so that widening
access in the code fails this test. A route added without an entry here fails it too.

POSTs are sent without a CSRF token (the global CSRF check is switched off for this test only;
each form still checks its own token), so an allowed request reaches the view, fails its form
validation and changes nothing, while a refused one is stopped by the capability check.
"""

import re
import pytest

from console.permissions import Role
from tests.factories import person, services

OWNER, MANAGER, VOLUNTEER = Role.OWNER, Role.TEAM_MANAGER, Role.VOLUNTEER
EVERYONE = frozenset(Role)
ADMINS = frozenset({Role.OWNER, Role.CLINICAL_ADMIN, Role.NON_CLINICAL_ADMIN})
ROTA_MANAGERS = frozenset({Role.OWNER, Role.TEAM_MANAGER})
ROSTERED = frozenset({Role.CLINICAL_MODERATOR, Role.NON_CLINICAL_MODERATOR, Role.PEER_MODERATOR,
                      Role.DIGITAL_CHAMPION, Role.VOLUNTEER})
CASE_WORKERS = ROSTERED | {Role.CLINICAL_ADMIN}
CLINICAL = frozenset({Role.CLINICAL_ADMIN, Role.CLINICAL_MODERATOR})
# Where a service's decisions go, with a forum key that reaches its members' identities (second review, finding 2).
PLATFORM_CONNECTORS = frozenset({Role.OWNER, Role.CLINICAL_ADMIN})
PUBLIC = "public"

# (endpoint, method): (path, who may use it). {staff} is the demo volunteer's id, {service} Eating disorders' and {low}
# the demo low-risk service's, looked up by slug when the test runs (demo_ids). The other ids may name no row: the
# capability is checked before the row is looked up.
ROUTES = {
    ("health.healthz", "GET"): ("/healthz", PUBLIC),
    ("health.favicon", "GET"): ("/favicon.ico", PUBLIC),
    ("auth.login", "GET"): ("/auth/login", PUBLIC),
    ("auth.login", "POST"): ("/auth/login", PUBLIC),
    ("auth.mfa_challenge", "GET"): ("/auth/mfa", PUBLIC),
    ("auth.mfa_challenge", "POST"): ("/auth/mfa", PUBLIC),
    ("auth.mfa_setup", "GET"): ("/auth/mfa/setup", PUBLIC),
    ("auth.mfa_setup", "POST"): ("/auth/mfa/setup", PUBLIC),
    ("auth.logout", "POST"): ("/auth/logout", PUBLIC),
    ("auth.accept_invite", "GET"): ("/auth/invite/some-token", PUBLIC),
    ("auth.accept_invite", "POST"): ("/auth/invite/some-token", PUBLIC),
    ("auth.request_reset", "GET"): ("/auth/reset", PUBLIC),
    ("auth.request_reset", "POST"): ("/auth/reset", PUBLIC),
    ("auth.reset_password", "GET"): ("/auth/reset/some-token", PUBLIC),
    ("auth.reset_password", "POST"): ("/auth/reset/some-token", PUBLIC),
    ("auth.account", "GET"): ("/auth/account", EVERYONE),
    ("auth.change_password", "POST"): ("/auth/password", EVERYONE),
    ("auth.regenerate_recovery_codes", "POST"): ("/auth/mfa/recovery-codes", EVERYONE),
    ("auth.disable_mfa", "POST"): ("/auth/mfa/disable", EVERYONE),
    ("auth.logout_everywhere", "POST"): ("/auth/logout-everywhere", EVERYONE),
    ("dashboard.index", "GET"): ("/", EVERYONE),
    ("notifications.settings", "GET"): ("/account/notifications/", EVERYONE),
    ("notifications.settings", "POST"): ("/account/notifications/", EVERYONE),
    ("dashboard.service_list", "GET"): ("/services", EVERYONE),
    ("dashboard.service_detail", "GET"): ("/services/eating-disorders", EVERYONE),
    ("dashboard.staff_list", "GET"): ("/staff", ADMINS | {MANAGER}),
    ("alerts.index", "GET"): ("/alerts/", ROSTERED | ROTA_MANAGERS),
    ("alerts.show", "GET"): ("/alerts/1", ROSTERED | ROTA_MANAGERS),
    ("alerts.acknowledge", "POST"): ("/alerts/1/acknowledge", ROSTERED | ROTA_MANAGERS),
    ("scheduler.runs", "GET"): ("/admin/scheduler/", ADMINS),
    ("admin.index", "GET"): ("/admin/", ADMINS),
    ("admin.service_list", "GET"): ("/admin/services", ADMINS),
    ("admin.service_create", "GET"): ("/admin/services/new", ADMINS),
    ("admin.service_create", "POST"): ("/admin/services/new", ADMINS),
    ("admin.service_edit", "GET"): ("/admin/services/{service}/edit", ADMINS),
    ("admin.service_edit", "POST"): ("/admin/services/{service}/edit", ADMINS),
    ("admin.service_set_active", "POST"): ("/admin/services/{service}/active", ADMINS),
    ("admin.staff_list", "GET"): ("/admin/staff", ADMINS),
    ("admin.staff_create", "GET"): ("/admin/staff/new", ADMINS),
    ("admin.staff_create", "POST"): ("/admin/staff/new", ADMINS),
    ("admin.staff_edit", "GET"): ("/admin/staff/{staff}/edit", ADMINS),
    ("admin.staff_edit", "POST"): ("/admin/staff/{staff}/edit", ADMINS),
    ("admin.staff_invite", "POST"): ("/admin/staff/{staff}/invite", ADMINS),
    ("admin.staff_set_active", "POST"): ("/admin/staff/{staff}/active", ADMINS),
    ("admin.staff_unlock", "POST"): ("/admin/staff/{staff}/unlock", ADMINS),
    ("admin.staff_reset_mfa", "POST"): ("/admin/staff/{staff}/reset-mfa", ADMINS),
    ("admin.audit_log", "GET"): ("/admin/audit", ADMINS),
    ("rotas.index", "GET"): ("/rota/", ROTA_MANAGERS),
    ("rotas.generate", "POST"): ("/rota/generate", ROTA_MANAGERS),
    ("rotas.import_rota", "POST"): ("/rota/import", ROTA_MANAGERS),
    ("rotas.standard", "GET"): ("/rota/standards/{service}", ROTA_MANAGERS),
    ("rotas.standard", "POST"): ("/rota/standards/{service}", ROTA_MANAGERS),
    ("rotas.standard_reset", "POST"): ("/rota/standards/{service}/reset", ROTA_MANAGERS),
    ("rotas.run", "GET"): ("/rota/runs/1", ROTA_MANAGERS),
    ("rotas.run_status", "GET"): ("/rota/runs/1/status", ROTA_MANAGERS),
    ("rotas.run_cancel", "POST"): ("/rota/runs/1/cancel", ROTA_MANAGERS),
    ("rotas.run_retry", "POST"): ("/rota/runs/1/retry", ROTA_MANAGERS),
    ("rotas.version", "GET"): ("/rota/versions/1", ROTA_MANAGERS),
    ("rotas.shift_add", "POST"): ("/rota/versions/1/shifts", ROTA_MANAGERS),
    ("rotas.shift_remove", "POST"): ("/rota/versions/1/shifts/1/remove", ROTA_MANAGERS),
    ("rotas.rule_override", "POST"): ("/rota/versions/1/overrides", ROTA_MANAGERS),
    ("rotas.shift_edit", "GET"): ("/rota/versions/1/shifts/1/edit", ROTA_MANAGERS),
    ("rotas.shift_edit", "POST"): ("/rota/versions/1/shifts/1/edit", ROTA_MANAGERS),
    ("rotas.version_again", "POST"): ("/rota/versions/1/again", ROTA_MANAGERS),
    ("rotas.version_approve", "POST"): ("/rota/versions/1/approve", ROTA_MANAGERS),
    ("rotas.version_publish", "POST"): ("/rota/versions/1/publish", ROTA_MANAGERS),
    ("rotas.version_discard", "POST"): ("/rota/versions/1/discard", ROTA_MANAGERS),
    ("rotas.version_export", "GET"): ("/rota/versions/1/rota.json", ROTA_MANAGERS),
    ("rotas.scenario_export", "GET"): ("/rota/versions/1/scenario.json", ROTA_MANAGERS),
    ("rotas.mine", "GET"): ("/rota/mine", ROSTERED),
    ("rotas.calendar_link", "POST"): ("/rota/mine/calendar", ROSTERED),
    ("rotas.calendar_link_confirm", "GET"): ("/rota/mine/calendar/new", ROSTERED),
    ("rotas.take_open_shift", "POST"): ("/rota/mine/open-shifts", ROSTERED),
    ("rotas.activity_download", "GET"): ("/rota/mine/activity.csv", ROSTERED),
    ("rotas.swap_ask", "GET"): ("/rota/mine/shifts/1/swap", ROSTERED),
    ("rotas.swap_ask", "POST"): ("/rota/mine/shifts/1/swap", ROSTERED),
    ("rotas.swap_accept", "POST"): ("/rota/mine/swaps/1/accept", ROSTERED),
    ("rotas.swap_decline", "POST"): ("/rota/mine/swaps/1/decline", ROSTERED),
    ("rotas.swap_withdraw", "POST"): ("/rota/mine/swaps/1/withdraw", ROSTERED),
    ("rotas.swap_approve", "POST"): ("/rota/swaps/1/approve", ROTA_MANAGERS),
    ("rotas.swap_refuse", "POST"): ("/rota/swaps/1/refuse", ROTA_MANAGERS),
    ("rotas.calendar_download", "GET"): ("/rota/mine/shifts.ics", ROSTERED),
    ("calendar_feed", "GET"): ("/calendar/not-a-token.ics", PUBLIC),
    ("queue.index", "GET"): ("/queue/", ROSTERED),
    ("queue.item", "GET"): ("/queue/items/1", ROSTERED),
    ("queue.next_item", "POST"): ("/queue/next", ROSTERED),
    ("queue.sign_on", "POST"): ("/queue/sign-on", ROSTERED),
    ("queue.sign_off", "POST"): ("/queue/sign-off", ROSTERED),
    ("queue.bulk", "POST"): ("/queue/bulk", ROSTERED),
    ("queue.checks_page", "GET"): ("/queue/checks", ROSTERED | ROTA_MANAGERS),
    ("queue.search_page", "GET"): ("/queue/search", ROSTERED),
    ("queue.live", "GET"): ("/queue/live", ROSTERED),
    ("queue.check_record", "POST"): ("/queue/services/{low}/check", ROSTERED),
    ("queue.claim", "POST"): ("/queue/items/1/claim", ROSTERED),
    ("queue.release", "POST"): ("/queue/items/1/release", ROSTERED),
    ("queue.act", "POST"): ("/queue/items/1/act", ROSTERED),
    ("queue.mark", "POST"): ("/queue/items/1/mark/wrong", ROSTERED),
    ("queue.settings", "GET"): ("/queue/services/{service}/settings", ADMINS),
    ("queue.terms_add", "POST"): ("/queue/services/{service}/terms", ADMINS),
    ("queue.term_remove", "POST"): ("/queue/services/{service}/terms/1/remove", ADMINS),
    ("queue.terms_defaults", "POST"): ("/queue/services/{service}/terms/defaults", ADMINS),
    ("platform.ingest_secret_new", "POST"): ("/queue/services/{service}/secret", ADMINS),
    ("queue.times_save", "POST"): ("/queue/services/{service}/times", ADMINS),
    ("queue.risk_model_save", "POST"): ("/queue/services/{service}/risk-model", ADMINS),
    ("platform.webhook_save", "POST"): ("/queue/services/{service}/webhook", PLATFORM_CONNECTORS),
    ("queue.reasons_add", "POST"): ("/queue/services/{service}/reasons", ADMINS),
    ("queue.reasons_suggested", "POST"): ("/queue/services/{service}/reasons/suggested", ADMINS),
    ("queue.reason_remove", "POST"): ("/queue/services/{service}/reasons/1/remove", ADMINS),
    ("platform.webhook_secret_new", "POST"): ("/queue/services/{service}/webhook/secret", PLATFORM_CONNECTORS),
    ("platform.deliveries", "GET"): ("/queue/services/{service}/deliveries", ADMINS),
    ("platform.delivery_send", "POST"): ("/queue/services/{service}/deliveries/1/send", ADMINS),
    ("queue.report", "GET"): ("/queue/report", ADMINS | {MANAGER}),
    ("api.ingest_post", "POST"): ("/api/v1/services/demo-low/posts", PUBLIC),
    ("api.ingest_batch", "POST"): ("/api/v1/services/demo-low/posts:batch", PUBLIC),
    ("api.ingest_discourse", "POST"): ("/api/v1/services/demo-low/discourse", PUBLIC),
    ("api.openapi_document", "GET"): ("/api/v1/openapi.json", PUBLIC),
    ("staffing.mine", "GET"): ("/staffing/mine", ROSTERED),
    ("staffing.availability_add", "POST"): ("/staffing/mine/availability", ROSTERED),
    ("staffing.availability_remove", "POST"): ("/staffing/mine/availability/1/remove", ROSTERED),
    ("staffing.preference_add", "POST"): ("/staffing/mine/preferences", ROSTERED),
    ("staffing.most_days_save", "POST"): ("/staffing/mine/most-days", ROSTERED),
    ("staffing.preference_remove", "POST"): ("/staffing/mine/preferences/1/remove", ROSTERED),
    ("staffing.unavailability_add", "POST"): ("/staffing/mine/unavailability", ROSTERED),
    ("staffing.unavailability_remove", "POST"): ("/staffing/mine/unavailability/1/remove", ROSTERED),
    ("staffing.leave_request", "POST"): ("/staffing/mine/leave", ROSTERED),
    ("staffing.leave_cancel", "POST"): ("/staffing/mine/leave/1/cancel", ROSTERED),
    ("staffing.leave_list", "GET"): ("/staffing/leave", ROTA_MANAGERS),
    ("staffing.leave_decide", "POST"): ("/staffing/leave/1/decide", ROTA_MANAGERS),
    ("staffing.people", "GET"): ("/staffing/people", ROTA_MANAGERS),
    ("staffing.keeping_in_touch", "GET"): ("/staffing/keeping-in-touch", ROTA_MANAGERS),
    ("staffing.miss_you", "POST"): ("/staffing/keeping-in-touch/1/miss-you", ROTA_MANAGERS),
    ("staffing.person", "GET"): ("/staffing/people/{staff}", ROTA_MANAGERS),
    ("staffing.contract_save", "POST"): ("/staffing/people/{staff}/contract", ROTA_MANAGERS),
    ("staffing.person_availability_add", "POST"): ("/staffing/people/{staff}/availability", ROTA_MANAGERS),
    ("staffing.person_availability_remove", "POST"): ("/staffing/people/{staff}/availability/1/remove",
                                                      ROTA_MANAGERS),
    ("escalation.trust_cases", "GET"): ("/escalation/trust", {OWNER}),
    ("escalation.index", "GET"): ("/escalation/", CASE_WORKERS),
    ("escalation.open_case", "POST"): ("/escalation/cases", CASE_WORKERS),
    ("escalation.case", "GET"): ("/escalation/cases/1", CASE_WORKERS),
    ("escalation.complete_step", "POST"): ("/escalation/cases/1/steps/review", CASE_WORKERS),
    ("escalation.skip_step", "POST"): ("/escalation/cases/1/steps/review/skip", CLINICAL),
    ("escalation.add_note", "POST"): ("/escalation/cases/1/notes", CLINICAL),
    ("escalation.close_case", "POST"): ("/escalation/cases/1/close", CLINICAL),
    ("escalation.reveal", "POST"): ("/escalation/cases/1/reveal", CLINICAL),
    ("escalation.open_identity", "POST"): ("/escalation/reveals/1/open", CLINICAL),
    ("escalation.save_identity", "POST"): ("/escalation/reveals/1/identity", CLINICAL),
    ("escalation.approve_reveal", "POST"): ("/escalation/reveals/1/approve", CLINICAL),
    ("escalation.refuse_reveal", "POST"): ("/escalation/reveals/1/refuse", CLINICAL),
    ("escalation.review_reveal", "POST"): ("/escalation/reveals/1/review", CLINICAL),
    ("escalation.plan", "GET"): ("/escalation/plans/eating-disorders", ADMINS),
    ("escalation.plan", "POST"): ("/escalation/plans/eating-disorders", ADMINS),
    ("escalation.subjects", "GET"): ("/escalation/subjects", {Role.CLINICAL_ADMIN}),
    ("escalation.subjects", "POST"): ("/escalation/subjects", {Role.CLINICAL_ADMIN}),
}


def registered_routes(app) -> set[tuple[str, str]]:
    """Every (endpoint, method) the app serves, static files aside."""
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules() if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_entry_in_the_matrix(app):
    assert registered_routes(app) == set(ROUTES)


def test_every_view_declares_a_capability(app):
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint != "static" and not hasattr(view, "required_capability")]
    assert missing == []


@pytest.mark.parametrize("role", [None, *Role], ids=lambda role: role.value if role else "anonymous")
def test_each_role_reaches_exactly_its_routes(app, client, auth, demo_data, role):
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    ids = demo_ids(app)
    if role is not None:
        assert auth.login_demo(role).headers["Location"] == "/"
    wrong = []
    for (_endpoint, method), (path, allowed) in ROUTES.items():
        response = client.open(path.format(**ids), method=method)
        outcome = _outcome(response)
        expected = _expected(allowed, role)
        if outcome != expected:
            wrong.append(f"{method} {path}: expected {expected}, got {outcome} ({response.status_code})")
    assert wrong == []


def demo_ids(app) -> dict[str, int]:
    """The ids the matrix's paths name, looked up by the demo's roles and slugs."""
    with app.app_context():
        return {"staff": person(VOLUNTEER).id, "service": services("eating-disorders")[0].id,
                "low": services("demo-low")[0].id}


def _expected(allowed, role) -> str:
    if allowed == PUBLIC:
        return "served"
    if role is None:
        return "sign-in"
    return "served" if role in allowed else "refused"


def _outcome(response) -> str:
    if response.status_code == 403:
        return "refused"
    if response.status_code == 302 and response.headers["Location"].startswith("/auth/login?next="):
        return "sign-in"
    if response.status_code >= 500:
        return "error"
    return "served"


def test_refused_pages_say_who_can_open_them(client, auth, demo_data):
    auth.login_demo(VOLUNTEER)
    response = client.get("/admin/staff")
    assert response.status_code == 403
    assert "Only owners, clinical administrators and non-clinical administrators can open this page. Ask an " \
           "administrator if you need it." in response.get_data(as_text=True)


def test_an_administrator_refused_a_page_is_not_told_to_ask_an_administrator(client, auth, demo_data):
    auth.login_demo(Role.CLINICAL_ADMIN)
    response = client.get("/rota/")
    page = response.get_data(as_text=True)
    assert response.status_code == 403
    assert "Only owners and team managers can open this page." in page
    assert "administrator" not in page.split("<main", 1)[1].lower()


SECTIONS = ["Administration", "Services and staff", "Services", "Rotas", "My shifts", "Queue", "Escalations"]


@pytest.mark.parametrize("role,visible", [
    (OWNER, ["Administration", "Services and staff", "Rotas", "Queue"]),  # its checks and report
    (MANAGER, ["Services and staff", "Rotas", "Queue"]),
    (VOLUNTEER, ["Services", "My shifts", "Queue", "Escalations"]),
])
def test_navigation_shows_each_role_only_what_it_may_use(client, auth, demo_data, role, visible):
    auth.login_demo(role)
    nav = client.get("/").get_data(as_text=True).split('<nav aria-label="Main">')[1].split("</nav>")[0]
    for label in SECTIONS:
        assert (f">{label}</a>" in nav) == (label in visible), label
    assert ">My account</a>" in nav and ">Dashboard</a>" in nav
    assert len(re.findall("<li>", nav)) <= 8, "one row of sections, not sixteen links"


def test_the_pages_of_a_section_are_listed_under_the_main_navigation_on_its_pages(app, client, auth, demo_data):
    auth.login_demo(OWNER)
    page = client.get("/admin/audit").get_data(as_text=True)
    main = page.split('<nav aria-label="Main">')[1].split("</nav>")[0]
    assert '<a href="/admin/services" aria-current="true">Administration</a>' in main
    section = page.split('<nav class="section-nav" aria-label="Administration">')[1].split("</nav>")[0]
    assert re.findall(r">([^<>]+)</a>", section) == ["Services", "Staff", "Audit log", "Scheduler"]
    assert '<a href="/admin/audit" aria-current="page">Audit log</a>' in section
    draft_page = client.get("/rota/standards/{service}".format(**demo_ids(app))).get_data(as_text=True)
    assert 'aria-current="true">Rotas</a>' in draft_page, "a page not listed belongs to its section"
    assert 'class="section-nav" aria-label="Administration"' not in client.get("/").get_data(as_text=True)


def test_every_signed_in_page_belongs_to_a_section_of_the_navigation(app):
    """So the navigation always shows where a person is, also on pages it does not list (a draft, a case)."""
    from console.navigation import SECTIONS
    outside = {"api.ingest_batch", "api.ingest_discourse", "api.ingest_post", "api.openapi_document",
               "calendar_feed", "health.healthz", "health.favicon",
               "static"}  # no sign-in
    for rule in app.url_map.iter_rules():
        claimed = any(rule.endpoint == page.endpoint for section in SECTIONS for page in section.pages) or any(
            rule.endpoint == claim or (claim.endswith(".") and rule.endpoint.startswith(claim))
            for section in SECTIONS for claim in section.also)
        assert claimed or rule.endpoint in outside, rule.endpoint
