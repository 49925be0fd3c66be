"""WhatsApp transports: Cloud API client and webhooks, web-session bridge, sandbox."""
