"""The citizen's kiosk: scan → questionnaire → outbox → MQTT."""
