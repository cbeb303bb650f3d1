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

    @classmethod
    def from_env(cls) -> Settings:
        ext = os.environ.get("SLIPWAY_EXTERNAL_IMAGES", "healthy")
        if ext not in ("healthy", "fail"):
            raise SystemExit("SLIPWAY_EXTERNAL_IMAGES must be 'healthy' or 'fail'")
        return cls(
            port=_i("SLIPWAY_EMULATOR_PORT", 4566),
            listener_port_base=_i("SLIPWAY_LISTENER_PORT_BASE", 20000),
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
        )

    def describe(self) -> dict[str, object]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def repo_root() -> Path:
    env = os.environ.get("SLIPWAY_REPO_ROOT")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2]


def state_dir() -> Path:
    env = os.environ.get("SLIPWAY_EMULATOR_STATE_DIR")
    return Path(env) if env else repo_root() / ".local-aws"
