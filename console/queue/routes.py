"""Queue pages: moderators read their services' posts, most urgent first, sign on, search and record their checks;
administrators keep each service's risk word lists, canned reasons and response times."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console.database import LONDON, utcnow
from console.forms import button_action, form_action
from console.links import LARGEST_ID
from console.permissions import requires
from console.queue import checks, escalating, pages, reasons, reports, risk_signals, search, shifts, terms, work
from console.queue import service as queue
from console.queue.forms import BulkForm, ItemActionForm, QueueSettingsForm, ReasonsForm, SearchForm, SignOnForm, \
    TermsForm
from console.queue.models import Action
from console.services import service as services
from console.words import counted

bp = Blueprint("queue", __name__, url_prefix="/queue")


def _sign_on_form() -> SignOnForm:
    form = SignOnForm()
    form.services.choices = [SelectChoice(s.id, s.name) for s in queue.workable_services(current_user)]
    return form


def _index_page(slug: str | None, bulk_form: BulkForm | None = None, status: int = 200,
                sign_on_form: SignOnForm | None = None):
    page = pages.queue_page(current_user, slug, now=utcnow())
    return render_template("queue/index.html", page=page, view=page.view, bulk_form=bulk_form or BulkForm(),
                           sign_on_form=sign_on_form or _sign_on_form()), status


@bp.route("/live")
@requires("queue.work")
def live():
    """The queue page's tabs and items, for the page to update itself every few seconds (304 when unchanged)."""
    view = pages.queue_view(current_user, request.args.get("service"), now=utcnow())
    if request.if_none_match.contains(view.version):
        return "", 304, {"ETag": f'"{view.version}"', "Cache-Control": "no-store"}
    body = {"version": view.version,
            "tabs": render_template("queue/_tabs.html", view=view),
            "items": render_template("queue/_items.html", view=view, bulk_form=BulkForm())}
    return jsonify(body), 200, {"ETag": f'"{view.version}"', "Cache-Control": "no-store"}


@bp.route("/")
@requires("queue.work")
def index():
    """One of my services' queues: critical first, then risk, then the oldest, each with its deadline."""
    return _index_page(request.args.get("service"))


@bp.route("/search")
@requires("queue.work")
def search_page():
    """Search my services' posts, open and closed: words, pseudonym, thread, state, risk and dates."""
    form = SearchForm(request.args)
    mine = queue.workable_services(current_user)
    form.service.choices = [SelectChoice(0, "All my services")] + [SelectChoice(s.id, s.name) for s in mine]
    if not request.args:
        return render_template("queue/search.html", form=form, results=None)
    if not form.validate():
        return render_template("queue/search.html", form=form, results=None), 400
    filters = search.SearchFilters(
        text=form.text.data or "", pseudonym=form.pseudonym.data or "", thread=form.thread.data or "",
        states=tuple(form.states.data or ()), levels=tuple(form.levels.data or ()), since=form.since.data,
        until=form.until.data, service_ids=(form.service.data,) if form.service.data else ())
    results = search.search(current_user, filters, page=request.args.get("page", 1, type=int))
    query = {key: values for key, values in request.args.to_dict(flat=False).items() if key != "page"}
    return render_template("queue/search.html", form=form, results=pages.search_page(results), query=query)


@bp.route("/sign-on", methods=["POST"])
@requires("queue.work")
def sign_on():
    """Start my shift: the queue opens on the services I am rostered for now, or those I cover (with a reason)."""
    form = _sign_on_form()
    done, _ = form_action(form, lambda: shifts.sign_on(current_user, cover_reason=form.reason.data or "",
                                                       cover_service_ids=form.services.data or []),
                          lambda session: ("Signed on to cover. Your team managers can see it." if
                                           session.cover_reason else "Signed on for your shift.", "success"))
    if done or not form.services.data:
        return redirect(url_for("queue.index"))
    return _index_page(None, status=400, sign_on_form=form)  # the services ticked stay ticked


@bp.route("/sign-off", methods=["POST"])
@requires("queue.work")
def sign_off():
    """End my shift."""
    button_action(lambda: shifts.sign_off(current_user), "Signed off. Thank you.")
    return redirect(url_for("queue.index"))


@bp.route("/next", methods=["POST"])
@requires("queue.work")
def next_item():
    """Claim the most urgent item nobody holds."""
    slug = request.form.get("service")
    post = button_action(lambda: work.next_item(current_user, service_slug=slug))
    if post is None:
        flash("Nothing is waiting that nobody else holds.", "info")
        return redirect(url_for("queue.index", service=slug))
    return redirect(url_for("queue.item", post_id=post.id))


