"""Staffing: weekly availability, one-off unavailability, leave requests and decisions, and contracts."""
