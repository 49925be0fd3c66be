"""Order requests created by the assistant or staff, and their approval."""