@bp.route("/bulk", methods=["POST"])
@requires("queue.work")
def bulk():
    """Approve or hide several non-critical items at once, after confirming."""
    form = BulkForm()
    done, count = form_action(form, lambda: work.bulk(current_user, post_ids=form.posts.data,
                                                      action=Action(form.action.data), reason=form.reason.data or ""))
    slug = request.form.get("service")
    if done:
        flash(f"{counted(count, 'item')} {'approved' if form.action.data == 'approved' else 'hidden'}.", "success")
        return redirect(url_for("queue.index", service=slug))
    return _index_page(slug, form, 400)


def _item_page(post, form: ItemActionForm | None = None, status: int = 200):
    after = request.args.get("after", type=int)
    cases = escalating.escalations()
    page = pages.item_page(current_user, post, case=cases.case_for_post(post),
                           poster_cases=cases.open_cases_for(post.service, post.author_pseudonym),
                           after=after if after is not None and 0 < after <= LARGEST_ID else None, now=utcnow())
    return render_template("queue/item.html", page=page, post=post, form=form or ItemActionForm()), status


@bp.route("/items/<int:post_id>")
@requires("queue.work")
def item(post_id: int):
    """One item: the post, its thread, why it is flagged, its deadline and everything done to it."""
    return _item_page(queue.post_or_raise(current_user, post_id=post_id))


@bp.route("/items/<int:post_id>/claim", methods=["POST"])
@requires("queue.work")
def claim(post_id: int):
    """Take an item for 10 minutes."""
    button_action(lambda: work.claim(current_user, post_id=post_id), "It is yours for 10 minutes.")
    return redirect(url_for("queue.item", post_id=post_id))


@bp.route("/items/<int:post_id>/release", methods=["POST"])
@requires("queue.work")
def release(post_id: int):
    """Give an item back to the queue."""
    button_action(lambda: work.release(current_user, post_id=post_id), "Given back to the queue.")
    return redirect(url_for("queue.index"))


@bp.route("/items/<int:post_id>/mark/<verdict>", methods=["POST"])
@requires("queue.work")
def mark(post_id: int, verdict: str):
    """A moderator's one-click word on the risk signals: the flag was wrong, or the post should have been flagged."""
    post = queue.post_or_raise(current_user, post_id=post_id)
    button_action(lambda: risk_signals.mark(post, current_user, verdict),
                  "Marked, with your name and the time. The risk model learns from it when the service retrains it.")
    return redirect(url_for("queue.item", post_id=post.id))


@bp.route("/items/<int:post_id>/act", methods=["POST"])
@requires("queue.work")
def act(post_id: int):
    """Record what was done with an item."""
    post = queue.post_or_raise(current_user, post_id=post_id)
    form = ItemActionForm()
    due_at = form.due_at.data.replace(tzinfo=LONDON) if form.due_at.data else None
    if form.action.data == Action.ESCALATED:
        escalate = escalating.escalations().escalate_item
        done, case = form_action(form, lambda: escalate(current_user, post_id=post.id, reason=form.reason.data or ""),
                                 "Escalated: the case is open and its checklist starts here.")
        if done:
            return redirect(url_for("escalation.case", case_id=case.id))
    else:
        done, _ = form_action(form, lambda: work.act(current_user, post_id=post.id, action=Action(form.action.data),
                                                     reason=form.reason.data or "", due_at=due_at), "Saved.")
    if done and form.action.data == Action.NOTE:
        return redirect(url_for("queue.item", post_id=post.id))
    if done:  # on to the next item of the same queue, with a way back to this one
        following = work.next_waiting(current_user, service_id=post.service_id, after=post.id)
        if following is None:
            flash(f"Nothing else is waiting in {post.service.name} that nobody holds.", "info")
            return redirect(url_for("queue.index", service=post.service.slug))
        return redirect(url_for("queue.item", post_id=following.id, after=post.id))
    return _item_page(post, form, 400)


def _settings_page(service, status: int = 200, **forms):
    return render_template("queue/settings.html", page=pages.settings_page(service, **forms)), status


@bp.route("/services/<int:service_id>/times", methods=["POST"])
@requires("admin.services")
def times_save(service_id: int):
    """Set a service's response deadlines and unanswered threshold."""
    service = services.get_or_raise(service_id=service_id)
    form = QueueSettingsForm()
    if form_action(form, lambda: queue.save_settings(service, **form.minutes()), "Times saved.")[0]:
        return redirect(url_for("queue.settings", service_id=service.id))
    return _settings_page(service, 400, times_form=form)


@bp.route("/services/<int:service_id>/risk-model", methods=["POST"])
@requires("admin.services")
def risk_model_save(service_id: int):
    """Set how readily the risk model raises a service's posts."""
    service = services.get_or_raise(service_id=service_id)
    form = pages.sensitivity_form(service)
    if form_action(form, lambda: risk_signals.save_sensitivity(service, form.sensitivity.data), "Saved.")[0]:
        return redirect(url_for("queue.settings", service_id=service.id) + "#risk-model")
    return _settings_page(service, 400, sensitivity_form=form)


