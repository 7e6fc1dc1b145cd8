"""The store: SQLAlchemy tables and sessions; SQLite by default, PostgreSQL by URL."""
