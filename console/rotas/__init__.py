"""Rotas: coverage standards, solver runs, drafts, approval and publishing, own shifts and calendar feeds."""

from flask import Blueprint

bp = Blueprint("rotas", __name__, url_prefix="/rota")

from console.rotas import routes  # noqa: E402,F401  (routes register on bp)
