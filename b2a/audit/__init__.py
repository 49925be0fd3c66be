"""The audit log: security and business events, per tenant, with retention."""
