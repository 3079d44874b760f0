"""Rotas as a person meets their own: my shifts and open shifts, swaps with colleagues, my activity, and the
calendar subscription (the feed at /calendar/<token>.ics). The manager's routes are in routes.py."""

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console.database import local_today
from console.forms import ActionForm, button_action, form_action
from console.links import public_url
from console.permissions import public, requires
from console.rotas import calendar, open_shifts, own_work, pages, standards, swaps
from console.rotas.routes import bp
from console.rotas.forms import SwapForm, TakeShiftForm


def _mine_page(feed_url: str | None = None):
    return render_template("rotas/mine.html", page=pages.my_shifts_page(current_user, local_today(), feed_url=feed_url))


@bp.route("/mine")
@requires("rota.mine")
def mine():
    """My shifts for the next 6 weeks, and my calendar subscription."""
    return _mine_page()


@bp.route("/mine/open-shifts", methods=["POST"])
@requires("rota.mine")
def take_open_shift():
    """Take an open shift in one click: the rules are checked again, and the first valid claim wins."""
    form = TakeShiftForm()
    done, _ = form_action(
        form, lambda: open_shifts.claim(current_user, service_id=form.service_id.data, day=form.day.data,
                                        gap_start=form.gap_start.data, kind=form.kind.data, today=local_today()),
        lambda taken: (f"The shift {taken.when} for {taken.service.name} is yours. Your manager has been told.",
                       "success"))
    if not done and form.errors:  # not valid (when it was, form_action has said why it could not be done)
        flash("That shift could not be read; choose it again from the list.", "error")
    return redirect(url_for("rotas.mine"))


# A spreadsheet runs a cell that starts with one of these as a formula: quote it so it stays text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@bp.route("/mine/activity.csv")
@requires("rota.mine")
def activity_download():
    """My published work by month and service (the last two years) as CSV, for a CV, a reference or expenses."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Month", "Service", "Shifts on duty", "Hours on duty", "Moderation checks", "Hours on call"])
    for row in own_work.activity(current_user.id, today=local_today()):
        writer.writerow([row.month.strftime("%Y-%m"), _cell(row.service), row.duty_shifts,
                         f"{row.duty_minutes / 60:g}", row.checks, f"{row.on_call_minutes / 60:g}"])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="my-moderation-activity.csv"'})


@bp.route("/mine/shifts/<int:shift_id>/swap", methods=["GET", "POST"])
@requires("rota.mine")
def swap_ask(shift_id: int):
    """Ask a colleague to take one of my shifts."""
    shift = swaps.own_shift(current_user, shift_id=shift_id, today=local_today())
    form = SwapForm()
    choice = swaps.colleagues(shift)
    form.to_staff.choices = [SelectChoice("", "Choose a colleague")] + [SelectChoice(c.person.id, c.label)
                                                                         for c in choice.able]

    def asked(_request) -> tuple[str, str]:
        then = "." if standards.auto_approves_swaps(shift.service) else " and a manager approves."
        return f"Asked. You keep the shift until they accept{then}", "success"

    done, _ = form_action(form, lambda: swaps.ask(current_user, shift_id=shift.id, to_staff_id=form.to_staff.data,
                                                  note=form.note.data or "", today=local_today()), asked)
    if done:
        return redirect(url_for("rotas.mine"))
    return render_template("rotas/swap.html", shift=shift, form=form, describe=swaps.describe, choice=choice), \
        400 if form.is_submitted() else 200


def _swap_answer(request_id: int, accept: bool):
    done = button_action(lambda: swaps.answer(current_user, request_id=request_id, accept=accept))
    if done is not None:
        flash({"done": "Done: the shift is yours and in your calendar.", "declined": "Declined; they have been told.",
               "agreed": "Accepted. A manager approves it before the shift moves."}[done.status], "success")
    return redirect(url_for("rotas.mine"))


@bp.route("/mine/swaps/<int:request_id>/accept", methods=["POST"])
@requires("rota.mine")
def swap_accept(request_id: int):
    """Accept a colleague's request to take their shift (checked against the rules first)."""
    return _swap_answer(request_id, True)


@bp.route("/mine/swaps/<int:request_id>/decline", methods=["POST"])
@requires("rota.mine")
def swap_decline(request_id: int):
    """Decline a colleague's request."""
    return _swap_answer(request_id, False)


@bp.route("/mine/swaps/<int:request_id>/withdraw", methods=["POST"])
@requires("rota.mine")
def swap_withdraw(request_id: int):
    """Take back my swap request."""
    button_action(lambda: swaps.withdraw(current_user, request_id=request_id), "Request withdrawn.")
    return redirect(url_for("rotas.mine"))


@bp.route("/mine/calendar/new")
@requires("rota.mine")
def calendar_link_confirm():
    """Before a new link replaces the one in use: say what happens to calendars subscribed to it."""
    if not calendar.has_token(current_user):
        return redirect(url_for("rotas.mine", _anchor="calendar"))
    return render_template("rotas/calendar_new.html", form=ActionForm())


@bp.route("/mine/calendar", methods=["POST"])
@requires("rota.mine")
def calendar_link():
    """Make a new private subscription link (the old one stops working) and show it once, at the top."""
    if not ActionForm().validate_on_submit():
        abort(400)
    token = calendar.new_token(current_user)
    return _mine_page(public_url("calendar_feed", token=token))


@bp.route("/mine/shifts.ics")
@requires("rota.mine")
def calendar_download():
    """My shifts as a one-off .ics file."""
    return Response(calendar.feed(current_user), mimetype="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="my-shifts.ics"'})


GONE = ("This calendar link no longer works: a new link was made, or the account was closed.\n"
        "Make a new subscription link on the My shifts page of the moderation console: {}\n")


@public
def calendar_feed(token: str):
    """A person's calendar feed, reached with their private token and no sign-in. A calendar app asking again
    with the ETag or date it has is told 304 Not Modified; a link no longer in force answers 410 Gone with a
    short text, so the app says so rather than failing silently."""
    staff = calendar.owner_of(token)
    if staff is None:
        return Response(GONE.format(public_url("rotas.mine")), status=410, mimetype="text/plain")
    body, last_change = calendar.feed_and_last_change(staff)
    response = Response(body, mimetype="text/calendar")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.last_modified = last_change
    response.add_etag()
    return response.make_conditional(request)


def init_app(app) -> None:
    """The calendar feed lives at /calendar/<token>.ics, outside the /rota area."""
    app.add_url_rule("/calendar/<token>.ics", "calendar_feed", calendar_feed)
