"""Rota pages for the people who make rotas: standards, solver runs, drafts, approval, publishing and swaps to
approve. What a person sees of their own shifts is in mine_routes.py."""

import json
from collections.abc import Callable
from datetime import date, timedelta

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from console.accounts.teams import services_managed_by
from console.database import local_today
from console.errors import UserError
from console.forms import ActionForm, button_action, form_action, rearranged
from console.permissions import requires
from console.rotas import cover, editing, flows, pages, publishing, standards, swaps, versions
from console.rotas import problem as problems
from console.rotas.forms import (
    GenerateForm,
    GoAheadForm,
    ImportForm,
    OverrideForm,
    ShiftForm,
    StandardForm,
    minutes_of,
    standard_form_data,
)
from console.rotas.models import RotaRun, RunStatus
from console.words import clock
from rota.scenario import problem_to_dict, rota_to_dict

bp = Blueprint("rotas", __name__, url_prefix="/rota")

MAX_IMPORT_BYTES = 200 * 1024


def _next_monday(today: date) -> date:
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def _period_forms() -> tuple[GenerateForm, ImportForm]:
    managed = services_managed_by(current_user)
    choices = [SelectChoice(service.id, service.name) for service in managed]
    generate, upload = GenerateForm(prefix="generate"), ImportForm(prefix="import")
    for form in (generate, upload):
        form.services.choices = choices
        if not form.is_submitted():
            form.start.data = _next_monday(local_today())
    return generate, upload


def _chosen_services(ids: list[int]):
    wanted = set(ids)
    return [service for service in services_managed_by(current_user) if service.id in wanted]


def _index_page(generate: GenerateForm, upload: ImportForm, status: int = 200):
    managed = services_managed_by(current_user)
    return render_template("rotas/index.html", cover=cover.published_cover(managed, local_today()),
                           drafts=versions.drafts(managed), runs=flows.latest_runs(managed), generate=generate,
                           upload=upload, aim_weeks=cover.AIM_WEEKS, swaps=swaps.waiting_for_managers(current_user),
                           describe=swaps.describe, run_status_words=flows.STATUS_WORDS), status


@bp.route("/")
@requires("rota.manage")
def index():
    """Published cover per service, drafts waiting, recent runs, and the forms to make or import a draft."""
    return _index_page(*_period_forms())


@bp.route("/generate", methods=["POST"])
@requires("rota.manage")
def generate():
    """Queue a solver run; the page then follows its progress."""
    form, upload = _period_forms()
    done, run = form_action(form, lambda: flows.start_run(
        current_user, services=_chosen_services(form.services.data), start=form.start.data, weeks=form.weeks.data,
        seconds=form.seconds.data))
    if done:
        return redirect(url_for("rotas.run", run_id=run.id))
    return _index_page(form, upload, 400)


@bp.route("/import", methods=["POST"])
@requires("rota.manage")
def import_rota():
    """Make a draft from an uploaded modrota-solution/1 file."""
    generate_form, form = _period_forms()

    def import_file():
        raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
        if len(raw) > MAX_IMPORT_BYTES:
            raise UserError(f"The file is larger than {MAX_IMPORT_BYTES // 1024} KiB.")
        try:
            data = json.loads(raw)
        except ValueError as error:  # not UTF-8, not JSON, or a number of more than 4,300 digits
            raise UserError(f"The file is not valid JSON: {error}.") from error
        except RecursionError as error:
            raise UserError("The file is nested too deeply to be a rota.") from error
        return editing.import_solution(current_user, services=_chosen_services(form.services.data),
                                       start=form.start.data, weeks=form.weeks.data, data=data)

    done, version = form_action(form, import_file,
                                "The file is imported as a draft. Check what it breaks below before approving it.")
    if done:
        return redirect(url_for("rotas.version", version_id=version.id))
    return _index_page(generate_form, form, 400)


@bp.route("/standards/<int:service_id>", methods=["GET", "POST"])
@requires("rota.manage")
def standard(service_id: int):
    """A service's coverage standard: presence segments, moderation checks, and how swaps are approved."""
    service = standards.managed_service_or_raise(current_user, service_id=service_id)
    current, is_default, auto_swaps = standards.current(service)
    form = StandardForm() if request.method == "POST" else StandardForm(data=standard_form_data(current, auto_swaps))
    changed = rearranged(form, "segments")
    if changed is not None:
        form, said = changed
        return render_template("rotas/standard.html", service=service, form=form, is_default=is_default, said=said)

    def save():
        standards.save(service, form.to_standard(service.slug, service.name, service.risk_tier),
                       auto_approve_swaps=form.auto_approve_swaps.data)

    if form_action(form, save, f"The standard for {service.name} is saved. Rotas made from now on use it.")[0]:
        return redirect(url_for("rotas.standard", service_id=service.id))
    return render_template("rotas/standard.html", service=service, form=form, is_default=is_default), \
        400 if form.is_submitted() else 200


