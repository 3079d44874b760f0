"""Sign-in (password, then MFA), enrolment, invitations, password resets and sign-out."""

import time

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_url, login_user, logout_user

from console.accounts import authenticator, links, mfa, sign_in, staff_records, step_up
from console.accounts.forms import ChangePasswordForm, CodeForm, LoginForm, ResetRequestForm, SetPasswordForm
from console.accounts.models import StaffMember
from console.errors import UserError
from console.extensions import limiter
from console.forms import ActionForm, StepUpForm, form_action
from console.links import back_to, local_path
from console.permissions import public, requires
from console.security import client_address
from console.words import counted

bp = Blueprint("auth", __name__, url_prefix="/auth")

PENDING_KEY = "pending_sign_in"
# A half-finished sign-in (password given, MFA not yet) is forgotten after this long.
PENDING_SECONDS = 600


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _rate_limited(view):
    """Limit POSTs to sign-in style forms per client address."""
    return limiter.limit(_login_limit, methods=["POST"])(view)


def _safe_next(target: str | None) -> str:
    """Only follow a 'next' address inside this console."""
    return local_path(target) or url_for("dashboard.index")


def _set_pending(staff: StaffMember, stage: str) -> None:
    session[PENDING_KEY] = {"staff_id": staff.id, "version": staff.session_version, "stage": stage,
                            "at": time.time(), "next": _safe_next(request.args.get("next"))}


def _pending(stage: str) -> StaffMember | None:
    """The person part-way through signing in at this stage, if the attempt is still fresh."""
    pending = session.get(PENDING_KEY)
    if not pending or pending.get("stage") != stage or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    staff = staff_records.get(staff_id=pending["staff_id"])
    if staff is None or not staff.active or staff.session_version != pending["version"]:
        return None
    return staff


def _sign_in(staff: StaffMember, *, with_mfa: bool, next_url: str | None = None) -> str:
    """Start a fresh session for a fully authenticated person; returns where to go next."""
    next_url = next_url or (session.get(PENDING_KEY) or {}).get("next") or url_for("dashboard.index")
    session.clear()  # a new session for a new identity: nothing carries over
    session[sign_in.SESSION_KEY] = sign_in.complete_sign_in(staff, address=client_address())
    login_user(staff)
    session.permanent = True
    if with_mfa:
        step_up.mark_fresh()
    return next_url


def ask_to_sign_in():
    """Where a page that needs signing in sends someone who is not (flask-login's unauthorized handler): to the
    sign-in page, then back to the page they were on (for a form sent, the page it was sent from). A sign-in that
    reached its limit says so, and a form sent then is said not to be saved (the moderator must not believe a
    decision went through)."""
    sent = request.method not in ("GET", "HEAD")
    if sign_in.sign_in_expired(session.get(sign_in.SESSION_KEY)):
        flash(f"You were signed in for {counted(current_app.config['SESSION_MAX_HOURS'], 'hour')}: sign in again."
              + (" What you had just sent was not saved: do it again once you are signed in." if sent else ""),
              "info")
    elif sent:
        flash("Please sign in: what you had just sent was not saved, so do it again once you are signed in.", "info")
    else:
        flash("Please sign in to see that page.", "info")
    here = back_to(request.referrer, url_for("dashboard.index")) if sent else request.url
    return redirect(login_url("auth.login", next_url=here))


def _after_password(staff: StaffMember):
    if staff.mfa_enabled:
        _set_pending(staff, "mfa")
        return redirect(url_for("auth.mfa_challenge"))
    if staff.mfa_required:
        _set_pending(staff, "enrol")
        flash("Your role needs multi-factor authentication. Set up an authenticator app to finish signing in.", "info")
        return redirect(url_for("auth.mfa_setup"))
    return redirect(_sign_in(staff, with_mfa=False, next_url=_safe_next(request.args.get("next"))))


@bp.route("/login", methods=["GET", "POST"])
@public
@_rate_limited
def login():
    """Step one of signing in: email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            staff = sign_in.check_password(email=form.email.data, password=form.password.data,
                                           address=client_address())
        except UserError as failure:
            error = failure.message
        else:
            return _after_password(staff)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form, error=error), status


@bp.route("/mfa", methods=["GET", "POST"])
@public
@_rate_limited
def mfa_challenge():
    """Step two of signing in: a code from the authenticator app or a recovery code."""
    staff = _pending("mfa")
    if staff is None:
        flash("Your sign-in took too long or was not started. Please sign in again.", "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            sign_in.check_second_factor(staff, form.code.data, address=client_address())
        except UserError as failure:
            error = failure.message
        else:
            return redirect(_sign_in(staff, with_mfa=True))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/mfa_challenge.html", form=form, error=error), status


def _enrolling_person() -> StaffMember | None:
    if current_user.is_authenticated:
        return current_user
    return _pending("enrol")


@bp.route("/mfa/setup", methods=["GET", "POST"])
@public
@_rate_limited
def mfa_setup():
    """Enrol an authenticator app: scan the QR code, prove it with a code, keep the recovery codes."""
    staff = _enrolling_person()
    if staff is None:
        flash("Please sign in first.", "error")
        return redirect(url_for("auth.login"))
    if current_user.is_authenticated and staff.mfa_enabled:
        flash("Multi-factor authentication is already set up.", "info")
        return redirect(url_for("auth.account"))
    secret = session.setdefault("enrol_secret", mfa.new_secret())
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            codes = authenticator.enable_mfa(staff, secret=secret, code=form.code.data)
        except UserError as failure:
            error = failure.message
        else:
            session.pop("enrol_secret", None)
            if current_user.is_authenticated:
                step_up.mark_fresh()
                next_url = url_for("auth.account")
            else:
                next_url = _sign_in(staff, with_mfa=True)
            return render_template("accounts/recovery_codes.html", codes=codes, next_url=next_url)
    uri = mfa.provisioning_uri(secret, staff.email)
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/mfa_setup.html", form=form, error=error, secret_grouped=mfa.grouped(secret),
                           qr=mfa.qr_data_uri(uri)), status


@bp.route("/account")
@requires("account.self")
def account():
    """The person's own security settings."""
    return _account_page()


