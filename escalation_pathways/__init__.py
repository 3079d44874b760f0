"""Escalation pathways: each service's escalation plan and its cases, and the vault of personal identifiable data
(PID) kept apart from the main database. Importing the package loads nothing else: the vault stands on its own,
and the console registers the blueprint from escalation_pathways.routes."""
