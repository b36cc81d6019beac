"""A throwaway PostgreSQL cluster for the tests and the benchmarks.

    server = PgServer.start_new()      # initdb + pg_ctl start, under build/ (or /tmp if it cannot be there)
    url = server.url("somedb", site="north")
    server.restart()                   # what a server restart looks like to the consoles
    server.stop(); server.remove()

Binaries: $DESKCONSOLE_PG_BIN, else the directory of `pg_ctl` on PATH, else `pg_config --bindir`, else the
newest /usr/lib/postgresql/*/bin (where Debian's postgresql package puts them, off PATH). initdb refuses to
run as root (CI runs as root): then the cluster belongs to the `postgres` user (Debian's package makes it),
else `nobody`. The server listens on a unix socket in its own folder only, never on a network address.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUPERUSER = "desk"
PORT = 5432  # only a socket file name here: the server listens on no TCP port
PASSWORD_ROLE, PASSWORD = "clerk", "right-password"


def find_bindir() -> Path | None:
    """Where initdb, pg_ctl and postgres are, or None when PostgreSQL is not installed."""
    candidates = []
    if os.environ.get("DESKCONSOLE_PG_BIN"):
        candidates.append(Path(os.environ["DESKCONSOLE_PG_BIN"]))
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).resolve().parent)
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=10).stdout
            candidates.append(Path(out.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                      if Path(p).parent.name.isdigit() else 0)
    candidates += [Path(p) for p in reversed(versions)]
    for path in candidates:
        if all((path / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return path
    return None


def _owner() -> pwd.struct_passwd | None:
    """The account the cluster runs as: None for ourselves, unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and there is no postgres or nobody account to run PostgreSQL as")


def _reachable_by_others(path: Path) -> bool:
    """Every folder above `path` can be passed through by another account (o+x)."""
    for parent in path.resolve().parents:
        if not parent.stat().st_mode & stat.S_IXOTH:
            return False
    return True


class PgServer:
    def __init__(self, bindir: Path, home: Path, owner: pwd.struct_passwd | None):
        self.bindir = bindir
        self.home = home                 # the folder of this cluster: data/, the socket, the log
        self.data = home / "data"
        self.socket_dir = home
        self.log = home / "server.log"
        self.owner = owner

    # --- life -----------------------------------------------------------------------------

    @classmethod
    def start_new(cls, base: Path | None = None) -> PgServer:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("no PostgreSQL binaries (initdb, pg_ctl, postgres) found")
        owner = _owner()
        base = base or ROOT / "build"
        base.mkdir(parents=True, exist_ok=True)
        home = Path(tempfile.mkdtemp(prefix="pg-", dir=base))
        # A unix socket path is limited to 107 bytes, and the owner must be able to reach the folder.
        if len(str(home / f".s.PGSQL.{PORT}")) > 100 or (owner is not None and not _reachable_by_others(home)):
            shutil.rmtree(home)
            home = Path(tempfile.mkdtemp(prefix="deskpg-"))
        os.chmod(home, 0o755)
        server = cls(bindir, home, owner)
        server._chown(home)
        server._run("initdb", "-D", str(server.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")
        with open(server.data / "postgresql.conf", "a") as conf:
            # Throwaway: durability off for speed; many consoles at once; socket in the cluster's folder.
            conf.write(f"\nlisten_addresses = ''\nunix_socket_directories = '{home}'\nport = {PORT}\n"
                       "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                       "max_connections = 300\nshared_buffers = 64MB\n")
        # One role signs on with a password (the tests of a wrong password); everyone else is trusted.
        hba = server.data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
        server.start()
        server.admin(f"CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'")
        return server

    def _chown(self, path: Path) -> None:
        if self.owner is not None:
            os.chown(path, self.owner.pw_uid, self.owner.pw_gid)

    def _as_owner(self):
        owner = self.owner
        if owner is None:
            return None

        def demote():
            os.setgid(owner.pw_gid)
            os.setgroups([])
            os.setuid(owner.pw_uid)
        return demote

    def _run(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([str(self.bindir / program), *args], capture_output=True, text=True,
                                preexec_fn=self._as_owner(), cwd=self.home, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError(f"{program} failed: {result.stdout}{result.stderr}"
                               + (self.log.read_text() if self.log.exists() else ""))
        return result

    def start(self) -> None:
        # -l: the server's output goes to its log, not into the test run; -w: return once it accepts.
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop", check=False)

    def restart(self, down_for: float = 0.0) -> None:
        """Stop (every session is cut, as on a server restart or a failover), wait, start again."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.home, ignore_errors=True)

    # --- use ------------------------------------------------------------------------------

    def url(self, database: str, site: str | None = None) -> str:
        url = f"postgresql:///{database}?host={self.socket_dir}&port={PORT}&user={SUPERUSER}"
        return url + (f"&site={site}" if site else "")

    def admin(self, *statements: str) -> None:
        """Run statements on the maintenance database, each in autocommit (CREATE DATABASE needs it)."""
        import psycopg
        with psycopg.connect(host=str(self.socket_dir), port=PORT, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as conn:
            for sql in statements:
                conn.execute(sql)
