"""The staff studio: clinic staff sign in at /staff/ to manage the assistant's content.

Accounts, roles, sessions and the audit log live in the project's database, next to
the booking tables (same URL, same Alembic migrations).
"""
