"""Platform-wide concerns: system settings, health checks, retention."""
