"""Staff accounts: sign-in and sessions, MFA, invitations and password resets, and staff records."""
