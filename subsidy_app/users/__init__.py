"""People and access: users, roles, passwords, API tokens, login."""
