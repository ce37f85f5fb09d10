"""The hub: ingest → store → aggregate → dashboard, for every kiosk of a province."""
