"""Sign-in, MFA and password forms."""

from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from console.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from console.forms import ConsoleForm

EMAIL_FIELD = dict(validators=[DataRequired("Enter your email address."), Length(max=254),
                               Email("Enter an email address like name@nhs.net.")])


class LoginForm(ConsoleForm):
    """Email and password."""

    email = EmailField("Email address", render_kw={"autocomplete": "username"}, **EMAIL_FIELD)
    password = PasswordField("Password", validators=[DataRequired("Enter your password."), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Sign in")


class CodeForm(ConsoleForm):
    """A code from the authenticator app, or a recovery code."""

    code = StringField("Code", validators=[DataRequired("Enter the code."),
                                           Length(max=32, message="That code is too long.")],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"})
    submit = SubmitField("Continue")


def _new_password_fields(label: str):
    password = PasswordField(label, validators=[
        DataRequired("Enter a password."),
        Length(min=MIN_LENGTH, max=MAX_LENGTH, message=f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."),
    ], render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Type it again", validators=[
        DataRequired("Type the password again."), EqualTo("password", "The two passwords are not the same."),
    ], render_kw={"autocomplete": "new-password"})
    return password, confirm


class SetPasswordForm(ConsoleForm):
    """Choose a password from an invitation or reset link."""

    password, confirm = _new_password_fields("New password")
    submit = SubmitField("Save password")


class ChangePasswordForm(ConsoleForm):
    """Change a password while signed in."""

    current = PasswordField("Current password", validators=[DataRequired("Enter your current password."),
                                                             Length(max=MAX_LENGTH)],
                            render_kw={"autocomplete": "current-password"})
    password, confirm = _new_password_fields("New password")
    submit = SubmitField("Change password")


class ResetRequestForm(ConsoleForm):
    """Ask for a password reset link."""

    email = EmailField("Email address", render_kw={"autocomplete": "username"}, **EMAIL_FIELD)
    submit = SubmitField("Send reset link")
