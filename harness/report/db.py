"""Where the cycle store lives: an SQLite file (the embedded default) or a PostgreSQL database
(a lab's shared history), both through SQLAlchemy Core 2 (psycopg 3 for PostgreSQL).

* ``location``: a file path (``reports/cycles.sqlite``), ``sqlite:///path``, or
  ``postgresql://user@host/db`` (``postgresql+psycopg://`` too). Anything with ``scheme://`` is a
  URL, never a file name; an unknown scheme is an error.
* The schema is versioned (table ``harness_schema``). Opening a store creates it or migrates an
  older one to :data:`SCHEMA_VERSION` in one locked transaction (first opener wins, the others
  see it done); a store newer than this harness is refused with :class:`StoreVersionError`.
* One transaction per write (:meth:`Database.write`): ``BEGIN IMMEDIATE`` on SQLite (WAL, busy
  timeout: writers queue, readers go on), ``READ COMMITTED`` plus row locks (``FOR UPDATE``,
  :meth:`Conn.for_update`) on PostgreSQL.

SQL is written once with ``?`` placeholders in the subset both engines speak (``INSERT ...
ON CONFLICT``), so the store's queries read as before and run on both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

SCHEMA_VERSION = 3
"""1: cycles + records (first harness); 2: cycle lifecycle (state, owner, bench_runs);
3: versioned schema (``harness_schema``), lab stores (PostgreSQL), per-bench index."""

URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SQLITE_SCHEMES = ("sqlite",)
_PG_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")


class StoreError(HarnessError):
    """The cycle store cannot be opened or used (bad location, server unreachable...)."""


class StoreVersionError(StoreError):
    """The store was written by a newer harness (schema version above ours)."""


def is_url(location: str | Path) -> bool:
    return bool(URL_RE.match(str(location)))


def sqlalchemy_url(location: str | Path) -> tuple[str, str]:
    """``(kind, SQLAlchemy URL)`` for a store location; kind ``sqlite`` or ``postgresql``."""
    text = str(location)
    if not is_url(text):
        return "sqlite", "sqlite:///" + str(Path(text).expanduser())
    scheme = text.split("://", 1)[0].lower()
    if scheme in _SQLITE_SCHEMES:
        return "sqlite", text
    if scheme in _PG_SCHEMES:
        return "postgresql", "postgresql+psycopg://" + text.split("://", 1)[1]
    raise StoreError(f"unknown cycle store URL scheme {scheme!r} in {display(text)}: "
                     "use a file path, sqlite:///PATH or postgresql://USER@HOST/DB")


def display(location: str | Path) -> str:
    """The location without its password (for messages and logs)."""
    text = str(location)
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", text) if is_url(text) else text


def sqlite_path(location: str | Path) -> Path | None:
    """The file of an SQLite store, None for a server."""
    kind, url = sqlalchemy_url(location)
    if kind != "sqlite":
        return None
    return Path(url[len("sqlite:///"):])


def exists(location: str | Path) -> bool:
    """Whether there is a store to read: the SQLite file exists; a server is asked."""
    path = sqlite_path(location)
    if path is not None:
        return path.is_file()
    return True  # a server store: opening it says what is wrong


def _qmarks(sql: str) -> str:
    """``?`` placeholders as SQLAlchemy's named ``:p0, :p1, ...``."""
    count = iter(range(10_000))
    return re.sub(r"\?", lambda _m: f":p{next(count)}", sql)


class Conn:
    """One connection inside one transaction: ``execute(sql, params)`` with ``?`` placeholders,
    rows as mappings (``row["name"]``)."""

    def __init__(self, connection: Any, kind: str) -> None:
        self._c = connection
        self.kind = kind

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        from sqlalchemy import text

        result = self._c.execute(text(_qmarks(sql)), {f"p{i}": v for i, v in enumerate(params)})
        return _Result(result)

    def for_update(self) -> str:
        """`` FOR UPDATE`` on PostgreSQL (row lock until commit); SQLite's write lock is the file's."""
        return " FOR UPDATE" if self.kind == "postgresql" else ""


class Row(tuple[Any, ...]):
    """A result row like ``sqlite3.Row``: values by position or by column name, ``keys()``."""

    _keys: tuple[str, ...]

    def __new__(cls, values: tuple[Any, ...], keys: tuple[str, ...]) -> Row:
        row = super().__new__(cls, values)
        row._keys = keys
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return tuple.__getitem__(self, self._keys.index(key))
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._keys)


