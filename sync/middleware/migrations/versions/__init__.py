"""Alembic revision scripts, oldest first; never edit one that has shipped."""
