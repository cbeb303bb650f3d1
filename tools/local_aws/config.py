"""Tunables of the emulator, all read from environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


def _f(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from exc


def _i(name: str, default: int) -> int:
    return int(_f(name, default))


@dataclass(frozen=True)
class Settings:
    port: int
    listener_port_base: int
    tick: float
    provisioning_delay: float
    pending_delay: float
    health_interval: float
    healthy_threshold: int
    unhealthy_threshold: int
    deregistration_delay: float
    crash_delay: float
    stable_delay: float
    retry_backoff: float
    retry_backoff_max: float
    unhealthy_task_checks: int
    metric_flush: float
    stopped_task_ttl: float
    external_images: str
    start_timeout: float
    edge_port_base: int = 0
    invalidation_seconds: float = 5.0

    @classmethod
    def from_env(cls) -> Settings:
        ext = os.environ.get("SLIPWAY_EXTERNAL_IMAGES", "healthy")
        if ext not in ("healthy", "fail"):
            raise SystemExit("SLIPWAY_EXTERNAL_IMAGES must be 'healthy' or 'fail'")
        listener_port_base = _i("SLIPWAY_LISTENER_PORT_BASE", 20000)
        return cls(
            port=emulator_port(os.environ),
            listener_port_base=listener_port_base,
            tick=_f("SLIPWAY_TICK_SECONDS", 0.5),
            provisioning_delay=_f("SLIPWAY_TASK_PROVISIONING_SECONDS", 1.0),
            pending_delay=_f("SLIPWAY_TASK_PENDING_SECONDS", 1.0),
            health_interval=_f("SLIPWAY_HEALTH_CHECK_INTERVAL", 1.0),
            healthy_threshold=_i("SLIPWAY_HEALTHY_THRESHOLD", 2),
            unhealthy_threshold=_i("SLIPWAY_UNHEALTHY_THRESHOLD", 2),
            deregistration_delay=_f("SLIPWAY_DEREGISTRATION_DELAY", 1.0),
            crash_delay=_f("SLIPWAY_CRASH_SECONDS", 2.0),
            stable_delay=_f("SLIPWAY_TASK_STABLE_SECONDS", 3.0),
            retry_backoff=_f("SLIPWAY_TASK_RETRY_BACKOFF", 1.0),
            retry_backoff_max=_f("SLIPWAY_TASK_RETRY_BACKOFF_MAX", 15.0),
            unhealthy_task_checks=_i("SLIPWAY_UNHEALTHY_TASK_CHECKS", 10),
            metric_flush=_f("SLIPWAY_METRIC_FLUSH_SECONDS", 5.0),
            stopped_task_ttl=_f("SLIPWAY_STOPPED_TASK_TTL", 900.0),
            external_images=ext,
            start_timeout=_f("SLIPWAY_START_TIMEOUT", 30.0),
            # CloudFront edges: distribution i (0, 1, ...) is served on edge_port_base + i
            edge_port_base=_i("SLIPWAY_EDGE_PORT_BASE", listener_port_base + EDGE_PORT_OFFSET),
            invalidation_seconds=_f("SLIPWAY_INVALIDATION_SECONDS", 5.0),
        )

    def describe(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def port_problems(self) -> tuple[list[str], list[str]]:
        """``(errors, warnings)`` about the ports: errors stop ``up``/``serve``; warnings are printed.

        The emulator's API port must be a valid port outside the kernel's
        ephemeral range (where any outgoing connection may take it). A listener
        on port P is served on base + P: it must fit below 65536, and
        base + 80/443/9000 (the ports Slipway's ALBs use) inside the ephemeral
        range only draws a warning, since a listener port is retried every few
        seconds and ``status`` shows one that cannot be bound."""
        errors: list[str] = []
        warnings: list[str] = []
        low, high = ephemeral_port_range()
        if not 1 <= self.port <= 65535:
            errors.append(f"SLIPWAY_EMULATOR_PORT={self.port} is not a TCP port (1-65535); pick e.g. 4566")
        elif low <= self.port <= high:
            errors.append(
                f"SLIPWAY_EMULATOR_PORT={self.port} is inside the ephemeral port range {low}-{high}, where the kernel hands out "
                f"ports to outgoing connections; pick a port below {low} (e.g. 4566) or above {high}"
            )
        if not 1 <= self.listener_port_base <= 65535 - 80:
            errors.append(f"SLIPWAY_LISTENER_PORT_BASE={self.listener_port_base} must be 1..65455 so that base + 80 is a TCP port; the default is 20000")
        else:
            for port in LISTENER_PORTS:
                local = self.listener_port_base + port
                if local > 65535:
                    warnings.append(f"SLIPWAY_LISTENER_PORT_BASE={self.listener_port_base}: a listener on port {port} would need port {local} > 65535")
                elif low <= local <= high:
                    warnings.append(
                        f"SLIPWAY_LISTENER_PORT_BASE={self.listener_port_base}: a listener on port {port} is served on {local}, inside the "
                        f"ephemeral port range {low}-{high} (it may be taken); a base of 20000 keeps 80/443/9000 below {low}"
                    )
        edge_last = self.edge_port_base + EDGE_PORTS - 1
        if not 1 <= self.edge_port_base or edge_last > 65535:
            warnings.append(
                f"CloudFront edges are served on ports {self.edge_port_base}-{edge_last} (SLIPWAY_EDGE_PORT_BASE, default listener base + "
                f"{EDGE_PORT_OFFSET}), outside 1-65535; set SLIPWAY_EDGE_PORT_BASE"
            )
        elif self.edge_port_base <= high and edge_last >= low:
            warnings.append(
                f"CloudFront edges are served on ports {self.edge_port_base}-{edge_last} (SLIPWAY_EDGE_PORT_BASE, default listener base + "
                f"{EDGE_PORT_OFFSET}), inside the ephemeral port range {low}-{high} (they may be taken); a listener base of 20000 puts them at 28000"
            )
        return errors, warnings


# CloudFront edges: the first distribution is served on listener base + 8000 (28000 by default), the next ones above it.
EDGE_PORT_OFFSET = 8000
EDGE_PORTS = 10  # ports checked by port_problems (distributions beyond the tenth are served too, if their port is free)

# Listener ports Slipway's load balancers use (HTTP 80, HTTPS 443, the test listener 9000).
LISTENER_PORTS = (80, 443, 9000)


def ephemeral_port_range() -> tuple[int, int]:
    """The kernel's ephemeral (local) port range; Linux's default when it cannot be read."""
    try:
        low, high = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


DEFAULT_PORT = 4566


def emulator_port(environ: dict[str, str] | os._Environ) -> int:
    """The emulator's port from the one setting every entry point reads.

    The same rule as the inventories' lookup (plugins/lookup/emulator_endpoint.py):
    SLIPWAY_EMULATOR_PORT, else the port of a loopback AWS_ENDPOINT_URL, else
    4566; both set and naming different addresses is an error, so make,
    tools/local-aws, Terraform and Ansible never talk to different emulators.
    """
    import urllib.parse

    raw = environ.get("SLIPWAY_EMULATOR_PORT", "").strip()
    url = environ.get("AWS_ENDPOINT_URL", "").strip()
    port = None
    if raw:
        if not raw.isdigit():
            raise SystemExit(f"SLIPWAY_EMULATOR_PORT={raw!r} is not a TCP port. Fix: export SLIPWAY_EMULATOR_PORT=4566 (or another free port)")
        port = int(raw)
    if url:
        parsed = urllib.parse.urlsplit(url)
        loopback = parsed.hostname in ("127.0.0.1", "localhost")
        try:
            url_port = parsed.port or (443 if parsed.scheme == "https" else 80)
        except ValueError:
            url_port = None
        if port is not None and (not loopback or url_port != port):
            raise SystemExit(f"AWS_ENDPOINT_URL={url} and SLIPWAY_EMULATOR_PORT={port} name different emulators. Fix: unset one of them, or make them agree")
        if port is None:
            if not loopback or url_port is None:
                raise SystemExit(
                    f"AWS_ENDPOINT_URL={url} is not a loopback address, so it is not this emulator. "
                    "Fix: unset AWS_ENDPOINT_URL, or set SLIPWAY_EMULATOR_PORT and AWS_ENDPOINT_URL=http://127.0.0.1:PORT"
                )
            port = url_port
    return port if port is not None else DEFAULT_PORT


def repo_root() -> Path:
    env = os.environ.get("SLIPWAY_REPO_ROOT")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    env = os.environ.get("SLIPWAY_EMULATOR_STATE_DIR")
    return Path(env) if env else repo_root() / ".local-aws"
