"""The append-only audit log that every administrative and security event is written to."""
