"""Each person's notifications page: what they are sent, and when not."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from console.forms import form_action
from console.notifications import preferences
from console.notifications.forms import NotificationsForm
from console.permissions import requires

bp = Blueprint("notifications", __name__, url_prefix="/account/notifications")


@bp.route("/", methods=["GET", "POST"])
@requires("account.self")
def settings():
    """Choose reminders, digests, offers and quiet hours; safety alerts are shown as not switchable."""
    form = NotificationsForm()
    if request.method == "POST":
        if form_action(form, lambda: preferences.save(current_user.id, **form.values()), "Notifications saved.")[0]:
            return redirect(url_for("notifications.settings"))
        return render_template("notifications/settings.html", form=form), 400
    return render_template("notifications/settings.html",
                           form=form.fill(preferences.settings_of(current_user.id)))
