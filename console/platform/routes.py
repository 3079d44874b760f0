"""Platform pages: a service's ingest secret and where its decisions go (shown on its queue settings page), and the
decisions sent to its platform."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from console.accounts import step_up
from console.forms import StepUpForm, button_action, form_action
from console.permissions import requires
from console.platform import ingest, pages
from console.platform import service as platform
from console.platform.forms import WebhookForm
from console.queue import pages as queue_pages
from console.services import service as services

bp = Blueprint("platform", __name__, url_prefix="/queue")


def _settings_page(service, status: int = 200, **connection):
    """The service's queue settings page, its connection to the platform given a form sent back or a new secret."""
    return render_template("queue/settings.html",
                           page=queue_pages.settings_page(service, platform=connection)), status


@bp.route("/services/<int:service_id>/secret", methods=["POST"])
@requires("admin.services")
def ingest_secret_new(service_id: int):
    """Make a new ingest secret and show it once; the old one keeps working for 24 hours."""
    service = services.get_or_raise(service_id=service_id)
    secret = button_action(lambda: ingest.new_secret(service))
    if secret is None:
        return redirect(url_for("queue.settings", service_id=service.id))
    return _settings_page(service, secret=secret)


@bp.route("/services/<int:service_id>/webhook", methods=["POST"])
@requires("platform.connect")
def webhook_save(service_id: int):
    """Set (or clear) where the service's decisions are sent, after a fresh MFA code."""
    service = services.get_or_raise(service_id=service_id)
    form = WebhookForm()
    if form.kind.data == "discourse":
        done, _ = form_action(form, step_up.confirmed(form, lambda: platform.connect_discourse(
            service, url=form.url.data or "", api_username=form.api_username.data or "",
            api_key=form.api_key.data or "")), "Hidden posts will be hidden on the Discourse forum too.")
    else:
        done, _ = form_action(form, step_up.confirmed(form, lambda: platform.save_url(service, form.url.data or "")),
                              _address_saved if (form.url.data or "").strip() else "Decisions are no longer sent.")
    if done:
        return redirect(url_for("queue.settings", service_id=service.id, _anchor="platform"))
    return _settings_page(service, 400, webhook_form=form)


def _address_saved(secret_forgotten: bool) -> tuple[str, str]:
    if secret_forgotten:
        return ("Address saved. The signing secret was for the old address, so it is forgotten: make a new one and "
                "give it to the platform. Nothing is sent until then.", "warning")
    return "Address saved.", "success"


@bp.route("/services/<int:service_id>/webhook/secret", methods=["POST"])
@requires("platform.connect")
def webhook_secret_new(service_id: int):
    """Make a new signing secret for the service's webhook and show it once, after a fresh MFA code."""
    service = services.get_or_raise(service_id=service_id)
    form = StepUpForm()
    done, secret = form_action(form, step_up.confirmed(form, lambda: platform.new_secret(service)))
    if not done:
        return redirect(url_for("queue.settings", service_id=service.id, _anchor="platform"))
    return _settings_page(service, webhook_secret=secret)


@bp.route("/services/<int:service_id>/deliveries")
@requires("admin.services")
def deliveries(service_id: int):
    """The decisions sent to the service's platform: delivered, waiting, failing."""
    service = services.get_or_raise(service_id=service_id)
    return render_template("platform/deliveries.html", page=pages.deliveries_page(service, current_user))


@bp.route("/services/<int:service_id>/deliveries/<int:event_id>/send", methods=["POST"])
@requires("admin.services")
def delivery_send(service_id: int, event_id: int):
    """Send one decision to the platform again now."""
    service = services.get_or_raise(service_id=service_id)
    button_action(lambda: platform.send_again(service, event_id=event_id), "Sending it again now.")
    return redirect(url_for("platform.deliveries", service_id=service.id))


def init_app(app) -> None:
    """Show the service's connection to its platform at the foot of its queue settings page."""
    queue_pages.add_settings_part(app, "platform", "platform/_settings.html", pages.connection)
