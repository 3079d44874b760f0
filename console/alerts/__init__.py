"""Safety alerts that escalate while their condition holds: a critical or risk post left waiting, a
low-risk service about to miss its checks, a high-risk service with nobody signed on, an escalation step or the
review of a reveal made without a second clinician's approval overdue. The scheduler raises and resolves them and
passes each one along its chain; only someone who can act on an alert acknowledges it (kinds.py), and that does
not stop the chain."""
