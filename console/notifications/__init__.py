"""Email that must not be lost: the outbox every alert and account email goes through, and its sender."""
