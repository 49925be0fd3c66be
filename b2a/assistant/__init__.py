"""The AI assistant: per-tenant configuration, grounding, guardrails, usage log."""
