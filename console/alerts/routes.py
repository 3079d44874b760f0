"""Alerts: the ones open for the signed-in person's services, one alert's page (where an email's link lands) and
its one-click acknowledgement, for those who can act on it."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from console.alerts import pages
from console.alerts import service as alerts
from console.database import utcnow
from console.forms import button_action
from console.links import back_to
from console.permissions import requires, who_may

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.route("/")
@requires("alerts.respond")
def index():
    """Open alerts of the services whose alert chain this person is in."""
    return render_template("alerts/index.html", alerts=pages.open_alerts(current_user, utcnow()))


@bp.route("/<int:alert_id>")
@requires("alerts.respond")
def show(alert_id: int):
    """One alert: what it is about, where it stands, whom it has reached, and the Acknowledge button for those who
    can act on it (the rule in words for the others)."""
    alert = alerts.alert_or_raise(current_user, alert_id=alert_id)
    # A team manager or owner in the chain of a post's alert may not open the queue: the page says who can, rather
    # than linking to a refusal.
    needed = getattr(current_app.view_functions.get(alert.target_endpoint), "required_capability", None)
    refused = who_may(needed, current_user.roles, what="what this alert is about", ask=False) \
        if needed and not current_user.can(needed) else None
    return render_template("alerts/show.html", view=pages.view_of(current_user, alert, utcnow()),
                           about=alerts.about_link(alert, url_for), about_refused=refused)


@bp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@requires("alerts.respond")
def acknowledge(alert_id: int):
    """Acknowledge an alert (from its page, the alerts list or the dashboard): say "I am dealing with it". Refused,
    with the rule in words, to anyone who cannot act on it. Back to the page it was acknowledged on."""
    button_action(lambda: alerts.acknowledge(current_user, alert_id=alert_id),
                  "Acknowledged: everyone who sees this alert knows you are dealing with it. While what it is about "
                  "still holds, it still goes on to the next people in its chain at their time.")
    return redirect(back_to(request.referrer, url_for("alerts.show", alert_id=alert_id)))