class _Result:
    def __init__(self, result: Any) -> None:
        self._r = result
        self.rowcount = result.rowcount if not result.returns_rows else -1

    def fetchone(self) -> Row | None:
        rows = self.fetchall()
        return rows[0] if rows else None

    def fetchall(self) -> list[Row]:
        if not self._r.returns_rows:
            return []
        keys = tuple(self._r.keys())
        return [Row(tuple(r), keys) for r in self._r.all()]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class Database:
    """An open store location (an SQLAlchemy engine with the right settings per engine)."""

    def __init__(self, location: str | Path, *, timeout_s: float = 30.0) -> None:
        self.location = str(location)
        self.display = display(self.location)
        self.kind, url = sqlalchemy_url(self.location)
        try:
            import sqlalchemy as sa
        except ImportError as exc:  # pragma: no cover - a dependency of the harness
            raise StoreError(f"the cycle store needs SQLAlchemy ({exc})") from None
        if self.kind == "sqlite":
            path = Path(url[len("sqlite:///"):])
            path.parent.mkdir(parents=True, exist_ok=True)
            self.engine = sa.create_engine(url, connect_args={"timeout": timeout_s})  # pooled: one file open per process
            self._sqlite_settings(sa, timeout_s)
        else:
            try:
                import psycopg  # noqa: F401
            except ImportError as exc:
                raise StoreError(f"a PostgreSQL store needs psycopg ({exc}): pip install 'harness[lab]'") from None
            self.engine = sa.create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4,
                                           connect_args={"connect_timeout": int(max(1, timeout_s))})

    def _sqlite_settings(self, sa: Any, timeout_s: float) -> None:
        """WAL, no fsync per record, busy timeout; transactions begun by us (DEFERRED to read,
        IMMEDIATE to write) instead of by pysqlite."""

        @sa.event.listens_for(self.engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(timeout_s * 1000)}")
            cursor.close()

        @sa.event.listens_for(self.engine, "begin")
        def _begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get("harness_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @contextmanager
    def write(self) -> Iterator[Conn]:
        """One durable write transaction (committed on exit, rolled back on error)."""
        with self._connect() as connection:
            connection = connection.execution_options(harness_write=True)
            with connection.begin():
                yield Conn(connection, self.kind)

    @contextmanager
    def read(self) -> Iterator[Conn]:
        with self._connect() as connection, connection.begin():
            yield Conn(connection, self.kind)

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        import sqlalchemy as sa

        try:
            connection = self.engine.connect()
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot open the cycle store {self.display}: {_first_line(exc)}") from None
        try:
            yield connection
        finally:
            connection.close()

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------

    def ensure_schema(self, create: Callable[[Any], None], migrations: Mapping[int, Callable[[Conn], None]],
                      detect: Callable[[Conn, set[str]], int | None], *, harness_version: str) -> int:
        """Create the schema or migrate it to :data:`SCHEMA_VERSION`, under a lock (the first
        opener migrates); refuse a newer store. ``detect`` tells the version of an unversioned
        store from its tables; ``migrations[v]`` takes a store from v to v+1."""
        import sqlalchemy as sa

        with self.write() as conn:
            if self.kind == "postgresql":  # one migrator at a time across every PC
                conn.execute("SELECT pg_advisory_xact_lock(?)", (0x48524E53,))
            tables = set(sa.inspect(conn._c).get_table_names())
            if "harness_schema" in tables:
                row = conn.execute("SELECT MAX(version) AS v FROM harness_schema").fetchone()
                version = int(row["v"]) if row and row["v"] is not None else SCHEMA_VERSION
            else:
                version = detect(conn, tables) or 0
            if version > SCHEMA_VERSION:
                raise StoreVersionError(
                    f"cycle store {self.display} has schema version {version}, written by a newer harness; "
                    f"this harness ({harness_version}) reads schema versions up to {SCHEMA_VERSION}: "
                    "upgrade the harness on this PC (the store is left as it is)")
            if version == 0:  # a new store
                create(conn._c)
            else:
                for step in range(version, SCHEMA_VERSION):
                    migrations[step](conn)
                create(conn._c)  # tables and indexes a migration step does not add itself
            if version != SCHEMA_VERSION or "harness_schema" not in tables:
                conn.execute("DELETE FROM harness_schema")
                conn.execute("INSERT INTO harness_schema(version, harness) VALUES (?, ?)",
                             (SCHEMA_VERSION, harness_version))
            return version


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
