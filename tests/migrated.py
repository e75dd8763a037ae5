"""A migrated database made once per test session (per xdist worker) and copied for each test.
Measured on this 2-core machine: Alembic takes 0.09 s a test on SQLite, where the copy takes
under a millisecond; on PostgreSQL it takes 0.2 s, and the replay below 0.15 s (the server's DDL
is most of both; the replay spends a fifth of Alembic's CPU in the test process).

SQLite: the template is a file, migrated and checkpointed (the WAL folded into it), and each
test gets a copy of the file. PostgreSQL: a schema cannot be copied, so the migration is run
once on a scratch schema while every statement it sends is recorded, and each test's fresh
schema gets the same statements, with the same parameters, in the same order: the same DDL, the
same data migrations (finding no rows), the seeded rows and the alembic_version row.
`tests/test_migrated.py` checks that a copy equals a freshly migrated database, schema and rows;
`tests/test_migrations.py` keeps running the real migrations.
"""

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, make_url, select, table, text

from awards import migrate
from awards.settings import Settings

Statement = tuple[str, Any]  # SQL as sent to the driver, and its parameters


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


def sqlite_template(path: Path) -> Path:
    migrate.upgrade(Settings(database_url=sqlite_url(path)))
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return path


def copy_sqlite(template: Path, url: str) -> None:
    """The WAL is empty after the checkpoint: the main file is the whole database."""
    shutil.copyfile(template, sqlite_path(url))


@contextmanager
def _recorded(url: str) -> Iterator[list[Statement]]:
    """What is sent to the database at `url` (and to no other) while in the block."""
    statements: list[Statement] = []
    target = make_url(url)

    def record(conn, _cursor, statement, parameters, _context, _executemany) -> None:
        if conn.engine.url == target:
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def record_migration(url: str) -> list[Statement]:
    """Migrate the (empty) database at `url`, returning what the migration sent."""
    with _recorded(url) as statements:
        migrate.upgrade(Settings(database_url=url))
    return statements


def replay(url: str, statements: list[Statement]) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement, parameters in statements:
                # A list of parameter sets runs as executemany, as it ran in the migration.
                connection.exec_driver_sql(statement, parameters)
    finally:
        engine.dispose()


def _sync(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite")


def snapshot(url: str) -> dict[str, Any]:
    """Everything that tells two databases apart: every table's columns, keys, indexes and
    constraints as the dialect reports them, the DDL as stored (SQLite) or as PostgreSQL
    prints it back, sequences, and every row."""
    engine = create_engine(_sync(url))
    try:
        with engine.connect() as connection:
            found: dict[str, Any] = {}
            schema = inspect(connection)
            for name in sorted(schema.get_table_names()):
                columns = schema.get_columns(name)
                found[name] = {
                    "columns": [{k: str(v) for k, v in column.items()} for column in columns],
                    "primary key": schema.get_pk_constraint(name),
                    "foreign keys": sorted(map(repr, schema.get_foreign_keys(name))),
                    "indexes": schema.get_indexes(name),
                    "unique": schema.get_unique_constraints(name),
                    "checks": schema.get_check_constraints(name),
                    "rows": sorted(
                        map(repr, connection.execute(select(text("*")).select_from(table(name))))
                    ),
                }
            for name, query in _catalogue_queries(connection.dialect.name).items():
                found[name] = [_unordered(row) for row in connection.execute(text(query))]
            return found
    finally:
        engine.dispose()


def _unordered(row: Any) -> tuple:
    """A table's DDL as the set of its lines: Alembic's batch migrations on SQLite write the
    foreign keys of a rebuilt table in an order that varies from run to run (the column order
    is compared through the columns)."""
    return tuple(
        sorted(line.strip().rstrip(",") for line in v.splitlines()) if isinstance(v, str) else v
        for v in row
    )


def _catalogue_queries(dialect: str) -> dict[str, str]:
    if dialect == "sqlite":
        return {
            "sqlite_master": "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
            "user_version": "PRAGMA user_version",
            "journal_mode": "PRAGMA journal_mode",
        }
    # Definitions name the schema only where it is not the connection's own (search_path).
    return {
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
        " FROM pg_constraint WHERE connamespace = current_schema()::regnamespace"
        " ORDER BY 1, 2",
        "indexes": "SELECT tablename, indexname,"
        " replace(indexdef, ' ' || current_schema() || '.', ' ')"
        " FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1, 2",
        "sequences": "SELECT sequencename, data_type::text, start_value, increment_by,"
        " last_value FROM pg_sequences WHERE schemaname = current_schema() ORDER BY 1",
        "columns": "SELECT table_name, column_name, ordinal_position, column_default,"
        " is_nullable, data_type, character_maximum_length, is_identity"
        " FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 3",
    }
