"""Escalation pages: cases and their checklists, clinical notes, revealing identities, plans, subject rights."""

from flask import Blueprint, Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console.accounts import step_up
from console.database import local_today, utcnow
from console.errors import UserError
from console.forms import StepUpForm, form_action, rearranged
from console.links import back_to
from console.permissions import requires
from console.queue import escalating
from console.queue import service as queue
from console.services import service as services
from escalation_pathways import checklists, flows, pages
from escalation_pathways import service as escalations
from escalation_pathways.forms import (
    CloseForm,
    IdentityForm,
    NoteForm,
    OpenCaseForm,
    PlanForm,
    RevealForm,
    ReviewForm,
    SkipForm,
    StepForm,
    SubjectForm,
)
from escalation_pathways.vault import FIELD_NAMES, InvalidIdentity, VaultUnavailable
from escalation_pathways.vault import get as get_vault

bp = Blueprint("escalation", __name__, url_prefix="/escalation", template_folder="templates")


@bp.errorhandler(VaultUnavailable)
def vault_unavailable(_error) -> tuple[str, int]:
    """The vault cannot be reached: say so plainly; everything outside the vault still works."""
    return render_template("escalation/vault_unavailable.html"), 503


def _no_store(body: str, status: int = 200) -> Response:
    """A page showing PID: never cached anywhere."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _flash_errors(form) -> None:
    """A small form's field errors as one message, for a page the route redirects back to."""
    if form.errors:
        flash(" ".join(error for errors in form.errors.values() for error in errors), "error")


def _service_choices(form) -> None:
    form.service_id.choices = [SelectChoice(s.id, s.name) for s in services.visible_to(current_user)]


@bp.route("/")
@requires("case.work")
def index():
    """Open (or closed) cases of the person's services, what waits for a second clinician, and a form to open one."""
    state = "closed" if request.args.get("state") == "closed" else "open"
    form = OpenCaseForm()
    _service_choices(form)
    now = utcnow()
    overdue = {case.id: late for case, late in escalations.overdue_cases(current_user, now=now)}
    return render_template("escalation/index.html", cases=escalations.cases_of(current_user, state=state),
                           state=state, form=form, overdue=overdue, waiting=flows.waiting_for(current_user),
                           reviews=flows.reviews_due(current_user), now=now)


@bp.route("/trust")
@requires("case.oversee")
def trust_cases():
    """Every open case of the trust: service, how long open, the step it waits for, who works it (no one named)."""
    return render_template("escalation/trust.html", cases=pages.trust_open_cases(current_user, now=utcnow()))


@bp.route("/cases", methods=["POST"])
@requires("case.work")
def open_case():
    """Open a case by hand."""
    form = OpenCaseForm()
    _service_choices(form)
    done, case = form_action(form, lambda: escalations.open_case(
        current_user, service_id=form.service_id.data, pseudonym=form.pseudonym.data, reason=form.reason.data),
        "Case opened.")
    if done:
        return redirect(url_for("escalation.case", case_id=case.id))
    _flash_errors(form)
    return redirect(url_for("escalation.index"))


def _case_page(case_id: int, **forms) -> str:
    case = escalations.case_or_raise(current_user, case_id=case_id)
    clinical = current_user.can("case.clinical")
    now = utcnow()
    return render_template(
        "escalation/case.html", case=case, clinical=clinical, now=now,
        steps=escalations.checklist(case, current_user, now=now),
        thread=queue.thread_of(case.post) if case.post else [],
        notes=escalations.notes_of(case) if clinical else [],
        requests=flows.requests_of(case) if current_user.can("pid.reveal") else [],
        trail=(trail := flows.access_trail(case) if current_user.can("pid.reveal") else []),
        names=flows.names_in(trail),
        missing=escalations.missing_steps(case),
        note_form=forms.get("note_form") or NoteForm(), close_form=forms.get("close_form") or CloseForm(),
        reveal_form=forms.get("reveal_form") or RevealForm(), code_form=StepUpForm(),
        review_form=ReviewForm(), step_form=StepForm(), skip_form=SkipForm(), fresh=step_up.mfa_is_fresh(),
        reveal_failed="reveal_form" in forms)


@bp.route("/cases/<int:case_id>")
@requires("case.work")
def case(case_id: int):
    """A case: the post and thread, the checklist, notes and reveals (clinical staff)."""
    return _case_page(case_id)


@bp.route("/cases/<int:case_id>/steps/<key>", methods=["POST"])
@requires("case.work")
def complete_step(case_id: int, key: str):
    """Record a step as done."""
    form = StepForm()
    form_action(form, lambda: escalations.complete_step(current_user, case_id=case_id, key=key,
                                                        evidence=form.evidence.data), "Step recorded.")
    return redirect(url_for("escalation.case", case_id=case_id, _anchor=f"step-{key}"))


