"""The JSON API: one router module per resource, each reading its context from app state."""
