"""Rotas: coverage standards, solver runs, drafts, approval and publishing, own shifts and calendar feeds, and the
shift reminders, open-shift offers and managers' digest the scheduler sends."""
