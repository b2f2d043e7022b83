"""Console accounts: users with roles, passwords, sessions and API tokens."""