@bp.route("/standards/<int:service_id>/reset", methods=["POST"])
@requires("rota.manage")
def standard_reset(service_id: int):
    """Go back to the risk tier's default standard."""
    service = standards.managed_service_or_raise(current_user, service_id=service_id)
    button_action(lambda: standards.reset(service), f"{service.name} is back on its tier's default standard.")
    return redirect(url_for("rotas.standard", service_id=service.id))


def _run_state(run: RotaRun) -> dict:
    return {"status": run.status, "status_words": flows.STATUS_WORDS[RunStatus(run.status)],
            "progress": round(run.progress, 3), "best": flows.progress_words(run.best_score), "message": run.message,
            "version_url": url_for("rotas.version", version_id=run.version_id) if run.version_id else None}


@bp.route("/runs/<int:run_id>")
@requires("rota.manage")
def run(run_id: int):
    """A run's progress: refreshed by a small script, or by reloading the page without one."""
    flows.refresh_stale_runs()
    run = flows.get_or_raise(current_user, run_id=run_id)
    return render_template("rotas/run.html", run=run, state=_run_state(run))


@bp.route("/runs/<int:run_id>/status")
@requires("rota.manage")
def run_status(run_id: int):
    """A run's progress as JSON, for the progress bar."""
    flows.refresh_stale_runs()
    return jsonify(_run_state(flows.get_or_raise(current_user, run_id=run_id)))


@bp.route("/runs/<int:run_id>/cancel", methods=["POST"])
@requires("rota.manage")
def run_cancel(run_id: int):
    """Stop a run; a running one keeps the best rota found so far as a draft."""
    run = flows.get_or_raise(current_user, run_id=run_id)
    button_action(lambda: flows.cancel(run), "The run is being stopped.")
    return redirect(url_for("rotas.run", run_id=run.id))


@bp.route("/runs/<int:run_id>/retry", methods=["POST"])
@requires("rota.manage")
def run_retry(run_id: int):
    """Run a failed or cancelled run again."""
    run = flows.get_or_raise(current_user, run_id=run_id)
    again = button_action(lambda: flows.retry(current_user, run))
    return redirect(url_for("rotas.run", run_id=(again or run).id))


def _shift_form(version, problem=None, *, day: date | None = None, person: int | None = None,
                service: int | None = None) -> ShiftForm:
    """The add-shift form; its people come from the draft's problem when the page has one already. A new form
    starts on the day, person and service the manager is looking at."""
    form = ShiftForm()
    people = sorted((int(p.id), p.name, p.role) for p in problem.staff.values()) if problem else \
        [(p.id, p.name, problems.engine_role(p)) for p in problems.rostered_staff(version.services)]
    form.staff.choices = [SelectChoice(staff_id, f"{name} ({problems.ROLE_NAMES[role]})")
                          for staff_id, name, role in sorted(people, key=lambda p: p[1])]
    form.service.choices = [SelectChoice(service.id, service.name) for service in version.services]
    if not form.is_submitted():
        form.day.data = day or version.start_date
        form.staff.data, form.service.data = person, service
    return form


def _version_page(version, form: ShiftForm | None = None, status: int = 200):
    page = pages.draft_page(version, current_user, request.args, local_today())
    form = form or _shift_form(version, page.review.problem, day=page.days[0], person=page.view.person,
                               service=page.chosen_service_id)
    return render_template("rotas/version.html", page=page, version=version, form=form,
                           override_form=OverrideForm(), go_ahead_form=GoAheadForm()), status


@bp.route("/versions/<int:version_id>")
@requires("rota.manage")
def version(version_id: int):
    """A rota as a grid of people by days, its uncovered windows and broken rules, and what changes."""
    return _version_page(versions.get_or_raise(current_user, version_id=version_id))


@bp.route("/versions/<int:version_id>/shifts", methods=["POST"])
@requires("rota.manage")
def shift_add(version_id: int):
    """Add a shift by hand; the page then shows what the draft breaks."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    form = _shift_form(version)
    if _edited(form, lambda: editing.add_shift(version, **_shift_fields(form))):
        return redirect(url_for("rotas.version", version_id=version.id))
    return _version_page(version, form, 400)


def _shift_fields(form: ShiftForm) -> dict:
    return dict(staff_id=form.staff.data, service_id=form.service.data, day=form.day.data,
                start=minutes_of(form.start.data), end=minutes_of(form.end.data), kind=form.kind.data)


def _edited(form: ShiftForm, edit: Callable[[], editing.Edit]) -> bool:
    """Validate a shift form and make the edit; True when made (what changed and what it breaks is flashed)."""
    return form_action(form, edit, lambda made: (made.message, "warning" if made.breaks else "success"))[0]


@bp.route("/versions/<int:version_id>/shifts/<int:shift_id>/edit", methods=["GET", "POST"])
@requires("rota.manage")
def shift_edit(version_id: int, shift_id: int):
    """Move a shift to another person, day or time; checked at once."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    shift = editing.shift_of(version, shift_id=shift_id)
    form = _shift_form(version)
    if request.method == "GET":
        form.process(data={"staff": shift.staff_id, "service": shift.service_id, "kind": shift.kind, "day": shift.day,
                           "start": clock(shift.start_minute), "end": clock(shift.end_minute)})
    elif _edited(form, lambda: editing.move_shift(version, shift_id=shift.id, **_shift_fields(form))):
        return redirect(url_for("rotas.version", version_id=version.id))
    return render_template("rotas/shift_edit.html", version=version, shift=shift, form=form), \
        400 if form.is_submitted() else 200


