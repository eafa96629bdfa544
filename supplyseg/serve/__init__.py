"""The HTTP API and planner page over the published data (docs/serving.md)."""
