"""Administration: services and staff, and the audit log."""
