"""Staffing pages: each person keeps their own availability and leave; managers decide leave and keep contracts."""

from flask import Blueprint, flash, redirect, render_template, url_for
from wtforms.fields.choices import SelectChoice
from flask_login import current_user

from console.database import local_today, utcnow
from console.forms import button_action, form_action
from console.permissions import requires
from console.rotas import problem as problems
from console.staffing import engagement
from console.staffing import service as staffing
from console.staffing.forms import (AvailabilityForm, ContractForm, DecisionForm, LeaveForm, MostDaysForm,
                                    PreferenceForm, UnavailabilityForm)

bp = Blueprint("staffing", __name__, url_prefix="/staffing")


def _today():
    return local_today()


# --- My availability and leave ---------------------------------------------------------------

def _preference_form() -> PreferenceForm:
    form = PreferenceForm(prefix="preference")
    form.service.choices = [SelectChoice("", "Any of my services")] + [
        SelectChoice(str(service.id), f"{service.name} only")
        for service in sorted(current_user.services, key=lambda s: s.name)]
    return form


def _mine_page(availability_form=None, unavailability_form=None, leave_form=None, preference_form=None,
               most_days_form=None, status: int = 200):
    return render_template(
        "staffing/mine.html", person=current_user, windows=staffing.availability(current_user),
        off=staffing.unavailability(current_user, today=_today()), leave=staffing.leave_of(current_user),
        preferences=staffing.preferences_of(current_user),
        availability_form=availability_form or AvailabilityForm(prefix="weekly"),
        unavailability_form=unavailability_form or UnavailabilityForm(prefix="off", start="00:00", end="24:00"),
        leave_form=leave_form or LeaveForm(prefix="leave"), preference_form=preference_form or _preference_form(),
        most_days_form=most_days_form or MostDaysForm(prefix="most",
                                                      most_days_week=staffing.most_days_of(current_user)),
        weekdays=staffing.WEEKDAYS), status


@bp.route("/mine")
@requires("rota.mine")
def mine():
    """My weekly availability, the times I would rather work or not, the days I cannot work, and my leave."""
    return _mine_page()


@bp.route("/mine/availability", methods=["POST"])
@requires("rota.mine")
def availability_add():
    """Add a weekly time I can work."""
    form = AvailabilityForm(prefix="weekly")
    if form_action(form, lambda: staffing.add_availability(current_user, weekday=form.weekday.data,
                                                       start=form.minutes[0], end=form.minutes[1]),
               "Availability added. New rotas use it; published ones do not change.")[0]:
        return redirect(url_for("staffing.mine"))
    return _mine_page(availability_form=form, status=400)


@bp.route("/mine/availability/<int:window_id>/remove", methods=["POST"])
@requires("rota.mine")
def availability_remove(window_id: int):
    """Take a weekly time away."""
    button_action(lambda: staffing.remove_availability(current_user, window_id=window_id), "Availability removed.")
    return redirect(url_for("staffing.mine"))


@bp.route("/mine/preferences", methods=["POST"])
@requires("rota.mine")
def preference_add():
    """Add a time I would like to work, or would rather not."""
    form = _preference_form()
    if form_action(form, lambda: staffing.add_preference(
            current_user, kind=form.kind.data, weekdays=form.weekdays.data, start=form.minutes[0],
            end=form.minutes[1], weight=int(form.strength.data), service_id=form.service_id),
            "Preference added. Rotas made from now on weigh it; published ones do not change.")[0]:
        return redirect(url_for("staffing.mine") + "#preferences")
    return _mine_page(preference_form=form, status=400)


@bp.route("/mine/most-days", methods=["POST"])
@requires("rota.mine")
def most_days_save():
    """Keep the most days a week I ask to be on the rota."""
    form = MostDaysForm(prefix="most")
    if form_action(form, lambda: staffing.set_most_days(current_user, form.most_days_week.data),
                   "Saved. Rotas made from now on keep to it; published ones do not change.")[0]:
        return redirect(url_for("staffing.mine") + "#preferences")
    return _mine_page(most_days_form=form, status=400)


