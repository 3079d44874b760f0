"""Escalation pathways: each service's escalation plan and its cases, and the vault of personal identifiable data
(PID) kept apart from the main database."""

from flask import Blueprint

bp = Blueprint("escalation", __name__, url_prefix="/escalation", template_folder="templates")

from escalation_pathways import routes  # noqa: E402,F401  (routes register on the blueprint)
