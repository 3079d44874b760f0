"""The background task queue (Huey): what a person started runs in a consumer process, never in a web request: a
solver run, and sending emails and the platforms' decisions at once ("send now"). Nothing periodic runs here: the
scheduler (scheduler/) runs everything on time, the senders' retries included.

TASK_QUEUE_URL chooses the storage: `sqlite:///path` (the embedded default, a file beside the
database) or `redis://host:port/db` to share one queue between machines. The consumer is started
with `huey_consumer console.worker.huey` (make run does this).
"""

from collections.abc import Callable

from flask import Flask
from huey import RedisHuey, SqliteHuey
from huey.api import Huey


class QueueConfigError(ValueError):
    """A TASK_QUEUE_URL this console cannot use."""


def make_huey(url: str) -> Huey:
    """A Huey instance for a queue URL."""
    if url.startswith("sqlite:///"):
        return SqliteHuey(name="console", filename=url.removeprefix("sqlite:///"))
    if url.startswith(("redis://", "rediss://")):
        return RedisHuey(name="console", url=url)
    raise QueueConfigError(f"TASK_QUEUE_URL must start with sqlite:/// or redis://, not {url!r}")


class TaskQueue:
    """The app's queue and its tasks; each task body runs inside the app's context."""

    def __init__(self, app: Flask):
        self.app = app
        self.huey = make_huey(app.config["TASK_QUEUE_URL"])
        self.tasks: dict[str, Callable] = {}

    def _in_app_context(self, body: Callable) -> Callable:
        def run(*args, **kwargs):
            with self.app.app_context():
                return body(*args, **kwargs)
        return run

    def register(self, name: str, body: Callable) -> None:
        """Register body as a task under a stable name; it runs inside the app's context."""
        self.tasks[name] = self.huey.task(name=name)(self._in_app_context(body))

    def enqueue(self, name: str, *args) -> None:
        """Put a call of a registered task on the queue; a consumer runs it."""
        self.tasks[name](*args)


def init_app(app: Flask) -> None:
    """Create the app's task queue (app.extensions["task_queue"])."""
    app.extensions["task_queue"] = TaskQueue(app)


def get(app: Flask) -> TaskQueue:
    """The app's task queue."""
    return app.extensions["task_queue"]
