"""Stage 1 of the hub: MQTT messages in, checked, batched and handed to the store."""
