"""The emulator process: moto's threaded server plus the data-plane threads."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from typing import Any

from .config import Settings, state_dir

LOG = logging.getLogger("local_aws.server")
READY_PATH = "/_slipway/ready"


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def install_ready(settings: Settings, alb: Any) -> None:
    """``GET /_slipway/ready``: whether every ALB listener's loopback port is served (uncounted)."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    from . import faults

    orig_call = DomainDispatcherApplication.__call__

    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != READY_PATH:
            return orig_call(self, environ, start_response)
        listeners = alb.report()
        body = {
            "ready": all(item["served"] for item in listeners),
            "pid": os.getpid(),
            "port": settings.port,
            "listener_port_base": settings.listener_port_base,
            "listeners": listeners,
            "fault_rules": len(faults.REGISTRY.rules()),
        }
        data = json.dumps(body, indent=1).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]


def serve(settings: Settings) -> int:
    logging.basicConfig(
        level=os.environ.get("SLIPWAY_EMULATOR_LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not os.environ.get("SLIPWAY_EMULATOR_ACCESS_LOG"):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    errors, warnings = settings.port_problems()
    for problem in warnings:
        LOG.warning("%s", problem)
    if errors:
        for problem in errors:
            LOG.error("%s", problem)
        return 2
    if not port_free(settings.port):
        LOG.error("port 127.0.0.1:%s is already in use; stop what uses it or set SLIPWAY_EMULATOR_PORT", settings.port)
        return 2

    from moto.server import ThreadedMotoServer

    from . import calls, faults, lambdas, patches, s3_replication, secrets_ext
    from .alb import AlbPlane
    from .plane import DataPlane

    plane = DataPlane(settings)
    alb = AlbPlane(settings, plane)
    plane.alb = alb
    patches.install(plane)
    from . import speed

    speed.install()
    lambdas.install(settings.port)
    secrets_ext.install()
    s3_replication.install()
    from . import elasticache_ext, iam_ext

    iam_ext.install()
    from . import iam_account_ext  # the root user: credential report row, account summary, virtual MFA device

    iam_account_ext.install()
    from . import elb_ext  # DescribeLoadBalancerAttributes answers every attribute (AWS's defaults)

    elb_ext.install()
    from . import ec2_ext

    ec2_ext.install()
    elasticache_ext.install()
    from . import services_ext

    services_ext.install()  # after elasticache_ext: member clusters inherit the group's subnet group name
    from . import ecr_scan

    ecr_scan.install()
    from . import rds_pg

    rds = rds_pg.install(settings)
    from . import rds_snapshots

    rds_snapshots.install()
    from . import rds_ext  # DescribeDBInstances answers MonitoringInterval / MonitoringRoleArn (Enhanced Monitoring)

    rds_ext.install()
    calls.install()
    faults.install()
    install_ready(settings, alb)
    from . import replay

    replay.install()  # outermost wrapper of the dispatcher: a replayed retry reaches nothing inside
    from . import alarms, cloudfront, edge, trafficgen, webhook

    cloudfront.install(settings.invalidation_seconds)
    edges = edge.install(settings)

    evaluator = alarms.AlarmEvaluator()
    alarms.install(evaluator)
    traffic = trafficgen.install()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=settings.port, verbose=False)
    # moto's server thread dies silently when it cannot bind, and start() then waits forever:
    # report the failure instead, so that `up` fails at once with the reason in the log.
    bind_errors: list[BaseException] = []
    orig_entry = server._server_entry

    def server_entry() -> None:
        try:
            orig_entry()
        except BaseException as exc:  # noqa: BLE001  reported by the main thread
            bind_errors.append(exc)
            server._server_ready_event.set()

    server._server_entry = server_entry  # type: ignore[method-assign]
    server.start()
    if bind_errors:
        LOG.error("cannot serve the emulator API on 127.0.0.1:%s: %s; stop what uses it or set SLIPWAY_EMULATOR_PORT", settings.port, bind_errors[0])
        return 2
    LOG.info("moto server on http://127.0.0.1:%s; settings %s", settings.port, settings.describe())

    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        LOG.info("signal %s: shutting down", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    info = state_dir() / "emulator.json"
    info.parent.mkdir(parents=True, exist_ok=True)
    hook = webhook.install(settings.port)
    hook_info = {"webhook_port": hook.port if hook and hook.server else None, "webhook_url": hook.url if hook and hook.server else None}
    if hook and hook.error:
        hook_info["webhook_error"] = hook.error
    info.write_text(json.dumps({"pid": os.getpid(), "port": settings.port, "listener_port_base": settings.listener_port_base, **hook_info}))

    def loop() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                plane.tick()
                alb.reconcile()
                alb.maybe_flush()
            except Exception:
                LOG.exception("reconcile tick failed")
            try:
                edges.reconcile()
            except Exception:
                LOG.exception("CloudFront edge reconcile failed")
            try:
                evaluator.maybe_evaluate()
            except Exception:
                LOG.exception("alarm evaluation failed")
            stop.wait(max(0.0, settings.tick - (time.monotonic() - started)))

    worker = threading.Thread(target=loop, name="reconcile", daemon=True)
    worker.start()
    stop.wait()
    traffic.stop()
    if hook:
        hook.stop()
    alb.clear()
    edges.clear()
    rds.shutdown()
    server.stop()
    LOG.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(serve(Settings.from_env()))
