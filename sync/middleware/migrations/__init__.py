"""Alembic migrations of the middleware database (run by ``sync.middleware.db.migrate``)."""
