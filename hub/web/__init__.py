"""The dashboard for office heads: sign-in, pages, live updates (installed on the hub's app)."""
