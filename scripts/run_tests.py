"""Run the test suite on the best database available.

DATABASE_URL if set; else the local PostgreSQL if it answers; else SQLite,
with a loud notice that the PostgreSQL-only tests are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys

LOCAL_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def local_postgres_answers() -> bool:
    try:
        import psycopg2
    except ImportError:
        return False
    try:
        psycopg2.connect(LOCAL_POSTGRES, connect_timeout=2).close()
    except psycopg2.OperationalError:
        return False
    return True


def main() -> int:
    env = dict(os.environ)
    if env.get("DATABASE_URL"):
        print(f"Tests use DATABASE_URL ({env['DATABASE_URL'].split('@')[-1]}).", flush=True)
    elif local_postgres_answers():
        env["DATABASE_URL"] = LOCAL_POSTGRES
        print("Tests use the local PostgreSQL at 127.0.0.1:5432.", flush=True)
    else:
        env.pop("DATABASE_URL", None)
        print(
            "\n"
            + "!" * 78
            + "\n!! No PostgreSQL found: tests run on SQLite and the PostgreSQL-only tests\n"
            "!! are SKIPPED. Set DATABASE_URL or start PostgreSQL for the real suite.\n"
            + "!" * 78
            + "\n",
            flush=True,
        )
    command = [sys.executable, "-m", "pytest", *sys.argv[1:]]
    return subprocess.call(command, env=env)  # noqa: S603 (our own interpreter and arguments)


if __name__ == "__main__":
    sys.exit(main())
