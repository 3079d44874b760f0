"""Alerts: the ones open for the signed-in person's services, one alert's page (where an email's link lands) and
its one-click acknowledgement."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from console.alerts import service as alerts
from console.alerts.conditions import KINDS
from console.forms import button_action
from console.links import back_to
from console.permissions import requires

bp = Blueprint("alerts", __name__, url_prefix="/alerts")


@bp.route("/")
@requires("alerts.respond")
def index():
    """Open alerts of the services whose alert chain this person is in."""
    return render_template("alerts/index.html", alerts=alerts.open_for(current_user), kinds=KINDS)


@bp.route("/<int:alert_id>")
@requires("alerts.respond")
def show(alert_id: int):
    """One alert: what it is about, whom it has reached, and the button that stops its chain."""
    alert = alerts.alert_or_raise(current_user, alert_id=alert_id)
    return render_template("alerts/show.html", alert=alert, about=alerts.about_link(alert, url_for), kinds=KINDS,
                           chain=alerts.CHAIN)


@bp.route("/<int:alert_id>/acknowledge", methods=["POST"])
@requires("alerts.respond")
def acknowledge(alert_id: int):
    """Acknowledge an alert (from its page, the alerts list or the dashboard): nobody further along its chain is
    emailed. Back to the page it was acknowledged on."""
    button_action(lambda: alerts.acknowledge(current_user, alert_id=alert_id),
                  "Acknowledged: nobody further along the chain will be emailed. Deal with what it is about next.")
    return redirect(back_to(request.referrer, url_for("alerts.show", alert_id=alert_id)))
