"""Rotas: coverage standards, solver runs, drafts, approval and publishing, own shifts and calendar feeds."""