@bp.route("/mine/preferences/<int:preference_id>/remove", methods=["POST"])
@requires("rota.mine")
def preference_remove(preference_id: int):
    """Take a preference away."""
    button_action(lambda: staffing.remove_preference(current_user, preference_id=preference_id),
                  "Preference removed.")
    return redirect(url_for("staffing.mine") + "#preferences")


@bp.route("/mine/unavailability", methods=["POST"])
@requires("rota.mine")
def unavailability_add():
    """Add a one-off time I cannot work."""
    form = UnavailabilityForm(prefix="off")
    if form_action(form, lambda: staffing.add_unavailability(current_user, day=form.day.data, start=form.minutes[0],
                                                         end=form.minutes[1], today=_today()),
               "Saved. New rotas leave you out then; tell your manager if a published shift is affected.")[0]:
        return redirect(url_for("staffing.mine"))
    return _mine_page(unavailability_form=form, status=400)


@bp.route("/mine/unavailability/<int:unavailability_id>/remove", methods=["POST"])
@requires("rota.mine")
def unavailability_remove(unavailability_id: int):
    """Take a one-off unavailability away."""
    button_action(lambda: staffing.remove_unavailability(current_user, unavailability_id=unavailability_id), "Removed.")
    return redirect(url_for("staffing.mine"))


@bp.route("/mine/leave", methods=["POST"])
@requires("rota.mine")
def leave_request():
    """Ask for leave."""
    form = LeaveForm(prefix="leave")
    if form_action(form, lambda: staffing.request_leave(current_user, first=form.first_day.data,
                                                        last=form.last_day.data, note=form.note.data or "",
                                                        today=_today()),
               "Leave requested. Your manager will approve or reject it; you will get an email.")[0]:
        return redirect(url_for("staffing.mine"))
    return _mine_page(leave_form=form, status=400)


@bp.route("/mine/leave/<int:leave_id>/cancel", methods=["POST"])
@requires("rota.mine")
def leave_cancel(leave_id: int):
    """Withdraw a leave request, or give back leave that has not started."""
    button_action(lambda: staffing.cancel_leave(current_user, leave_id=leave_id, today=_today()), "Leave cancelled.")
    return redirect(url_for("staffing.mine"))


# --- Managers: leave decisions and contracts ---------------------------------------------------

def _leave_page(forms: dict | None = None, status: int = 200):
    waiting = staffing.leave_to_decide(current_user)
    forms = forms or {}
    return render_template("staffing/leave.html", waiting=waiting, recent=staffing.recent_decisions(current_user),
                           forms={leave.id: forms.get(leave.id) or DecisionForm(prefix=f"leave-{leave.id}")
                                  for leave in waiting}), status


@bp.route("/leave")
@requires("rota.manage")
def leave_list():
    """Leave requests waiting for a decision, and the latest decisions."""
    return _leave_page()


@bp.route("/leave/<int:leave_id>/decide", methods=["POST"])
@requires("rota.manage")
def leave_decide(leave_id: int):
    """Approve or reject a leave request."""
    form = DecisionForm(prefix=f"leave-{leave_id}")
    done, decision = form_action(form, lambda: staffing.decide_leave(
        current_user, leave_id=leave_id, approve=form.decision.data == "approve", note=form.note.data or ""))
    if not done:
        return _leave_page({leave_id: form}, 400)
    name = decision.leave.staff.name
    flash(f"Leave for {name} {decision.leave.status}. {name} is emailed the decision.", "success")
    if decision.opened:
        flash(f"{name}'s published shifts in this leave are open shifts now, offered to colleagues who could take "
              f"them, and shown on the Rotas page until someone does: {'; '.join(decision.opened)}.", "warning")
    return redirect(url_for("staffing.leave_list"))