@bp.route("/versions/<int:version_id>/overrides", methods=["POST"])
@requires("rota.manage")
def rule_override(version_id: int):
    """Accept a broken contract limit of a draft, with the reason on record."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    form = OverrideForm()
    done, _ = form_action(form, lambda: editing.override(version, current_user, message=form.message.data,
                                                         reason=form.reason.data),
                          "The broken rule is accepted, with your reason on record.")
    if not done and form.errors:  # not valid (when it was, form_action has said why it could not be done)
        flash(" ".join(sum(form.errors.values(), [])), "error")
    return redirect(url_for("rotas.version", version_id=version.id) + "#rules")


@bp.route("/versions/<int:version_id>/shifts/<int:shift_id>/remove", methods=["POST"])
@requires("rota.manage")
def shift_remove(version_id: int, shift_id: int):
    """Take a shift out of a draft."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    form_action(ActionForm(), lambda: editing.remove_shift(version, shift_id=shift_id),
                lambda made: (made.message, "warning" if made.breaks else "success"))
    return redirect(url_for("rotas.version", version_id=version.id))


@bp.route("/versions/<int:version_id>/again", methods=["POST"])
@requires("rota.manage")
def version_again(version_id: int):
    """Make a draft again for the same services and weeks, around what is published now; the page then follows the
    new run."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    done, run = form_action(ActionForm(), lambda: flows.make_again(current_user, version))
    return redirect(url_for("rotas.run", run_id=run.id) if done else url_for("rotas.version", version_id=version.id))


def _version_action(version_id: int, action, done: str, form=None):
    version = versions.get_or_raise(current_user, version_id=version_id)
    form_action(form or ActionForm(), lambda: action(version), done)
    return redirect(url_for("rotas.version", version_id=version.id))


@bp.route("/versions/<int:version_id>/approve", methods=["POST"])
@requires("rota.approve")
def version_approve(version_id: int):
    """A second person approves a draft (with a reason when it leaves part of its standard uncovered)."""
    form = GoAheadForm()
    return _version_action(version_id, lambda v: publishing.approve(v, current_user, reason=form.reason.data or ""),
                           "The rota is approved.", form)


@bp.route("/versions/<int:version_id>/publish", methods=["POST"])
@requires("rota.publish")
def version_publish(version_id: int):
    """Publish an approved rota (with a reason when it leaves part of its standard uncovered) and tell the people
    whose shifts changed."""
    form = GoAheadForm()
    return _version_action(version_id, lambda v: publishing.publish(v, current_user, reason=form.reason.data or ""),
                           "The rota is published. People whose shifts changed have been emailed.", form)


@bp.route("/versions/<int:version_id>/discard", methods=["POST"])
@requires("rota.manage")
def version_discard(version_id: int):
    """Throw a draft away."""
    return _version_action(version_id, publishing.discard, "The draft is discarded.")


def _json_download(data: dict, filename: str) -> Response:
    return Response(json.dumps(data, indent=1) + "\n", mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/versions/<int:version_id>/rota.json")
@requires("rota.manage")
def version_export(version_id: int):
    """The rota as a modrota-solution/1 file."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    review = versions.review(version)
    return _json_download(rota_to_dict(review.rota, review.problem), f"rota-{version.id}.json")


@bp.route("/versions/<int:version_id>/scenario.json")
@requires("rota.manage")
def scenario_export(version_id: int):
    """The rota's problem (standards, staff, contracts, availability, leave) as a modrota/1 scenario."""
    version = versions.get_or_raise(current_user, version_id=version_id)
    return _json_download(problem_to_dict(versions.review(version).problem), f"scenario-{version.id}.json")


# --- Swaps a manager approves ------------------------------------------------------------------

@bp.route("/swaps/<int:request_id>/approve", methods=["POST"])
@requires("rota.manage")
def swap_approve(request_id: int):
    """Approve an agreed swap: checked again, then published."""
    button_action(lambda: swaps.decide(current_user, request_id=request_id, approve=True),
                  "Swap approved and published; both people have been emailed.")
    return redirect(url_for("rotas.index"))


@bp.route("/swaps/<int:request_id>/refuse", methods=["POST"])
@requires("rota.manage")
def swap_refuse(request_id: int):
    """Refuse an agreed swap."""
    button_action(lambda: swaps.decide(current_user, request_id=request_id, approve=False),
                  "Swap refused; both people have been emailed.")
    return redirect(url_for("rotas.index"))
