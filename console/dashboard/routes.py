"""Dashboard, service pages and the staff directory."""

from flask import render_template
from flask_login import current_user

from console.accounts import service as accounts
from console.dashboard import bp
from console.permissions import requires
from console.services import service as services


@bp.route("/")
@requires("account.self")
def index():
    """What the signed-in person needs first: their services and what they can do."""
    return render_template("dashboard/index.html", services=services.visible_to(current_user))


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
    team = accounts.members_of(service) if current_user.can("staff.view") else []
    return render_template("dashboard/service_detail.html", service=service, team=team)


@bp.route("/staff")
@requires("staff.view")
def staff_list():
    """The people working on the services this person may see."""
    return render_template("dashboard/staff.html", staff=accounts.visible_staff(current_user))