@bp.route("/password", methods=["POST"])
@requires("account.self")
def change_password():
    """Change one's own password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            links.change_password(current_user, current=form.current.data, new=form.password.data,
                                  keep_session=session.get(sign_in.SESSION_KEY))
        except links.PasswordError as failure:
            getattr(form, failure.field).errors.append(failure.message)
        else:
            login_user(current_user._get_current_object())  # stay signed in under the new session version
            flash("Your password has been changed. Other devices have been signed out.", "success")
            return redirect(url_for("auth.account"))
    return _account_page(400, form)


def _account_page(status: int = 200, password_form: ChangePasswordForm | None = None):
    return render_template("accounts/account.html", password_form=password_form or ChangePasswordForm(),
                           step_up_form=StepUpForm(), fresh=step_up.mfa_is_fresh(),
                           remaining_codes=authenticator.remaining_recovery_codes(current_user)), status


@bp.route("/mfa/recovery-codes", methods=["POST"])
@requires("account.self")
def regenerate_recovery_codes():
    """Replace the recovery codes and show the new ones once (after a fresh MFA code)."""
    form = StepUpForm()
    done, codes = form_action(form, step_up.confirmed(
        form, lambda: authenticator.regenerate_recovery_codes(current_user)))
    if not done:
        return redirect(url_for("auth.account"))
    return render_template("accounts/recovery_codes.html", codes=codes, next_url=url_for("auth.account"))


@bp.route("/mfa/disable", methods=["POST"])
@requires("account.self")
def disable_mfa():
    """Turn MFA off, where the person's roles allow it (after a fresh MFA code)."""
    form = StepUpForm()
    form_action(form, step_up.confirmed(form, lambda: authenticator.disable_mfa(current_user)),
                "Multi-factor authentication is turned off.")
    return redirect(url_for("auth.account"))


@bp.route("/logout", methods=["POST"])
@public
def logout():
    """Sign out of this browser."""
    if ActionForm().validate_on_submit():
        sign_in.end_session(session.get(sign_in.SESSION_KEY))
        logout_user()
        session.clear()
        flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/logout-everywhere", methods=["POST"])
@requires("account.self")
def logout_everywhere():
    """Sign out of every device, this one included."""
    if ActionForm().validate_on_submit():
        sign_in.sign_out_everywhere(current_user)
        logout_user()
        session.clear()
        flash("You have been signed out on every device.", "success")
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.account"))


def _link_problem(message: str):
    return render_template("accounts/link_problem.html", message=message), 400


def _set_password_page(token: str, *, purpose: str):
    """Shared by invitation and reset links: check the link, then let the person choose a password."""
    try:
        staff = links.token_owner(token, purpose=purpose)
    except UserError as failure:
        return _link_problem(failure.message)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            staff = links.set_password_with_token(token, purpose=purpose, password=form.password.data)
        except links.PasswordError as failure:
            form.password.errors.append(failure.message)
        except UserError as failure:
            return _link_problem(failure.message)
        else:
            flash("Your password is saved. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/set_password.html", form=form, staff=staff, purpose=purpose), status


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@_rate_limited
def accept_invite(token: str):
    """Accept an invitation by choosing a password."""
    return _set_password_page(token, purpose="invite")


# Every reset request is answered after at least this long, whether or not the address has an account, so the
# time taken tells nothing either.
RESET_ANSWER_SECONDS = 0.25


@bp.route("/reset", methods=["GET", "POST"])
@public
@_rate_limited
def request_reset():
    """Ask for a password reset link by email."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        started = time.monotonic()
        links.request_password_reset(form.email.data)
        time.sleep(max(0.0, RESET_ANSWER_SECONDS - (time.monotonic() - started)))
        minutes = current_app.config["RESET_VALID_MINUTES"]
        flash(f"If an account uses that address, we have emailed it a reset link. "
              f"The link works once, for {minutes} minutes.", "success")
        return redirect(url_for("auth.login"))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
@_rate_limited
def reset_password(token: str):
    """Choose a new password from a reset link."""
    return _set_password_page(token, purpose="reset")
