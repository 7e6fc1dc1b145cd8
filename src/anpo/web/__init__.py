"""The web layer: FastAPI app, server-rendered pages and their JSON twins."""
