"""Alembic environment: runs on the connection the program hands over (see database.py)."""

from alembic import context
from sqlalchemy import create_engine

from cpts_workflow.store.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # `alembic` command line, for developers writing revisions
        url = config.get_main_option("sqlalchemy.url") or "sqlite:///dev.db"
        with create_engine(url).begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
