"""Channels, customers and their WhatsApp identities, conversations, messages, labels, notes."""
