"""Administration pages: services, staff and the audit log. Every change is audited by the services."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console.accounts import service as accounts
from console.admin import bp
from console.admin.forms import ServiceForm, StaffForm
from console.audit import service as audit
from console.errors import UserError
from console.forms import ActionForm
from console.permissions import requires
from console.services import service as services


@bp.route("/")
@requires("admin.services")
def index():
    """The administration area starts at the services list."""
    return redirect(url_for("admin.service_list"))


# --- Services -----------------------------------------------------------------------------

@bp.route("/services")
@requires("admin.services")
def service_list():
    """All services, active and deactivated."""
    return render_template("admin/services.html", services=services.get_all(), action_form=ActionForm())


def _service_fields(form: ServiceForm) -> dict:
    return dict(name=form.name.data, slug=form.slug.data, risk_tier=form.risk_tier.data,
                area=form.area.data, mailbox=form.mailbox.data)


@bp.route("/services/new", methods=["GET", "POST"])
@requires("admin.services")
def service_create():
    """Add a service."""
    form = ServiceForm()
    if form.validate_on_submit():
        try:
            service = services.create(**_service_fields(form))
        except UserError as failure:
            flash(failure.message, "error")
        else:
            flash(f"{service.name} has been added.", "success")
            return redirect(url_for("admin.service_list"))
    return render_template("admin/service_form.html", form=form, service=None), 400 if form.is_submitted() else 200


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@requires("admin.services")
def service_edit(service_id: int):
    """Change a service."""
    service = services.get_or_raise(service_id=service_id)
    form = ServiceForm(obj=service)
    if form.validate_on_submit():
        try:
            services.update(service, **_service_fields(form))
        except UserError as failure:
            flash(failure.message, "error")
        else:
            flash(f"{service.name} has been saved.", "success")
            return redirect(url_for("admin.service_list"))
    return render_template("admin/service_form.html", form=form, service=service), 400 if form.is_submitted() else 200


@bp.route("/services/<int:service_id>/active", methods=["POST"])
@requires("admin.services")
def service_set_active(service_id: int):
    """Deactivate or reactivate a service."""
    service = services.get_or_raise(service_id=service_id)
    if ActionForm().validate_on_submit():
        active = request.form.get("active") == "1"
        services.set_active(service, active=active)
        flash(f"{service.name} is {'active again' if active else 'deactivated'}.", "success")
    return redirect(url_for("admin.service_list"))


# --- Staff --------------------------------------------------------------------------------

@bp.route("/staff")
@requires("admin.staff")
def staff_list():
    """Every staff member, with their roles, services and account state."""
    return render_template("admin/staff.html", staff=accounts.visible_staff(current_user))


def _staff_form(person=None) -> StaffForm:
    form = StaffForm(obj=person)
    form.services.choices = [SelectChoice(service.id, service.name) for service in services.get_all()]
    if person is not None and not form.is_submitted():
        form.roles.data = [role.value for role in person.roles]
        form.services.data = [service.id for service in person.services]
    return form


def _invite_link(token: str) -> str:
    return url_for("auth.accept_invite", token=token, _external=True)


@bp.route("/staff/new", methods=["GET", "POST"])
@requires("admin.staff")
def staff_create():
    """Add a staff member and email them an invitation."""
    form = _staff_form()
    if form.validate_on_submit():
        try:
            person = accounts.create(name=form.name.data, email=form.email.data,
                                     roles=form.roles.data, service_ids=form.services.data)
        except UserError as failure:
            flash(failure.message, "error")
        else:
            _invite(person)
            return redirect(url_for("admin.staff_edit", staff_id=person.id))
    return render_template("admin/staff_form.html", form=form, person=None), 400 if form.is_submitted() else 200


def _invite(person) -> None:
    try:
        accounts.send_invitation(person, link_for=_invite_link)
    except UserError as failure:
        flash(failure.message, "error")
    else:
        flash(f"An invitation has been emailed to {person.email}.", "success")


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@requires("admin.staff")
def staff_edit(staff_id: int):
    """Change a staff member's details, roles and services; manage their account."""
    person = accounts.get_or_raise(staff_id=staff_id)
    form = _staff_form(person)
    if form.validate_on_submit():
        try:
            accounts.update(person, name=form.name.data, email=form.email.data,
                            roles=form.roles.data, service_ids=form.services.data)
        except UserError as failure:
            flash(failure.message, "error")
        else:
            flash(f"{person.name} has been saved.", "success")
            return redirect(url_for("admin.staff_list"))
    return render_template("admin/staff_form.html", form=form, person=person, action_form=ActionForm()), \
        400 if form.is_submitted() else 200


def _account_action(staff_id: int, action, done: str):
    """Run one button action on a staff member's account, then go back to their page."""
    person = accounts.get_or_raise(staff_id=staff_id)
    if ActionForm().validate_on_submit():
        try:
            action(person)
        except UserError as failure:
            flash(failure.message, "error")
        else:
            flash(done.format(name=person.name), "success")
    return redirect(url_for("admin.staff_edit", staff_id=person.id))


@bp.route("/staff/<int:staff_id>/invite", methods=["POST"])
@requires("admin.staff")
def staff_invite(staff_id: int):
    """Send a new invitation (the previous link stops working)."""
    return _account_action(staff_id, lambda person: accounts.send_invitation(person, link_for=_invite_link),
                           "A new invitation has been emailed to {name}.")


@bp.route("/staff/<int:staff_id>/active", methods=["POST"])
@requires("admin.staff")
def staff_set_active(staff_id: int):
    """Deactivate or reactivate a staff member."""
    active = request.form.get("active") == "1"
    return _account_action(
        staff_id, lambda person: accounts.set_active(person, active=active, actor=current_user),
        "{name} can sign in again." if active else "{name} is deactivated and has been signed out.")


@bp.route("/staff/<int:staff_id>/unlock", methods=["POST"])
@requires("admin.staff")
def staff_unlock(staff_id: int):
    """Lift a sign-in lockout."""
    return _account_action(staff_id, accounts.unlock, "{name} can sign in again.")


@bp.route("/staff/<int:staff_id>/reset-mfa", methods=["POST"])
@requires("admin.staff")
def staff_reset_mfa(staff_id: int):
    """Remove a lost authenticator so the person enrols again."""
    return _account_action(staff_id, accounts.reset_mfa,
                           "{name}'s authenticator has been removed; they will set up a new one at next sign-in.")


# --- Audit log ----------------------------------------------------------------------------

@bp.route("/audit")
@requires("audit.view")
def audit_log():
    """The audit log, newest first, filterable by action."""
    action = request.args.get("action") or None
    page = request.args.get("page", 1, type=int)
    return render_template("admin/audit.html", entries=audit.get_page(page=max(page, 1), action=action),
                           actions=audit.actions(), action=action)
