"""Clients for the bank's back-ends over HTTP, and `integrations.sandbox`, a runnable fake bank."""
