"""Where the PostgreSQL server binaries are, and whom to run them as: one answer for the
emulator's RDS clusters (rds_pg.py) and the tests' servers (tests/support/postgres.py)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
from pathlib import Path

SERVER_BINARIES = ("initdb", "postgres", "pg_ctl", "pg_basebackup")


class PostgresNotFound(RuntimeError):
    """No directory holds the server binaries; the message names where it looked and the fix."""


def _version_key(path: Path) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in path.parent.name.split("."))
    except ValueError:
        return (0,)


def find_bindir(required: tuple[str, ...] = SERVER_BINARIES) -> Path:
    """The first of SLIPWAY_PG_BINDIR, ``pg_config --bindir``, the newest /usr/lib/postgresql/*/bin and
    the directory of ``initdb`` on PATH that holds every one of ``required``."""
    candidates: list[Path] = []
    if os.environ.get("SLIPWAY_PG_BINDIR"):
        candidates.append(Path(os.environ["SLIPWAY_PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True).stdout.strip()
            if out:
                candidates.append(Path(out))
    candidates.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if all((directory / name).is_file() for name in required):
            return directory
    raise PostgresNotFound(
        f"PostgreSQL server binaries ({', '.join(required)}) not found: looked in "
        f"{[str(c) for c in candidates] or 'nothing (no pg_config, no /usr/lib/postgresql/*/bin, no initdb on PATH)'}; "
        "install the server (Debian: apt-get install postgresql, what .ci/run does) or set SLIPWAY_PG_BINDIR"
    )


def run_as() -> pwd.struct_passwd | None:
    """The unprivileged user to run the server as when we are root (PostgreSQL refuses root), else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise PostgresNotFound("running as root and neither a 'postgres' nor a 'nobody' user exists to run the server as")
