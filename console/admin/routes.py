"""Administration pages: services, staff and the audit log. Every change is audited by the services."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms.fields.choices import SelectChoice

from console.accounts import authenticator, links, sign_in, staff_records, step_up
from console.admin import audit_log as audit_log_words
from console.admin.forms import AuditFilterForm, ServiceForm, StaffForm
from console.audit import service as audit
from console.forms import ActionForm, button_action, form_action
from console.permissions import Role, grantable_roles, requires
from console.services import service as services

bp = Blueprint("admin", __name__, url_prefix="/admin")


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
                area=form.area.data, mailbox=form.mailbox.data, bank_holidays=form.bank_holidays.data)


@bp.route("/services/new", methods=["GET", "POST"])
@requires("admin.services")
def service_create():
    """Add a service."""
    form = ServiceForm()
    if form_action(form, lambda: services.create(**_service_fields(form)),
                   lambda service: (f"{service.name} has been added.", "success"))[0]:
        return redirect(url_for("admin.service_list"))
    return render_template("admin/service_form.html", form=form, service=None), 400 if form.is_submitted() else 200


@bp.route("/services/<int:service_id>/edit", methods=["GET", "POST"])
@requires("admin.services")
def service_edit(service_id: int):
    """Change a service."""
    service = services.get_or_raise(service_id=service_id)
    form = ServiceForm(obj=service)
    # The name in the message is the one just saved.
    if form_action(form, lambda: services.update(service, **_service_fields(form)),
                   lambda _: (f"{service.name} has been saved.", "success"))[0]:
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
    staff = staff_records.visible_staff(current_user)
    return render_template("admin/staff.html", staff=staff, locked=sign_in.locked_accounts(staff),
                           editable=staff_records.editable_ids(current_user, staff))


def _refusal(person) -> str | None:
    """Why the signed-in administrator may change nothing of this person's record (shown disabled), or None: one's
    own record is one's own to change (roles apart), anyone else's only where every role they hold is one the
    administrator may grant."""
    if person is None or person.id == current_user.id:
        return None
    return staff_records.refusal_to_manage(current_user, person)


def _fixed_roles(person) -> frozenset[Role]:
    """Roles the signed-in administrator may not change on this form (shown disabled): all of their own, all of
    someone they may not manage, and those the capability table does not let them grant."""
    if person is not None and (person.id == current_user.id or _refusal(person)):
        return frozenset(Role)
    return frozenset(Role) - grantable_roles(current_user.roles)


def _staff_form(person=None) -> StaffForm:
    form = StaffForm(obj=person)
    form.services.choices = [SelectChoice(service.id, service.name) for service in services.get_all()]
    if person is not None and not form.is_submitted():
        form.roles.data = [role.value for role in person.roles]
        form.services.data = [service.id for service in person.services]
    elif person is not None:
        # Browsers send nothing for a disabled checkbox: the roles held that cannot be changed here stay held.
        held = {role.value for role in person.roles & _fixed_roles(person)}
        form.roles.data = sorted(set(form.roles.data or []) | held)
        if _refusal(person):
            # Nor for disabled fields: what is not sent stays as it is; anything sent is for the service to refuse.
            for name, value in (("name", person.name), ("email", person.email),
                                ("services", [service.id for service in person.services])):
                if name not in request.form:
                    form[name].data = value
    return form


def _staff_page(form: StaffForm, person=None):
    refusal = _refusal(person)
    return render_template("admin/staff_form.html", form=form, person=person, action_form=ActionForm(),
                           refusal=refusal, fixed_roles={role.value for role in _fixed_roles(person)},
                           fixed_services={choice.value for choice in form.services.choices} if refusal else set(),
                           locked_until=sign_in.locked_until(person) if person else None,
                           may_manage=person is None or staff_records.may_manage(current_user, person),
                           fresh=step_up.mfa_is_fresh()), 400 if form.is_submitted() else 200


def _step_up_if_needed(form: StaffForm, person=None) -> None:
    """Giving or taking roles, changing an email address or the services of someone who may reveal identities,
    needs an MFA code given within a few minutes."""
    if staff_records.needs_step_up(person, email=form.email.data, roles=form.roles.data,
                                   service_ids=form.services.data or []):
        step_up.confirm(current_user, form.code.data)


@bp.route("/staff/new", methods=["GET", "POST"])
@requires("admin.staff")
def staff_create():
    """Add a staff member and email them an invitation."""
    form = _staff_form()

    def create():
        _step_up_if_needed(form)
        return staff_records.create(name=form.name.data, email=form.email.data, roles=form.roles.data,
                                    service_ids=form.services.data, actor=current_user)

    done, person = form_action(form, create)
    if done:
        links.send_invitation(person, actor=current_user)
        flash(f"{person.name} has been added; an invitation is on its way to {person.email}.", "success")
        return redirect(url_for("admin.staff_edit", staff_id=person.id))
    return _staff_page(form)


@bp.route("/staff/<int:staff_id>/edit", methods=["GET", "POST"])
@requires("admin.staff")
def staff_edit(staff_id: int):
    """Change a staff member's details, roles and services; manage their account."""
    person = staff_records.get_or_raise(staff_id=staff_id)
    form = _staff_form(person)

    def update():
        _step_up_if_needed(form, person)
        staff_records.update(person, name=form.name.data, email=form.email.data, roles=form.roles.data,
                             service_ids=form.services.data, actor=current_user)

    # The name in the message is the one just saved.
    if form_action(form, update, lambda _: (f"{person.name} has been saved.", "success"))[0]:
        return redirect(url_for("admin.staff_list"))
    return _staff_page(form, person)


