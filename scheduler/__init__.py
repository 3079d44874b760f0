"""The scheduler: the console acting on time by itself (alerts that escalate, reminders, digests, offers).

APScheduler 3 runs in a process of its own (`flask --app wsgi scheduler run`), never inside a web worker, with its
job store in the main database. Two such processes may run at once: one leads (it holds the leader lock) and the
other waits, taking over within a minute if the leader dies. Each job run is recorded under a key of its own
(job and period), and what a job sends is recorded under a key per subject, so a restart, a catch-up after a
missed run or a second process never sends the same email twice.

What each job does belongs to the console's areas, each in its own `scheduled.py` (console.alerts, console.queue,
console.rotas), with the emails' and the platforms' senders retried each minute; this package decides when they
run, that only one process runs them, and what each run did. It is the console's only scheduler: the task queue
runs only what a person started.
"""
