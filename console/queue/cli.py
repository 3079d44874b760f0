"""`flask risk-model ...`: build the shipped risk model, or retrain it with the trust's own decisions (each run is
measured on the held-out posts).
scikit-learn is loaded by these commands only, never by the web console."""

import click
from flask.cli import AppGroup

risk_model_cli = AppGroup("risk-model", help="The risk model beside the word lists.")


@risk_model_cli.command("build")
def build() -> None:
    """Train the model shipped with the console from the shipped corpus (console/queue/data/risk_model.json)."""
    from console.queue import risk_training
    path = risk_training.build()
    click.echo(f"Wrote {path} ({path.stat().st_size / 1_000_000:.1f} MB).")


@risk_model_cli.command("train")
@click.option("--include-service-decisions", is_flag=True,
              help="Add the trust's marked and decided posts to the shipped corpus.")
def train(include_service_decisions: bool) -> None:
    """Retrain; the new model replaces the one in use only if it catches no fewer held-out critical posts."""
    from console.queue import retraining
    run = retraining.retrain(include_service_decisions=include_service_decisions)
    click.echo(run.outcome)
    if not run.accepted:
        raise SystemExit(1)
