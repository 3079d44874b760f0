"""Dashboard, service pages and the staff directory."""

from datetime import timedelta

from flask import Blueprint, render_template, url_for
from flask_login import current_user

from console.accounts import staff_records
from console.accounts.teams import services_managed_by
from console.alerts import pages as alert_pages
from console.database import local_today, utcnow
from console.permissions import requires
from console.queue import shifts
from console.rotas import cover, own_work, standards, swaps, versions
from console.services import service as services
from console.staffing import service as staffing
from escalation_pathways import flows as reveals
from escalation_pathways import pages as escalation_pages
from escalation_pathways import service as escalations

bp = Blueprint("dashboard", __name__)


COVER_SIGN_ONS_SHOWN = timedelta(days=7)


@bp.route("/")
@requires("account.self")
def index():
    """What the signed-in person needs first: what waits for them, their next shifts, and their services."""
    today = local_today()
    waiting = {}
    if current_user.can("rota.manage"):
        managed = services_managed_by(current_user)
        waiting = {"cover": [row for row in cover.published_cover(managed, today) if row.warning],
                   "leave": staffing.leave_to_decide(current_user), "swaps": swaps.waiting_for_managers(current_user),
                   "drafts": versions.drafts(managed),
                   "cover_sign_ons": shifts.cover_sessions(managed, since=utcnow() - COVER_SIGN_ONS_SHOWN)}
    upcoming = own_work.my_shifts(current_user.id, start=today, days=7) if current_user.can("rota.mine") else []
    answers = swaps.requests_for(current_user)[1] if current_user.can("rota.mine") else []
    escalation = {}
    if current_user.can("case.work"):
        escalation = {"reviews": reveals.reviews_due(current_user), "approvals": reveals.waiting_for(current_user),
                      "overdue": escalations.overdue_cases(current_user, now=utcnow()),
                      "new": escalations.unstarted_cases(current_user) if current_user.can("case.clinical") else []}
    open_alerts = alert_pages.open_alerts(current_user, utcnow()) if current_user.can("alerts.respond") else []
    trust_cases = escalation_pages.trust_open_cases(current_user, now=utcnow()) \
        if current_user.can("case.oversee") else None
    return render_template("dashboard/index.html", services=services.visible_to(current_user), waiting=waiting,
                           upcoming=upcoming, answers=answers, escalation=escalation,
                           alerts=open_alerts, trust_cases=trust_cases)


@bp.route("/services")
@requires("services.view")
def service_list():
    """The services this person belongs to (all of them for administrators)."""
    return render_template("dashboard/services.html", services=services.visible_to(current_user))


@bp.route("/services/<slug>")
@requires("services.view")
def service_detail(slug: str):
    """One service, with its team for those who may see staff."""
    service = services.get_visible_or_raise(current_user, slug=slug)
    team = staff_records.members_of(service) if current_user.can("staff.view") else []
    return render_template("dashboard/service_detail.html", service=service, team=team, links=_links_for(service),
                           standard=standards.in_words(standards.current(service)[0]))


def _links_for(service) -> list[tuple[str, str]]:
    """Where this person can go from a service's page: its queue, rota, standard, plan and settings."""
    links = []
    if current_user.can("queue.work") and service.active and service in current_user.services:
        links.append(("Its moderation queue", url_for("queue.index", service=service.slug)))
    if current_user.can("rota.manage") and service in services_managed_by(current_user):
        published = cover.latest_published(service)
        if published is not None:
            links.append(("Its published rota", url_for("rotas.version", version_id=published.id,
                                                        service=service.id)))
        links.append(("Rotas and drafts", url_for("rotas.index")))
        links.append(("Its coverage standard", url_for("rotas.standard", service_id=service.id)))
    if current_user.can("escalation.plans"):
        links.append(("Its escalation plan", url_for("escalation.plan", slug=service.slug)))
    if current_user.can("admin.services"):
        links.append(("Its risk words and response times", url_for("queue.settings", service_id=service.id)))
        links.append(("Edit its details", url_for("admin.service_edit", service_id=service.id)))
    return links


@bp.route("/staff")
@requires("staff.view")
def staff_list():
    """The people working on the services this person may see."""
    return render_template("dashboard/staff.html", staff=staff_records.visible_staff(current_user))
