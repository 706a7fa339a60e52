"""The PostgreSQL server the store tests start themselves: Debian's binaries, a temp dir, 127.0.0.1."""

from __future__ import annotations

import psycopg

from tests.pgserver import PostgresServer


def test_server_runs_on_loopback_with_fresh_databases(pg_server: PostgresServer) -> None:
    first, second = pg_server.new_database(), pg_server.new_database()
    assert first != second and "@127.0.0.1:" in first
    with psycopg.connect(first.replace("postgresql://", "postgresql://", 1)) as conn:
        version = conn.execute("SHOW server_version").fetchone()
        listen = conn.execute("SHOW listen_addresses").fetchone()
    assert version and int(str(version[0]).split(".")[0]) >= 13
    assert listen == ("127.0.0.1",)
