"""Safety alerts that escalate until someone acknowledges them: a critical or risk post left waiting, a
low-risk service about to miss its checks, a high-risk service with nobody signed on, an escalation step or the
review of a reveal made without a second clinician's approval overdue. The scheduler raises and resolves them and
passes each one along its chain."""