def _account_action(staff_id: int, action, done: str):
    """Run one button action on a staff member's account, then go back to their page."""
    person = staff_records.get_or_raise(staff_id=staff_id)
    button_action(lambda: action(person), done.format(name=person.name))
    return redirect(url_for("admin.staff_edit", staff_id=person.id))


@bp.route("/staff/<int:staff_id>/invite", methods=["POST"])
@requires("admin.staff")
def staff_invite(staff_id: int):
    """Send a new invitation (the previous link stops working)."""
    return _account_action(staff_id, lambda person: links.send_invitation(person, actor=current_user),
                           "A new invitation is on its way to {name}.")


@bp.route("/staff/<int:staff_id>/active", methods=["POST"])
@requires("admin.staff")
def staff_set_active(staff_id: int):
    """Deactivate or reactivate a staff member."""
    active = request.form.get("active") == "1"
    return _account_action(
        staff_id, lambda person: staff_records.set_active(person, active=active, actor=current_user),
        "{name} can sign in again." if active else "{name} is deactivated and has been signed out.")


@bp.route("/staff/<int:staff_id>/unlock", methods=["POST"])
@requires("admin.staff")
def staff_unlock(staff_id: int):
    """Lift a sign-in lockout."""
    return _account_action(staff_id, lambda person: sign_in.unlock(person, actor=current_user),
                           "{name} can sign in again.")


@bp.route("/staff/<int:staff_id>/reset-mfa", methods=["POST"])
@requires("admin.staff")
def staff_reset_mfa(staff_id: int):
    """Remove a lost authenticator so the person enrols again."""
    return _account_action(staff_id, lambda person: authenticator.reset_mfa(person, actor=current_user),
                           "{name}'s authenticator has been removed; they will set up a new one at next sign-in.")


# --- Audit log ----------------------------------------------------------------------------

@bp.route("/audit")
@requires("audit.view")
def audit_log():
    """The audit log in sentences, newest first, filtered by person, service, kind of event and dates."""
    chosen = MultiDict([(name, value) for name, value in request.args.items(multi=True) if value.strip()])
    form = AuditFilterForm(chosen)  # an empty filter (?person=&kind=) means "any", as the form's first choice
    people, every_service = audit_log_words.everyone(), services.get_all()
    form.person.choices = [SelectChoice(0, "Anyone")] + [SelectChoice(p.id, p.name) for p in people]
    form.service.choices = [SelectChoice(0, "Any service")] + [SelectChoice(s.id, s.name) for s in every_service]
    form.kind.choices = [SelectChoice("", "Anything")] + [SelectChoice(code, label)
                                                          for code, label in audit_log_words.kinds(audit.actions())]
    if chosen and not form.validate():
        return render_template("admin/audit.html", form=form, entries=None, lines=[]), 400
    person = next((p for p in people if p.id == form.person.data), None)
    service = next((s for s in every_service if s.id == form.service.data), None)
    where = audit_log_words.conditions(person=person, service=service, first=form.first.data, last=form.last.data)
    entries = audit.get_page(page=request.args.get("page", 1, type=int), action=form.kind.data or None, where=where)
    filters = {name: value for name, value in chosen.items() if name != "page" and value != "0"}
    return render_template("admin/audit.html", form=form, entries=entries, lines=audit_log_words.lines(entries.items),
                           filters=filters)
