"""Receivers for WhatsApp Cloud API and payment provider webhooks."""
