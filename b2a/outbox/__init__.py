"""Outbound message templates and scheduled messages."""
