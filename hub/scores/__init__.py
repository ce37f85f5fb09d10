"""Stage 3 of the hub: scores, credibility and the documents built from the store's rows."""
