"""A runnable fake bank that implements the same HTTP API as the real back-ends."""