@bp.route("/keeping-in-touch")
@requires("rota.manage")
def keeping_in_touch():
    """The volunteers, peers and digital champions of my services with no shift in the last 4 or 8 weeks."""
    quiet = engagement.quiet_people(current_user, today=_today())
    return render_template("staffing/keeping_in_touch.html", quiet=quiet,
                           groups=[(weeks, [q for q in quiet if q.weeks_quiet == weeks]) for weeks in (8, 4)])


@bp.route("/keeping-in-touch/<int:staff_id>/miss-you", methods=["POST"])
@requires("rota.manage")
def miss_you(staff_id: int):
    """Email someone quiet the open shifts they could take, with a word from me."""
    offered = button_action(lambda: engagement.send_we_miss_you(current_user, staff_id=staff_id, now=utcnow()))
    if offered:
        flash(f"Sent, offering {offered} open shift{'s' if offered != 1 else ''}.", "success")
    return redirect(url_for("staffing.keeping_in_touch"))


@bp.route("/people")
@requires("rota.manage")
def people():
    """Everyone rostered for my services, with their contract."""
    staff = staffing.managed_staff(current_user)
    return render_template("staffing/people.html", people=staff,
                           contracts={p.id: staffing.contract_of(p) for p in staff})


def _person_page(person, contract_form=None, availability_form=None, status: int = 200):
    if contract_form is None:
        contract = staffing.contract_of(person)
        contract_form = ContractForm(obj=contract) if contract else ContractForm(
            min_hours_week=0, max_hours_week=0 if problems.engine_role(person) == "volunteer" else 37.5,
            max_days_week=5, max_consecutive_days=5, min_rest_hours=11, max_weekends=2)
    return render_template("staffing/person.html", person=person, contract_form=contract_form,
                           availability_form=availability_form or AvailabilityForm(prefix="weekly"),
                           windows=staffing.availability(person), off=staffing.unavailability(person, today=_today()),
                           leave=staffing.leave_of(person), weekdays=staffing.WEEKDAYS), status


@bp.route("/people/<int:staff_id>")
@requires("rota.manage")
def person(staff_id: int):
    """One person's contract, availability and leave."""
    return _person_page(staffing.get_managed_or_raise(current_user, staff_id=staff_id))


@bp.route("/people/<int:staff_id>/contract", methods=["POST"])
@requires("rota.manage")
def contract_save(staff_id: int):
    """Record a person's working limits."""
    member = staffing.get_managed_or_raise(current_user, staff_id=staff_id)
    form = ContractForm()
    saved = f"Contract for {member.name} saved."
    if form_action(form, lambda: staffing.set_contract(member, **form.terms()), saved)[0]:
        return redirect(url_for("staffing.person", staff_id=member.id))
    return _person_page(member, contract_form=form, status=400)


@bp.route("/people/<int:staff_id>/availability", methods=["POST"])
@requires("rota.manage")
def person_availability_add(staff_id: int):
    """Add a weekly time a person can work, on their behalf."""
    member = staffing.get_managed_or_raise(current_user, staff_id=staff_id)
    form = AvailabilityForm(prefix="weekly")
    if form_action(form, lambda: staffing.add_availability(member, weekday=form.weekday.data, start=form.minutes[0],
                                                       end=form.minutes[1]), "Availability added.")[0]:
        return redirect(url_for("staffing.person", staff_id=member.id))
    return _person_page(member, availability_form=form, status=400)


@bp.route("/people/<int:staff_id>/availability/<int:window_id>/remove", methods=["POST"])
@requires("rota.manage")
def person_availability_remove(staff_id: int, window_id: int):
    """Take a weekly time away, on a person's behalf."""
    member = staffing.get_managed_or_raise(current_user, staff_id=staff_id)
    button_action(lambda: staffing.remove_availability(member, window_id=window_id), "Availability removed.")
    return redirect(url_for("staffing.person", staff_id=member.id))
