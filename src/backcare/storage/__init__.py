"""Storage adapter: SQLAlchemy models, database set-up and Alembic migrations.

The lowest adapter: it may import the layers below it (the core, the domains, fhir) but needs
none of them; records, the web and the CLI build on it.
"""
