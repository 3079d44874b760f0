"""Email that must not be lost: the outbox every email goes through (alerts, accounts, rota changes, leave, swaps,
open shifts), written in the same transaction as the change it reports, its one sender with retries, and what each
person chooses to be sent. The areas that send mail import it; it imports none of them."""
