"""Queue pages: moderators read their services' posts, most urgent first; administrators keep each service's
risk word lists and ingest secret."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from console.forms import button_action, form_action
from console.permissions import requires
from console.queue import bp
from console.queue import service as queue
from console.queue.forms import TermsForm
from console.services import service as services


@bp.route("/")
@requires("queue.work")
def index():
    """My services' posts: critical first, then risk, then the oldest."""
    mine = queue.workable_services(current_user)
    return render_template("queue/index.html", posts=queue.waiting_posts(mine), services=mine)


@bp.route("/items/<int:post_id>")
@requires("queue.work")
def item(post_id: int):
    """One post with its thread and why it is flagged."""
    post = queue.post_or_raise(current_user, post_id=post_id)
    return render_template("queue/item.html", post=post, thread=queue.thread_of(post))


def _settings_page(service, form=None, secret: str | None = None, status: int = 200):
    made, older = queue.secret_status(service)
    return render_template("queue/settings.html", service=service, terms=queue.terms_of(service),
                           form=form or TermsForm(), secret=secret, secret_made=made, older_secrets=older), status


@bp.route("/services/<int:service_id>/settings")
@requires("admin.services")
def settings(service_id: int):
    """A service's critical and risk word lists, and its ingest secret."""
    return _settings_page(services.get_or_raise(service_id=service_id))


@bp.route("/services/<int:service_id>/terms", methods=["POST"])
@requires("admin.services")
def terms_add(service_id: int):
    """Add words or phrases to one of a service's lists."""
    service = services.get_or_raise(service_id=service_id)
    form = TermsForm()
    done, added = form_action(form, lambda: queue.add_terms(service, list_name=form.list_name.data,
                                                            text=form.terms.data))
    if done:
        flash(f"{added} term(s) added to the {form.list_name.data} list.", "success")
        return redirect(url_for("queue.settings", service_id=service.id))
    return _settings_page(service, form, status=400)


@bp.route("/services/<int:service_id>/terms/<int:term_id>/remove", methods=["POST"])
@requires("admin.services")
def term_remove(service_id: int, term_id: int):
    """Take a term off its list."""
    service = services.get_or_raise(service_id=service_id)
    button_action(lambda: queue.remove_term(service, term_id=term_id), "Term removed.")
    return redirect(url_for("queue.settings", service_id=service.id))


@bp.route("/services/<int:service_id>/secret", methods=["POST"])
@requires("admin.services")
def secret_new(service_id: int):
    """Make a new ingest secret and show it once; the old one keeps working for 24 hours."""
    service = services.get_or_raise(service_id=service_id)
    secret = button_action(lambda: queue.new_secret(service))
    if secret is None:
        return redirect(url_for("queue.settings", service_id=service.id))
    return _settings_page(service, secret=secret)
