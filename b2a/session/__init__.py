"""The `b2a whatsapp` process: holds WhatsApp-Web sessions for the tenants it has leased."""
