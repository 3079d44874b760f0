"""`flask --app wsgi scheduler run` (the scheduler process) and `scheduler run-job NAME` (one run, by hand)."""

import signal
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from scheduler.jobs import JOBS

scheduler_cli = AppGroup("scheduler", help="The scheduler: alerts, reminders and digests on time.")


@scheduler_cli.command("run")
def run() -> None:
    """Run the scheduler until stopped (Ctrl-C or SIGTERM). Start one or two; only one leads at a time."""
    from scheduler.process import serve
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    serve(current_app._get_current_object(), stop)


@scheduler_cli.command("run-job")
@click.argument("name", type=click.Choice(sorted(JOBS)))
def run_job(name: str) -> None:
    """Run one job now, for the current period (does nothing if that period has run)."""
    from scheduler.runner import run_job as run_one
    run = run_one(name)
    if run is None:
        click.echo(f"{name} has already run for this period.")
    else:
        click.echo(f"{name}: {run.outcome}, {run.acted} done, {run.failed} failed. {run.note}".rstrip())
