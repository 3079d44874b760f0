"""Command-line tasks: `flask --app wsgi demo ...`, `... accounts ...` and `... platform receiver`."""

import click
import pyotp
from flask import Flask
from flask.cli import AppGroup

from console import demo
from console.accounts import links, staff_records
from console.errors import UserError
from console.extensions import db
from console.notifications import service as outbox
from console.platform import receiver
from console.platform import service as platform
from console.queue.cli import risk_model_cli
from console.services import service as services
from console.permissions import MFA_REQUIRED_ROLES, Role
from escalation_pathways.vault.cli import vault_cli
from scheduler.cli import scheduler_cli

demo_cli = AppGroup("demo", help="Demo data for trying the console.")
platform_cli = AppGroup("platform", help="The platform's side of the decisions the console sends.")
accounts_cli = AppGroup("accounts", help="Account tasks for administrators.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo trust into an empty database (does nothing if there is data)."""
    if not demo.is_empty():
        click.echo("The database already has services or staff; demo data not loaded.")
        return
    demo.load()
    demo.load_thread()
    click.echo(f"Loaded the demo trust: {len(demo.SERVICES)} services, {len(demo.PEOPLE)} staff, and a thread to "
               "escalate in Eating disorders.")


@demo_cli.command("logins")
def demo_logins() -> None:
    """Print the demo logins."""
    click.echo(f"Demo logins (password for all: {demo.DEMO_PASSWORD}):")
    for person in demo.demo_logins():
        mfa_note = "MFA: run `make totp` for the code" if person.role in MFA_REQUIRED_ROLES else "no MFA"
        click.echo(f"  {person.role.label:<27} {person.email:<45} {mfa_note}")


@demo_cli.command("totp")
def demo_totp() -> None:
    """Print the current MFA code of the demo accounts that need one."""
    click.echo(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())


@accounts_cli.command("invite-owner")
@click.argument("name")
@click.argument("email")
def invite_owner(name: str, email: str) -> None:
    """Create the first owner account of a new installation and email its invitation link."""
    try:
        owner = staff_records.create(name=name, email=email, roles=[Role.OWNER], service_ids=[], actor=None)
        links.send_invitation(owner, actor=None)
    except UserError as failure:
        raise click.ClickException(failure.message) from failure
    sent, _ = outbox.send_outbox()
    click.echo(f"Created {owner.email}. " + (
        "The invitation email has been sent (or logged if MAIL_SERVER is not set)." if sent else
        "The mail server did not take the invitation yet; it stays in the outbox and the task queue's consumer "
        "retries it."))


@platform_cli.command("receiver")
@click.option("--port", default=5001, show_default=True, help="Port on 127.0.0.1 to take events on.")
@click.option("--connect", "slug", default=None,
              help="Point this service's webhook here with a new signing secret (for the demo).")
@click.option("--secret", envvar="PLATFORM_RECEIVER_SECRET", default=None,
              help="The service's signing secret, when not using --connect.")
def platform_receiver(port: int, slug: str | None, secret: str | None) -> None:
    """Stand in for a platform's webhook: check and print each decision the console sends."""
    if slug is not None:
        service = services.active_by_slug(slug)
        if service is None:
            raise click.ClickException(f"There is no active service {slug!r}.")
        try:
            platform.save_url(service, f"http://127.0.0.1:{port}/hooks/console")
        except UserError as failure:  # PLATFORM_ALLOW_LOOPBACK is off: this machine is no place for decisions
            raise click.ClickException(f"{failure.message} Set PLATFORM_ALLOW_LOOPBACK=1 to try the console on "
                                       "this machine (make run does).") from failure
        secret = platform.new_secret(service)
        db.session.remove()
    if not secret:
        raise click.ClickException("Give --connect SLUG, or the service's signing secret with --secret.")
    receiver.serve(port, secret, click.echo)


def init_app(app: Flask) -> None:
    """Register the command groups."""
    app.cli.add_command(demo_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(platform_cli)
    app.cli.add_command(vault_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(risk_model_cli)
