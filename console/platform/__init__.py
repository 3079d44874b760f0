"""Decisions going back to the platform: each service's webhook and the signed events delivered to it."""
