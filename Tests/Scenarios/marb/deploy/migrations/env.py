"""Alembic environment of mARB 2.0: DATABASE_URL from the environment, through psycopg 3, one transaction per
migration (so a failing migration leaves the earlier ones of the same upgrade applied, as on the real host)."""
import os

from alembic import context
from sqlalchemy import create_engine

url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)


def run():
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()


run()
