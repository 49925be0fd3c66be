"""Database plumbing under the domain: engine creation, shared columns, tenant scope."""
