"""The HTTP API: a thin app factory, routers per area, dependencies as Annotated aliases."""
