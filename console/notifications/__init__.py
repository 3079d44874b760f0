"""Email that must not be lost: the outbox every email goes through (alerts, accounts, rota changes, leave, swaps,
open shifts), written in the same transaction as the change it reports, and its one sender with retries."""
