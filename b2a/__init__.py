"""b2a: a self-hosted WhatsApp customer-conversation appliance for small businesses."""

__version__ = "0.1.0"
