"""Tenants (businesses), their users, roles and API tokens, and the tenant scope."""
