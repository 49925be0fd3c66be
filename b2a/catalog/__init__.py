"""The tenant's catalogue: services at fixed prices, and FAQ entries."""
