"""Telling people an alert opened: e-mail and a webhook, queued in the database and sent apart
from the ingest (settings.py, messages.py, planner.py, sender.py, mail.py, webhook.py)."""
