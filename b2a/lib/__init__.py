"""Infrastructure helpers with no domain knowledge and no web framework."""
