"""An emulator (``tools/local-aws``) on ports of its own, with a private state directory.

Every port chosen here is outside the kernel's ephemeral range (32768-60999 on
Linux), where the kernel hands out the local ports of outgoing connections: a
port there can be taken between our check and the emulator's bind. A listener
on ALB port P is served on ``listener_base + P`` for P in 80, 443 and 9000, so
the whole base + 9000 must stay below the range as well.

Ports in use (defaults; the picker moves on when one is taken):

=====================  ==========  =============  ======================
who                    API port    listener base  served listener ports
=====================  ==========  =============  ======================
``make demo``          4566        20000          20080, 20443, 29000
tests (terraform +     4610        10000          10080, 10443, 19000
integration, shared)
molecule               4640        12000          12080, 12443, 21000
benchmarks             4650        13000          13080, 13443, 22000
tests/emulator         4700-4799   21000-23700    (its own conftest)
tests/rotation         4690        16000          16080, 16443, 25000
tests/secrets_         4820        18000          18080, 18443, 27000
rotation
molecule               4830        18500          18580, 18943, 27500
(secret_rotate)
benchmarks/            4660        13500          13580, 13943, 22500
secret_drill.py
tests/secrets          4800        17000          17080, 17443, 26000
molecule               4810        17500          17580, 17943, 26500
(secret_rotation_audit)
tests/compliance       4840        19000          19080, 19443, 28000
                                               (edges from 19500)
tests/dr               4860        19800          19880, 20243, 28800
                                               (RDS 25200-25299)
molecule (dr_runbook)  4850        16500          16580, 16943, 25500
                                               (RDS 26600-26699)
tests/pipelines        4880        11100          11180, 11543, 20100
molecule               4960        11900          11980, 12343, 20900
(release_train)
benchmarks/            4920        11500          11580, 11943, 20500
train_bench.py
tests/unit (a slow     4598        -              -
HTTP answer, release/
test_waiting.py)
=====================  ==========  =============  ======================

The emulator's notification receiver (if it has one) takes the API port + 1,
so the picker wants that one free too.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import BIN, ROOT

LOCAL_AWS = ROOT / "tools" / "local-aws"
# The ALB listener ports Slipway's foundation uses (HTTP, HTTPS, the test listener).
LISTENER_PORTS = (80, 443, 9000)
LINUX_EPHEMERAL = (32768, 60999)
# Variables of the developer's shell that would send a subprocess elsewhere or change what terraform does.
_DROPPED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_CA_BUNDLE", "TF_DATA_DIR", "TF_WORKSPACE", "TF_CLI_ARGS", "TF_CLI_ARGS_plan", "TF_CLI_ARGS_apply")


class EmulatorError(RuntimeError):
    pass


# ------------------------------------------------------------------ ports
def ephemeral_range() -> tuple[int, int]:
    """The kernel's ephemeral port range, widened to Linux's default so a port is safe on any machine."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        low, high = LINUX_EPHEMERAL
    return min(low, LINUX_EPHEMERAL[0]), max(high, LINUX_EPHEMERAL[1])


def outside_ephemeral(port: int) -> bool:
    low, high = ephemeral_range()
    return 1024 <= port <= 65535 and not low <= port <= high


def port_free(port: int) -> bool:
    """Nobody listens on 127.0.0.1:``port`` and we could bind it now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_in_use(port: int) -> bool:
    """Something answers on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pick_port(preferred: int, tries: int = 40, step: int = 1, also: tuple[int, ...] = (1,)) -> int:
    """The first port from ``preferred`` on (by ``step``) that is outside the ephemeral range and
    free, together with ``port + a`` for every offset ``a`` in ``also`` (the emulator's receiver)."""
    for i in range(tries):
        port = preferred + i * step
        wanted = [port, *(port + a for a in also)]
        if all(outside_ephemeral(p) for p in wanted) and all(port_free(p) for p in wanted):
            return port
    raise EmulatorError(f"no free port outside the ephemeral range {ephemeral_range()} from {preferred} ({tries} tries, step {step})")


def pick_listener_base(preferred: int, tries: int = 20, step: int = 100) -> int:
    """The first base from ``preferred`` on whose served listener ports (base + 80/443/9000) are all
    outside the ephemeral range and free."""
    for i in range(tries):
        base = preferred + i * step
        ports = [base + p for p in LISTENER_PORTS]
        if all(outside_ephemeral(p) for p in ports) and all(port_free(p) for p in ports):
            return base
    raise EmulatorError(f"no listener base from {preferred} with {LISTENER_PORTS} free outside the ephemeral range {ephemeral_range()}")


def check_ports(port: int, listener_base: int) -> None:
    """Refuse a port setting that lands in the ephemeral range."""
    bad = [p for p in (port, *(listener_base + q for q in LISTENER_PORTS)) if not outside_ephemeral(p)]
    if bad:
        raise EmulatorError(
            f"emulator port {port} / listener base {listener_base}: {bad} inside the ephemeral range {ephemeral_range()} or below 1024; "
            f"pick an API port below {ephemeral_range()[0]} and a base <= {ephemeral_range()[0] - 1 - max(LISTENER_PORTS)}"
        )


def env_port(*names: str, default: int | None = None) -> int | None:
    """The first of the environment variables ``names`` that is set, as an int."""
    for name in names:
        raw = os.environ.get(name)
        if raw:
            return int(raw)
    return default


