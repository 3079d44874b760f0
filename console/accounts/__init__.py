"""Staff accounts: sign-in, MFA, invitations, password resets and sessions."""
