"""The console's main navigation: a short row of sections, and the pages of the current section beneath it.

An owner can reach sixteen pages; listed side by side they wrapped onto three rows. Each section links to its
first page the person may see, and is marked current on any of its pages (also those not listed, such as a
draft rota, which belongs to Rotas).
"""

from dataclasses import dataclass

from flask import request


@dataclass(frozen=True)
class Page:
    endpoint: str
    label: str
    capability: str


@dataclass(frozen=True)
class Section:
    label: str
    pages: tuple[Page, ...]
    # Endpoints, or their beginnings ending in ".", of further pages that belong to this section.
    also: tuple[str, ...] = ()


# In order; a page is in the section that lists it, else the first that claims it by name, else by the beginning
# of its name.
SECTIONS = (
    Section("Dashboard", (Page("dashboard.index", "Dashboard", "account.self"),
                          Page("alerts.index", "Alerts", "alerts.respond")), also=("alerts.",)),
    Section("Queue", (Page("queue.index", "Queue", "queue.work"), Page("queue.search_page", "Search", "queue.work"),
                      Page("queue.checks_page", "Checks", "queue.checks"),
                      Page("queue.report", "Queue report", "queue.report")), also=("queue.",)),
    Section("Escalations", (Page("escalation.index", "Escalations", "case.work"),
                            Page("escalation.trust_cases", "All escalations", "case.oversee")), also=("escalation.",)),
    Section("My shifts", (Page("rotas.mine", "My shifts", "rota.mine"),
                          Page("staffing.mine", "Availability and leave", "rota.mine")),
            also=("rotas.swap_ask", "rotas.calendar_link", "rotas.calendar_link_confirm")),
    Section("Rotas", (Page("rotas.index", "Rotas", "rota.manage"),
                      Page("staffing.leave_list", "Leave requests", "rota.manage"),
                      Page("staffing.people", "Rota staff", "rota.manage"),
                      Page("staffing.keeping_in_touch", "Keeping in touch", "rota.manage")),
            also=("rotas.", "staffing.")),
    Section("Services and staff", (Page("dashboard.service_list", "Services", "services.view"),
                                   Page("dashboard.staff_list", "Staff", "staff.view")),
            also=("dashboard.service_detail",)),
    Section("Administration", (Page("admin.service_list", "Services", "admin.services"),
                               Page("admin.staff_list", "Staff", "admin.staff"),
                               Page("escalation.subjects", "Subject rights", "pid.subject_rights"),
                               Page("admin.audit_log", "Audit log", "audit.view"),
                               Page("scheduler.runs", "Scheduler", "admin.scheduler")),
            also=("admin.", "scheduler.", "platform.", "escalation.plan", "queue.settings", "queue.terms_add",
                  "queue.terms_defaults", "queue.term_remove", "queue.times_save", "queue.reasons_add",
                  "queue.reasons_suggested", "queue.reason_remove")),
    Section("My account", (Page("auth.account", "My account", "account.self"),
                           Page("notifications.settings", "Notifications", "account.self")),
            also=("auth.", "notifications.")),
)


@dataclass(frozen=True)
class Shown:
    """A section as one person sees it: the pages they may open, and whether they are in it now."""

    label: str
    pages: tuple[Page, ...]
    current: bool


def sections_for(person) -> list[Shown]:
    """The sections this person sees, each with the pages they may open, the current one marked."""
    endpoint = request.endpoint or ""
    # A listed page first, then a page claimed by name, then by the beginning of its name.
    current = next((s for s in SECTIONS if any(endpoint == p.endpoint for p in s.pages)), None) or \
        next((s for s in SECTIONS if endpoint in s.also), None) or \
        next((s for s in SECTIONS if any(c.endswith(".") and endpoint.startswith(c) for c in s.also)), None)
    shown = []
    for section in SECTIONS:
        pages = tuple(page for page in section.pages if person.can(page.capability))
        if pages:  # a section of one page is called by that page's name ("Services", not "Services and staff")
            shown.append(Shown(section.label if len(pages) > 1 else pages[0].label, pages, section is current))
    return shown
