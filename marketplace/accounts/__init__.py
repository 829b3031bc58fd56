"""People, sign-in, API tokens, invitations and roles inside a company."""