# ------------------------------------------------------------------ the emulator
@dataclass
class Emulator:
    """One emulator: ``up()`` starts it (through ``tools/local-aws``), ``down()`` stops it.

    ``env`` is the environment for every subprocess that talks to it
    (ansible-playbook, terraform, tools/local-aws): the emulator's address and
    ports, dummy credentials, terraform without prompts, ansible without colour,
    the virtualenv first on PATH. ``extra_env`` goes into it last: emulator
    tunables (``SLIPWAY_METRIC_FLUSH_SECONDS``, ...) and anything else the
    subprocesses should see (``TF_PLUGIN_CACHE_DIR``, ...).
    """

    port: int
    listener_base: int
    state_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        check_ports(self.port, self.listener_base)
        self.state_dir = Path(self.state_dir)
        self.env = self.make_env()

    @classmethod
    def pick(cls, state_dir: Path, port: int = 4610, listener_base: int = 10000, extra_env: dict[str, str] | None = None, exact: bool = False) -> Emulator:
        """An emulator on free ports from ``port`` / ``listener_base`` on (exactly those with ``exact``)."""
        if not exact:
            port = pick_port(port)
            listener_base = pick_listener_base(listener_base)
        return cls(port, listener_base, Path(state_dir), dict(extra_env or {}))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def make_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        for name in _DROPPED:
            env.pop(name, None)
        for name in [k for k in env if k.startswith("AWS_ENDPOINT_URL_")]:
            env.pop(name)
        env.update(
            SLIPWAY_EMULATOR_PORT=str(self.port),
            SLIPWAY_LISTENER_PORT_BASE=str(self.listener_base),
            SLIPWAY_EMULATOR_STATE_DIR=str(self.state_dir),
            SLIPWAY_REPO_ROOT=str(ROOT),
            AWS_ENDPOINT_URL=self.endpoint,
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_DEFAULT_REGION="us-east-1",
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            ANSIBLE_FORCE_COLOR="0",
            ANSIBLE_NOCOLOR="1",
            PYTHONUNBUFFERED="1",
            PATH=f"{BIN}:{env.get('PATH', '')}",
        )
        env.update(self.extra_env)
        return env

    def listener_url(self, listener_port: int, path: str = "/") -> str:
        """Where the emulator serves the ALB listener on ``listener_port``."""
        return f"http://127.0.0.1:{self.listener_base + int(listener_port)}{path}"

    # -------------------------------------------------------------- lifecycle
    def cli(self, *args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
        """``tools/local-aws ARGS`` against this emulator."""
        proc = subprocess.run([str(LOCAL_AWS), *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout, check=False)
        if check and proc.returncode != 0:
            raise EmulatorError(f"tools/local-aws {' '.join(args)} ({self.endpoint}) failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc

    def up(self, extra_env: dict[str, str] | None = None, restart: bool = True) -> Emulator:
        """Start it: a fresh emulator (one of ours left running on the same state directory is stopped
        first) or, without ``restart``, the running one if there is one. With ``extra_env``, start it with
        those settings instead of the current ones (``env`` is rebuilt: a new dict)."""
        if extra_env is not None:
            self.extra_env = dict(extra_env)
            self.env = self.make_env()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if restart:
            self.cli("down", timeout=60, check=False)
        self.cli("up")
        return self

    def down(self) -> None:
        self.cli("down", timeout=60, check=False)

    def reset(self) -> None:
        """Forget every emulated resource (the process keeps running)."""
        self.cli("reset", timeout=60)

    def running(self) -> bool:
        return self.cli("status", timeout=60, check=False).returncode == 0

    def __enter__(self) -> Emulator:
        return self.up()

    def __exit__(self, *_exc: Any) -> None:
        self.down()

    # -------------------------------------------------------------- reads
    def calls(self, reset: bool = False) -> dict[str, int]:
        """The emulator's own count of the API requests it served, by ``service.Operation`` (``reset`` zeroes it)."""
        req = urllib.request.Request(self.endpoint + "/_slipway/calls", method="DELETE" if reset else "GET")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())["calls"]

    def client(self, service: str) -> Any:
        import boto3

        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")


@contextlib.contextmanager
def private_emulator(state_dir: Path, env_prefix: str, port: int, listener_base: int, extra_env: dict[str, str] | None = None) -> Iterator[Emulator]:
    """A suite's own emulator, up for the ``with`` block: on ``port``/``listener_base`` or the next free
    ones, or exactly on ``SLIPWAY_<env_prefix>_EMULATOR_PORT`` / ``SLIPWAY_<env_prefix>_LISTENER_BASE``
    when both are set (each suite has its row in the table above). ``extra_env``: emulator settings
    (``SLIPWAY_RDS_REAL``, ...)."""
    want_port = env_port(f"SLIPWAY_{env_prefix}_EMULATOR_PORT")
    want_base = env_port(f"SLIPWAY_{env_prefix}_LISTENER_BASE")
    emu = Emulator.pick(
        Path(state_dir), port=want_port or port, listener_base=want_base or listener_base, extra_env=extra_env, exact=bool(want_port and want_base)
    )
    emu.up()
    try:
        yield emu
    finally:
        emu.down()
