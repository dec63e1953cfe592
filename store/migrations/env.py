"""Alembic environment: runs migrations on the engine the store hands over."""

from alembic import context

from store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # invoked from the alembic CLI
    from sqlalchemy import create_engine

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