@bp.route("/services/<int:service_id>/settings")
@requires("admin.services")
def settings(service_id: int):
    """A service's critical and risk word lists, canned reasons and times, then its ingest secret and where its
    decisions go (console.platform's part of the page)."""
    return _settings_page(services.get_or_raise(service_id=service_id))


@bp.route("/services/<int:service_id>/terms", methods=["POST"])
@requires("admin.services")
def terms_add(service_id: int):
    """Add words or phrases to one of a service's lists."""
    service = services.get_or_raise(service_id=service_id)
    form = TermsForm()
    done, added = form_action(form, lambda: terms.add_terms(service, list_name=form.list_name.data,
                                                            text=form.terms.data))
    if done:
        flash(f"{counted(added, 'term')} added to the {form.list_name.data} list." if added else
              f"The {form.list_name.data} list already holds those terms.", "success")
        return redirect(url_for("queue.settings", service_id=service.id))
    return _settings_page(service, 400, terms_form=form)


@bp.route("/services/<int:service_id>/terms/defaults", methods=["POST"])
@requires("admin.services")
def terms_defaults(service_id: int):
    """Put back the default words and phrases a service's lists lack."""
    service = services.get_or_raise(service_id=service_id)
    added = button_action(lambda: terms.restore_default_terms(service))
    if added is not None:
        flash(f"{counted(added, 'default term')} added." if added else "The lists already hold every default term.",
              "success")
    return redirect(url_for("queue.settings", service_id=service.id))


@bp.route("/services/<int:service_id>/terms/<int:term_id>/remove", methods=["POST"])
@requires("admin.services")
def term_remove(service_id: int, term_id: int):
    """Take a term off its list."""
    service = services.get_or_raise(service_id=service_id)
    button_action(lambda: terms.remove_term(service, term_id=term_id), "Term removed.")
    return redirect(url_for("queue.settings", service_id=service.id))


@bp.route("/services/<int:service_id>/reasons", methods=["POST"])
@requires("admin.services")
def reasons_add(service_id: int):
    """Add canned reasons, one per line, for hiding a post or for replies."""
    service = services.get_or_raise(service_id=service_id)
    form = ReasonsForm()
    done, added = form_action(form, lambda: reasons.add_reasons(service, kind=form.kind.data, text=form.reasons.data))
    if done:
        flash(f"{counted(added, 'reason')} added." if added else "The list already holds those reasons.", "success")
        return redirect(url_for("queue.settings", service_id=service.id, _anchor="reasons"))
    return _settings_page(service, 400, reasons_form=form)


@bp.route("/services/<int:service_id>/reasons/suggested", methods=["POST"])
@requires("admin.services")
def reasons_suggested(service_id: int):
    """Add the suggested reasons the service's lists lack."""
    service = services.get_or_raise(service_id=service_id)
    added = button_action(lambda: reasons.restore_suggested_reasons(service))
    if added is not None:
        flash(f"{counted(added, 'suggested reason')} added." if added else
              "The lists already hold every suggested reason.", "success")
    return redirect(url_for("queue.settings", service_id=service.id, _anchor="reasons"))


@bp.route("/services/<int:service_id>/reasons/<int:reason_id>/remove", methods=["POST"])
@requires("admin.services")
def reason_remove(service_id: int, reason_id: int):
    """Take a canned reason off the list."""
    service = services.get_or_raise(service_id=service_id)
    button_action(lambda: reasons.remove_reason(service, reason_id=reason_id), "Reason removed.")
    return redirect(url_for("queue.settings", service_id=service.id, _anchor="reasons"))


@bp.route("/checks")
@requires("queue.checks")
def checks_page():
    """The moderation checks of the services I moderate or manage against their standard: today, the longest gap,
    the last 28 days; a manager only reads it."""
    return render_template("queue/checks.html", page=pages.checks_page(current_user, now=utcnow()))


@bp.route("/services/<int:service_id>/check", methods=["POST"])
@requires("queue.work")
def check_record(service_id: int):
    """Record that I have reviewed this service's posts up to now."""
    button_action(lambda: checks.record(current_user, service_id=service_id), "Check recorded.")
    return redirect(url_for("queue.checks_page"))


@bp.route("/report")
@requires("queue.report")
def report():
    """How fast each service's queue was worked over the last 28 days."""
    scope = services.visible_to(current_user) if current_user.can("services.view_all") else \
        [service for service in current_user.services if service.active]
    now = utcnow()
    return render_template("queue/report.html", rows=reports.time_to_action(scope, now=now), days=reports.DAYS,
                           presence=[row for row in reports.presence(scope, now=now) if row.planned_minutes])
