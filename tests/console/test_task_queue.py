"""The task queue with a real consumer process: SQLite storage (the embedded default) and Redis (to scale out)."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from console import create_app
from console.extensions import db
from console.permissions import Role
from console.rotas import flows
from console.task_queue import QueueConfigError, make_huey
from tests.conftest import base_config, redis_url_or_skip
from tests.factories import PRIYAS_SERVICES, next_monday, person, services
from tests.helpers import AuthActions, wait_until

# Its behaviour depends on the database: it runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.both_databases

ROOT = Path(__file__).resolve().parents[2]


def test_an_unknown_queue_address_is_refused_in_words():
    with pytest.raises(QueueConfigError, match="must start with sqlite:/// or redis://"):
        make_huey("amqp://127.0.0.1")


@pytest.fixture
def queue_url(database_url, tmp_path):
    """SQLite storage beside SQLite, Redis storage beside PostgreSQL: the embedded and the production set-ups."""
    if database_url.startswith("postgresql"):
        url = redis_url_or_skip()
        make_huey(url).flush()
        return url
    return f"sqlite:///{tmp_path / 'tasks.db'}"


def test_a_consumer_process_solves_a_queued_run(database_url, demo_data, queue_url, tmp_path):
    app = create_app(base_config(database_url, TASK_QUEUE_URL=queue_url))
    client = app.test_client()
    auth = AuthActions(client)
    auth.login_demo(Role.TEAM_MANAGER)
    # The consumer is under test here, not the engine: Priya's run is asked for through the service, for 1 s (the
    # form's shortest is 5 s; test_rotas.py makes a draft through the form).
    with app.app_context():
        run = flows.start_run(person(Role.TEAM_MANAGER), services=services(*PRIYAS_SERVICES), start=next_monday(),
                              weeks=4, seconds=1)
        run_page = f"/rota/runs/{run.id}"

    env = {**os.environ, "DATABASE_URL": database_url, "TASK_QUEUE_URL": queue_url, "SECRET_KEY": "test-secret-key",
           "MAIL_SERVER": "", "PUBLIC_URL": "http://127.0.0.1:5000", "SOLVER_WORKERS": "1"}
    log = tmp_path / "consumer.log"
    with log.open("w") as log_file:
        consumer = subprocess.Popen([sys.executable, "-m", "huey.bin.huey_consumer", "console.worker.huey",
                                     "--workers", "1", "--worker-type", "thread", "--delay", "0.1",
                                     "--max-delay", "0.1"],
                                    cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file)
    try:
        wait_until(lambda: client.get(run_page + "/status").get_json()["status"] not in ("queued", "running"), 90)
        state = client.get(run_page + "/status").get_json()
    finally:
        consumer.send_signal(signal.SIGINT)
        consumer.wait(timeout=30)
    assert state["status"] == "succeeded", log.read_text()[-2000:]
    assert "Every window of the standard is covered." in client.get(state["version_url"]).get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
