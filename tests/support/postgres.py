"""A real PostgreSQL server for tests: a private cluster in a temporary directory.

``PostgresServer`` runs ``initdb`` in a temporary directory and starts ``postgres`` on
127.0.0.1 only, on a port outside the kernel's ephemeral range (5460 by default, the next
free one after it otherwise; ``SLIPWAY_TEST_PG_PORT`` pins it), with:

- scram-sha-256 password authentication for every TCP connection, with or without TLS
  (``hostssl`` and ``host`` lines, so a test can read ``pg_stat_ssl`` either way);
- TLS on, with a self-signed certificate for 127.0.0.1 made at start (the ``openssl``
  command, else the ``cryptography`` package); ``ca_file`` is that certificate;
- a superuser (``superuser`` / ``superuser_password``) with a random password;
- ``log_statement = 'all'`` into ``log_file``, so a test can prove that no password
  reached the server's log.

The binaries are found at run time: ``SLIPWAY_PG_BINDIR``, else ``pg_config --bindir``,
else the newest ``/usr/lib/postgresql/*/bin``, else ``PATH``. PostgreSQL refuses to run as
root: as root, the server runs as the ``postgres`` user (or ``nobody``) and its directory
belongs to that user. ``.ci/run`` installs the Debian server package when it is missing.

Use it as a context manager (``with PostgresServer.start_new() as pg: ...``) or through
``postgres_server()``, a generator a conftest turns into a fixture. ``stop()`` is a fast
shutdown (SIGINT), then SIGKILL; it runs at interpreter exit too.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.local_aws import pgbin

from .emulator import env_port, pick_port

DEFAULT_PORT = 5460
SUPERUSER = "slipway_admin"
TLS_SUBJECT = ("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1")
INITDB_AUTH = ("--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "--no-sync")


class PostgresError(RuntimeError):
    pass


# ------------------------------------------------------------------ binaries
def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``postgres`` (tools/local_aws/pgbin.py: the emulator's RDS looks alike)."""
    try:
        return pgbin.find_bindir(("initdb", "postgres"))
    except pgbin.PostgresNotFound as exc:
        raise PostgresError(str(exc)) from None


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged user to run the server as when we are root (PostgreSQL refuses root)."""
    try:
        return pgbin.run_as()
    except pgbin.PostgresNotFound as exc:
        raise PostgresError(str(exc)) from None


# ------------------------------------------------------------------ TLS
def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1 (CN and subjectAltName), valid for two days."""
    cert, key = directory / "server.crt", directory / "server.key"
    openssl = shutil.which("openssl")
    if openssl:
        subprocess.run(
            [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", *TLS_SUBJECT],
            capture_output=True,
            check=True,
            timeout=60,
        )
    else:  # pragma: no cover - the image has openssl
        import datetime
        import ipaddress

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        pkey = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(pkey.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(pkey, hashes.SHA256())
        )
        cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key.write_bytes(pkey.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    key.chmod(0o600)
    return cert, key


# ------------------------------------------------------------------ the server
@dataclass
class PostgresServer:
    """One private PostgreSQL cluster; ``start()`` / ``stop()``, or ``with``."""

    port: int
    root: Path
    host: str = "127.0.0.1"
    superuser: str = SUPERUSER
    superuser_password: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    bindir: Path | None = None
    owns_root: bool = False
    proc: subprocess.Popen | None = field(default=None, init=False, repr=False)

    @classmethod
    def start_new(cls, port: int | None = None, root: Path | None = None) -> PostgresServer:
        """A server on ``port`` (else ``SLIPWAY_TEST_PG_PORT``, else the first free port from 5460 on)."""
        pinned = port or env_port("SLIPWAY_TEST_PG_PORT")
        chosen = pinned or pick_port(DEFAULT_PORT, also=())
        owns = root is None
        root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="slipway-pg-"))
        server = cls(port=chosen, root=root, owns_root=owns)
        try:
            server.start()
        except BaseException:
            server.stop()
            raise
        return server

    # -------------------------------------------------------------- paths
    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def ca_file(self) -> Path:
        """The server's self-signed certificate: the CA a verify-full client trusts."""
        return self.root / "tls" / "server.crt"

    def log_text(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except OSError:
            return ""

    # -------------------------------------------------------------- lifecycle
    def _spawn_kwargs(self) -> dict[str, Any]:
        user = _run_as()
        if user is None:
            return {}
        return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}

    def start(self) -> PostgresServer:
        self.bindir = self.bindir or find_bindir()
        user = _run_as()
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        (self.root / "tls").mkdir(exist_ok=True)
        make_certificate(self.root / "tls")
        pwfile = self.root / "superuser.pw"
        pwfile.write_text(self.superuser_password + "\n")
        pwfile.chmod(0o600)
        if user is not None:
            for path in (self.root, self.socket_dir, self.root / "tls", *(self.root / "tls").iterdir(), pwfile):
                os.chown(path, user.pw_uid, user.pw_gid)
        init = subprocess.run(
            [str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", self.superuser, f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C.UTF-8", *INITDB_AUTH],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
            **self._spawn_kwargs(),
        )
        pwfile.unlink()
        if init.returncode != 0:
            raise PostgresError(f"initdb failed ({init.returncode}):\n{init.stdout[-2000:]}\n{init.stderr[-2000:]}")
        (self.data_dir / "pg_hba.conf").write_text(
            "# slipway test cluster: loopback only, passwords (SCRAM) for everyone, with or without TLS\n"
            "local   all  all                 scram-sha-256\n"
            "hostssl all  all  127.0.0.1/32   scram-sha-256\n"
            "host    all  all  127.0.0.1/32   scram-sha-256\n"
        )
        tls = self.root / "tls"
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# slipway test cluster\n"
                f"listen_addresses = '{self.host}'\n"
                f"port = {self.port}\n"
                f"unix_socket_directories = '{self.socket_dir}'\n"
                "password_encryption = 'scram-sha-256'\n"
                "ssl = on\n"
                f"ssl_cert_file = '{tls / 'server.crt'}'\n"
                f"ssl_key_file = '{tls / 'server.key'}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
                "shared_buffers = '16MB'\nmax_connections = 60\n"
                "log_statement = 'all'\nlog_connections = on\nlogging_collector = off\n"
            )
        log = self.log_file.open("ab")
        try:
            self.proc = subprocess.Popen(
                [str(self.bindir / "postgres"), "-D", str(self.data_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **self._spawn_kwargs(),
            )
        finally:
            log.close()
        atexit.register(self.stop)
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise PostgresError(f"postgres exited with {self.proc.returncode} at start; its log ({self.log_file}):\n{self.log_text()[-3000:]}")
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex((self.host, self.port)) == 0:
                    try:
                        conn = self.connect()
                    except Exception:  # noqa: BLE001  still starting ("the database system is starting up")
                        time.sleep(0.2)
                        continue
                    conn.close()
                    return
            time.sleep(0.2)
        raise PostgresError(f"postgres did not accept connections on {self.host}:{self.port} within {timeout} s; log:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back, disconnect, stop), SIGKILL after 20 s; then forget the directory."""
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGINT)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        if self.owns_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.stop()

    # -------------------------------------------------------------- clients
    def connect(self, user: str | None = None, password: str | None = None, database: str = "postgres", ssl: bool = False, **kwargs: Any) -> Any:
        """A pg8000.native connection (the superuser's unless ``user``); ``ssl`` uses TLS without verification."""
        import ssl as ssl_module

        import pg8000.native

        context: Any = False  # pg8000: False is no TLS, None would try TLS first
        if ssl:
            context = ssl_module.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl_module.CERT_NONE
        return pg8000.native.Connection(
            user or self.superuser,
            host=self.host,
            port=self.port,
            database=database,
            password=self.superuser_password if user is None else password,
            ssl_context=context,
            timeout=10,
            **kwargs,
        )

    def execute(self, *statements: str, database: str = "postgres") -> list[Any]:
        """Run ``statements`` as the superuser; the rows of the last one."""
        conn = self.connect(database=database)
        try:
            rows: list[Any] = []
            for statement in statements:
                rows = conn.run(statement) or []
            return rows
        finally:
            conn.close()

    def admin_secret(self, database: str = "postgres") -> dict[str, Any]:
        """The superuser's credentials as a Secrets Manager RDS secret (what a ``masterarn`` names)."""
        return {
            "engine": "postgres",
            "host": self.host,
            "port": self.port,
            "username": self.superuser,
            "password": self.superuser_password,
            "dbname": database,
        }


def postgres_server(port: int | None = None) -> Iterator[PostgresServer]:
    """A started server for the length of the generator: ``pytest.fixture(scope="session")(postgres_server)``
    in a conftest, or ``with contextlib.contextmanager(postgres_server)() as pg``."""
    server = PostgresServer.start_new(port)
    try:
        yield server
    finally:
        server.stop()
