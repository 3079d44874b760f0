"""Escalation pathways: each service's escalation plan, and the vault of personal identifiable data (PID) kept apart
from the main database."""
