"""A throwaway PostgreSQL for state-backend tests: initdb + pg_ctl on a unix socket in a temp folder, always stopped.

No TCP listener and no system service: the server runs as the Debian package's ``postgres`` user (initdb
refuses root) from a private folder, answers only on ``<folder>/sock``, and is stopped (and the folder
removed) on exit, on failure too.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

USER = "postgres"


def bindir() -> Path | None:
    """The newest PostgreSQL server binaries of the Debian package, if installed."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def available() -> bool:
    """Whether a throwaway server can run here (binaries, the postgres user, root to switch to it)."""
    try:
        pwd.getpwnam(USER)
    except KeyError:
        return False
    return bindir() is not None and os.geteuid() == 0


@dataclass(frozen=True)
class Server:
    """A running throwaway server."""

    socket_dir: Path
    bindir: Path

    @property
    def conn_str(self) -> str:
        """The connection string in the key/value form Terraform's pg backend (lib/pq) reads from PG_CONN_STR."""
        return f"host={self.socket_dir} user={USER} dbname=postgres sslmode=disable"

    def sql(self, query: str) -> str:
        """Run one query with psql; its unaligned, tuples-only output."""
        done = subprocess.run(
            ["psql", "-X", "-A", "-t", "-h", str(self.socket_dir), "-U", USER, "-d", "postgres", "-c", query],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()


def _as_postgres(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["runuser", "-u", USER, "--", *cmd], capture_output=True, text=True, check=True)


@contextmanager
def temporary_postgres() -> Iterator[Server]:
    """Start a fresh cluster; stop it and remove its folder on exit."""
    binaries = bindir()
    assert binaries is not None, "PostgreSQL is not installed (scripts/debian-tools installs it)"
    folder = Path(tempfile.mkdtemp(prefix="fgtha-pg-"))
    account = pwd.getpwnam(USER)
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    for path in (folder, sock):
        os.chown(path, account.pw_uid, account.pw_gid)
    started = False
    try:
        _as_postgres(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", USER, "--no-sync")
        options = f"-k {sock} -c listen_addresses='' -c fsync=off"
        _as_postgres(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        started = True
        yield Server(sock, binaries)
    finally:
        if started:
            subprocess.run(
                ["runuser", "-u", USER, "--", str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(folder, ignore_errors=True)
