"""Storage adapter: SQLAlchemy models, database set-up and Alembic migrations."""
