"""The task queue consumer's entry point: `huey_consumer console.worker.huey` (make run starts it).

The consumer builds the app from the same environment as the web process, so both use one database
and one queue (TASK_QUEUE_URL).
"""

from console import create_app, task_queue

app = create_app()
huey = task_queue.get(app).huey