@bp.route("/cases/<int:case_id>/steps/<key>/skip", methods=["POST"])
@requires("case.clinical")
def skip_step(case_id: int, key: str):
    """Skip a step with a reason."""
    form = SkipForm()
    done, _ = form_action(form, lambda: escalations.skip_step(current_user, case_id=case_id, key=key,
                                                              reason=form.reason.data), "Step skipped.")
    if not done:
        _flash_errors(form)
    return redirect(url_for("escalation.case", case_id=case_id, _anchor=f"step-{key}"))


@bp.route("/cases/<int:case_id>/notes", methods=["POST"])
@requires("case.clinical")
def add_note(case_id: int):
    """Add a clinical note."""
    form = NoteForm()
    done, _ = form_action(form, lambda: escalations.add_note(current_user, case_id=case_id, body=form.body.data),
                          "Note added.")
    if done:
        return redirect(url_for("escalation.case", case_id=case_id, _anchor="notes"))
    return _case_page(case_id, note_form=form), 400


@bp.route("/cases/<int:case_id>/close", methods=["POST"])
@requires("case.clinical")
def close_case(case_id: int):
    """Close a case."""
    form = CloseForm()
    done, _ = form_action(form, lambda: escalations.close_case(current_user, case_id=case_id,
                                                               summary=form.summary.data), "Case closed.")
    if done:
        return redirect(url_for("escalation.case", case_id=case_id))
    return _case_page(case_id, close_form=form), 400


def _identity_page(request_, identity, form=None, status: int = 200, *, editing: bool = False) -> Response:
    """The identity (when read or just saved), shown once: as details to read, or as the form to correct them."""
    form = form or IdentityForm(formdata=None, data=identity.as_typed() if identity else {})
    details = identity.shown(today=local_today()) if identity else []
    return _no_store(render_template("escalation/identity.html", reveal=request_, case=request_.case,
                                     identity=identity, details=details, form=form, editing=editing,
                                     code_form=StepUpForm(),
                                     fresh=step_up.mfa_is_fresh()), status)


@bp.route("/cases/<int:case_id>/reveal", methods=["POST"])
@requires("pid.reveal")
def reveal(case_id: int):
    """Ask to see who the case's pseudonym is; shown at once unless a second clinician must approve."""
    form = RevealForm()
    done, asked = form_action(form, step_up.confirmed(form, lambda: flows.request_reveal(
        current_user, case_id=case_id, justification=form.justification.data, emergency=form.emergency.data)))
    if not done:
        return _case_page(case_id, reveal_form=form), 400
    if asked.state == "pending":
        flash("Your request waits for a second clinician; you will be able to open the identity once they approve.",
              "info")
        return redirect(url_for("escalation.case", case_id=case_id, _anchor="reveal"))
    return _identity_page(*flows.reveal(current_user, request_id=asked.id))


@bp.route("/reveals/<int:request_id>/open", methods=["POST"])
@requires("pid.reveal")
def open_identity(request_id: int):
    """Open the identity of an approved request."""
    form = StepUpForm()
    done, shown = form_action(form, step_up.confirmed(form, lambda: flows.reveal(current_user, request_id=request_id)))
    if not done:
        return redirect(back_to(request.referrer, url_for("escalation.index")))
    return _identity_page(*shown, editing=request.form.get("edit") == "1")


@bp.route("/reveals/<int:request_id>/identity", methods=["POST"])
@requires("pid.reveal")
def save_identity(request_id: int):
    """Record or correct the identity behind a pseudonym."""
    form = IdentityForm()
    saved = None
    if form.validate_on_submit():
        try:
            step_up.confirm(current_user, form.code.data)
            saved = flows.save_identity(current_user, request_id=request_id,
                                        fields={name: form[name].data for name in FIELD_NAMES})
        except InvalidIdentity as invalid:
            for name, message in invalid.errors.items():
                form[name].errors = [*form[name].errors, message]
        except UserError as failure:
            flash(failure.message, "error")
        else:
            flash("Identity saved in the vault.", "success")
    # What was typed stays in the form when it cannot be saved; nothing is read from the vault again.
    return _identity_page(flows.usable_request(current_user, request_id), saved,
                          None if saved else form, 200 if saved else 400)


@bp.route("/reveals/<int:request_id>/approve", methods=["POST"])
@requires("pid.reveal")
def approve_reveal(request_id: int):
    """A second clinician approves a waiting reveal."""
    form = StepUpForm()
    form_action(form, step_up.confirmed(form, lambda: flows.decide(current_user, request_id=request_id, approve=True)),
                "Approved: the clinician who asked can now open the identity.")
    return redirect(back_to(request.referrer, url_for("escalation.index")))


