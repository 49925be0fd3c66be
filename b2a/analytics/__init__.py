"""Numbers from the data: the tenant's dashboard and analytics, the operator's platform view."""