@bp.route("/reveals/<int:request_id>/refuse", methods=["POST"])
@requires("pid.reveal")
def refuse_reveal(request_id: int):
    """A second clinician refuses a waiting reveal."""
    form_action(StepUpForm(), lambda: flows.decide(current_user, request_id=request_id, approve=False),
                "Refused.")
    return redirect(back_to(request.referrer, url_for("escalation.index")))


@bp.route("/reveals/<int:request_id>/review", methods=["POST"])
@requires("pid.reveal")
def review_reveal(request_id: int):
    """A second clinician reviews a reveal made without one's approval (break glass, or direct)."""
    form = ReviewForm()
    done, _ = form_action(form, lambda: flows.review_reveal(current_user, request_id=request_id,
                                                            note=form.note.data), "Review recorded.")
    if not done:
        _flash_errors(form)
    return redirect(back_to(request.referrer, url_for("escalation.index")))


def _plan_page(service, form: PlanForm, version: int, status: int = 200, *, said: str | None = None):
    """The plan editor, with what the person may change of the two-person rule and, while it is off, who switched it
    off, when and why."""
    rule_on = escalations.plan_steps(service)[1]
    return render_template("escalation/plan.html", service=service, form=form, version=version, rule_on=rule_on,
                           may_change_rule=escalations.may_change_two_person_rule(current_user, now_on=rule_on),
                           may_allow_direct=current_user.can("escalation.direct_reveal"),
                           decision=escalations.direct_reveal_decision(service), said=said), status


def _plan_form(service) -> tuple[PlanForm, int]:
    """The plan editor, filled with the plan in force on GET; and that plan's version."""
    steps, two_person, version = escalations.plan_steps(service)
    if request.method != "GET":
        return PlanForm(), version
    decision = escalations.direct_reveal_decision(service)
    return PlanForm(data={"two_person_reveal": two_person,
                          "direct_reveal_reason": decision.direct_reveal_reason if decision else "",
                          "steps": [{**step, "choices": "; ".join(step["choices"])} for step in steps]}), version


@bp.route("/plans/<slug>", methods=["GET", "POST"])
@requires("escalation.plans")
def plan(slug: str):
    """A service's escalation plan: edit its steps; saving makes a new version."""
    service = services.get_visible_or_raise(current_user, slug=slug)
    form, version = _plan_form(service)
    changed = rearranged(form, "steps")
    if changed is not None:
        form, said = changed
        return _plan_page(service, form, version, said=said)

    def save():
        # A disabled box sends nothing: for those who may not change the rule, it stays as it is.
        two_person = escalations.plan_steps(service)[1]
        if escalations.may_change_two_person_rule(current_user, now_on=two_person):
            two_person = form.two_person_reveal.data
        return escalations.save_plan(service, steps=checklists.steps_from_rows(form.steps.data),
                                     two_person_reveal=two_person, actor=current_user,
                                     direct_reveal_reason=form.direct_reveal_reason.data or "")

    done, saved = form_action(form, save, lambda p: (f"Saved as version {p.version}. Open cases keep their "
                                                     "version; new cases use this one.", "success"))
    if done:
        return redirect(url_for("escalation.plan", slug=slug))
    return _plan_page(service, form, version, 400 if form.is_submitted() else 200)


@bp.route("/subjects", methods=["GET", "POST"])
@requires("pid.subject_rights")
def subjects():
    """Subject rights: export everything held about a pseudonym, or erase its identity."""
    form = SubjectForm()
    _service_choices(form)

    def carry_out():
        arguments = {"service_id": form.service_id.data, "pseudonym": form.pseudonym.data,
                     "reason": form.reason.data}
        if form.erase.data:
            return flows.erase_subject(current_user, **arguments, confirmed=form.confirm_erase.data)
        return flows.export_subject(current_user, **arguments)

    done, outcome = form_action(form, step_up.confirmed(form, carry_out))
    if done and form.erase.data:
        flash("Identity erased; the erasure is in the vault's audit trail." if outcome else
              "The vault held no identity for that pseudonym; the request is recorded in the audit trail.", "success")
        return redirect(url_for("escalation.subjects"))
    if done:
        name, body = outcome
        response = _no_store(body)
        response.headers["Content-Type"] = "application/json"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render_template("escalation/subjects.html", form=form,
                           vault_up=get_vault().is_available()), 400 if form.is_submitted() else 200


def init_app(app) -> None:
    """Give the queue its way to escalation: an item's case, its author's open cases, escalating an item."""
    escalating.register(app, escalating.Escalations(case_for_post=escalations.case_for_post,
                                                    open_cases_for=escalations.open_cases_for,
                                                    escalate_item=escalations.escalate_item))
