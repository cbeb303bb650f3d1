"""The ECS data plane: tasks that start, register in target groups, report
health according to their image and get replaced when they fail.

Everything here runs in the emulator's reconcile thread while holding
``LOCK``; moto's request handlers take the same lock (see patches.py), so
backend objects are never mutated concurrently."""

from __future__ import annotations

import copy
import ipaddress
import logging
import math
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.utils import utcnow
from moto.ec2.models import ec2_backends
from moto.ecr.models import ecr_backends
from moto.ecs.models import Task, ecs_backends
from moto.elbv2.models import elbv2_backends

from .config import ACCOUNT_ID, REGION, Settings
from .images import Behaviour, behaviour_from_manifest, is_emulated_ecr, parse_image

LOG = logging.getLogger("local_aws.plane")
LOCK = threading.RLock()

LIVE = ("PROVISIONING", "PENDING", "RUNNING")


class EmulatedTask(Task):
    """A moto Task whose status is driven by the data plane only (moto's
    ManagedState would otherwise walk RUNNING -> STOPPED on describe)."""

    @property
    def status(self) -> str | None:  # type: ignore[override]
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value

    def advance(self) -> None:  # describe_tasks calls this; no-op for us
        return None


@dataclass
class TaskRec:
    arn: str
    task_id: str
    cluster: str
    service_key: str
    service_name: str
    deployment_id: str
    task: EmulatedTask
    ip: str
    image: str
    targets: list[tuple[str, int]]  # (target group arn, port)
    phase: str = "PROVISIONING"
    phase_since: float = field(default_factory=time.monotonic)
    behaviour: Behaviour | None = None
    digest: str = ""
    app: str = ""
    registered: bool = False
    stop_at: float = 0.0
    stopped_mono: float = 0.0


@dataclass
class TargetHealth:
    task_arn: str
    port: int
    state: str = "initial"
    reason: str | None = "Elb.RegistrationInProgress"
    description: str | None = "Target registration is in progress"
    ok_streak: int = 0
    fail_streak: int = 0
    unhealthy_checks: int = 0
    next_check: float = 0.0
    drain_until: float = 0.0


@dataclass
class DeployMeta:
    consecutive_failures: int = 0
    retry_at: float = 0.0


def circuit_breaker_threshold(desired: int) -> int:
    return max(3, min(200, math.ceil(0.5 * desired)))


def http_code_matches(matcher: dict[str, Any] | None, code: int) -> bool:
    spec = str((matcher or {}).get("HttpCode") or "200")
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            lo, hi = part.split("-", 1)
            if int(lo) <= code <= int(hi):
                return True
        elif part and int(part) == code:
            return True
    return False


class DataPlane:
    def __init__(self, settings: Settings):
        self.s = settings
        self.tasks: dict[str, TaskRec] = {}
        self.by_ip: dict[str, str] = {}
        self.health: dict[tuple[str, str], TargetHealth] = {}
        self.deploy_meta: dict[str, DeployMeta] = {}
        self.steady: dict[str, bool] = {}
        self.alb: Any = None  # set by server (alb.AlbPlane)

    # ------------------------------------------------------------------ state
    def clear(self) -> None:
        with LOCK:
            self.tasks.clear()
            self.by_ip.clear()
            self.health.clear()
            self.deploy_meta.clear()
            self.steady.clear()

    @staticmethod
    def ecs() -> Any:
        return ecs_backends[ACCOUNT_ID][REGION]

    @staticmethod
    def elbv2() -> Any:
        return elbv2_backends[ACCOUNT_ID][REGION]

    @staticmethod
    def ecr() -> Any:
        return ecr_backends[ACCOUNT_ID][REGION]

    @staticmethod
    def cloudwatch() -> Any:
        return cloudwatch_backends[ACCOUNT_ID][REGION]

    # ------------------------------------------------------------ main tick
    def tick(self) -> None:
        with LOCK:
            now = time.monotonic()
            ecs = self.ecs()
            services = {key: svc for key, svc in ecs.services.items()}
            self._advance_tasks(now, ecs)
            self._health_checks(now)
            for key, svc in services.items():
                try:
                    self._reconcile_service(now, ecs, key, svc)
                except Exception:  # keep the loop alive, report in the log
                    LOG.exception("reconcile of service %s failed", key)
            self._orphans(now, services)
            self._update_counts(ecs, services)
            self._prune(now, ecs)

    # ------------------------------------------------------------ helpers
    @staticmethod
    def _event(svc: Any, message: str) -> None:
        svc.events.insert(0, {"id": str(uuid.uuid4()), "createdAt": utcnow(), "message": message})
        del svc.events[100:]

    @staticmethod
    def _primary(svc: Any) -> dict[str, Any] | None:
        for dep in svc.deployments:
            if dep.get("status") == "PRIMARY":
                return dep
        return None

    def _tasks_of(self, dep_id: str, phases: tuple[str, ...] = LIVE) -> list[TaskRec]:
        return [r for r in self.tasks.values() if r.deployment_id == dep_id and r.phase in phases]

    def _pick_ip(self, subnet_id: str | None) -> str:
        cidr = None
        if subnet_id:
            try:
                cidr = ec2_backends[ACCOUNT_ID][REGION].get_subnet(subnet_id).cidr_block
            except Exception:  # noqa: BLE001  unknown subnet: any 10.x address
                cidr = None
        used = set(self.by_ip)
        if cidr:
            net = ipaddress.ip_network(cidr, strict=False)
            hosts = net.num_addresses
            if hosts > 8:
                for _ in range(200):
                    ip = str(net.network_address + random.randint(4, hosts - 2))
                    if ip not in used:
                        return ip
        while True:
            ip = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(2, 254)}"
            if ip not in used:
                return ip

    # ------------------------------------------------------------ launching
    def _launch(self, now: float, ecs: Any, svc: Any, dep: dict[str, Any]) -> TaskRec:
        import moto.ecs.models as ecs_models

        cluster = ecs.clusters[svc.cluster_name]
        task_def = ecs.describe_task_definition(dep["taskDefinition"])
        net = copy.deepcopy(svc.network_configuration or dep.get("networkConfiguration") or {})
        subnet = None
        if net.get("awsvpcConfiguration"):
            net["awsvpcConfiguration"].setdefault("securityGroups", [])
            subnet = (net["awsvpcConfiguration"].get("subnets") or [None])[0]
        ip = self._pick_ip(subnet)
        kwargs = dict(
            cluster=cluster,
            task_definition=task_def,
            container_instance_arn=None,
            resource_requirements=None,
            backend=ecs,
            group=f"service:{svc.name}",
            launch_type=svc.launch_type or "FARGATE",
            started_by=dep["id"],
            tags=[],
            platform_version=svc.platform_version or "1.4.0",
        )
        original_ip = ecs_models.random_private_ip
        ecs_models.random_private_ip = lambda *a, **k: ip  # type: ignore[assignment]
        try:
            if task_def.network_mode == "awsvpc" and net.get("awsvpcConfiguration"):
                task = EmulatedTask(networking_configuration=net, **kwargs)
            else:
                raise ValueError("no awsvpc network")
        except Exception:  # noqa: BLE001
            # no usable awsvpc configuration (or ENI creation failed): synthesize the attachment
            LOG.debug("task of %s without a moto ENI", svc.name)
            shallow = copy.copy(task_def)
            shallow.network_mode = "bridge"
            kwargs["task_definition"] = shallow
            task = EmulatedTask(**kwargs)
            task.task_definition_arn = task_def.arn
            task.attachments = [
                {
                    "id": str(uuid.uuid4()),
                    "type": "ElasticNetworkInterface",
                    "status": "ATTACHED",
                    "details": [
                        {"name": "subnetId", "value": subnet or ""},
                        {"name": "privateIPv4Address", "value": ip},
                    ],
                }
            ]
        finally:
            ecs_models.random_private_ip = original_ip
        stamp = utcnow()
        task.status = "PROVISIONING"
        task.desired_status = "RUNNING"
        task.created_at = stamp
        task.cpu = task_def.cpu
        task.memory = task_def.memory
        task.availability_zone = f"{REGION}a"
        task.connectivity = "CONNECTED"
        task.connectivity_at = stamp
        task.health_status = "UNKNOWN"
        task.version = 1
        for c in task.containers:
            c.health_status = "UNKNOWN"
            c.task_arn = task.task_arn
            c.last_status = "PENDING"
            c.network_interfaces = [{"attachmentId": task.attachments[0]["id"] if task.attachments else "", "privateIpv4Address": ip}]
        ecs.tasks.setdefault(cluster.name, {})[task.task_arn] = task

        container = task_def.container_definitions[0]
        targets: list[tuple[str, int]] = []
        for lb in svc.load_balancers or []:
            tg_arn = lb.get("targetGroupArn")
            if not tg_arn:
                continue
            port = lb.get("containerPort")
            if port is None:
                mappings = container.get("portMappings") or [{}]
                port = mappings[0].get("containerPort", 80)
            targets.append((tg_arn, int(port)))
        rec = TaskRec(
            arn=task.task_arn,
            task_id=task.id,
            cluster=cluster.name,
            service_key=f"{svc.cluster_name}:{svc.name}",
            service_name=svc.name,
            deployment_id=dep["id"],
            task=task,
            ip=ip,
            image=container.get("image") or "",
            targets=targets,
            phase_since=now,
        )
        self.tasks[rec.arn] = rec
        self.by_ip[ip] = rec.arn
        return rec

    def _resolve_image(self, rec: TaskRec) -> str | None:
        """Fill rec.behaviour from the image; return an error text if it can't be pulled."""
        ref = parse_image(rec.image)
        rec.app = ref.repository.split("/")[-1]
        if not is_emulated_ecr(ref.registry, ACCOUNT_ID, REGION):
            if self.s.external_images == "healthy" and ref.repository:
                rec.behaviour = Behaviour("healthy", 0.0, 0, ref.tag or "")
                rec.digest = ref.digest or ""
                return None
            return f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {ref}: not found"
        repo = self.ecr().repositories.get(ref.repository)
        image = None
        if repo is not None:
            for img in repo.images:
                if ref.digest and img.get_image_digest() == ref.digest:
                    image = img
                    break
                if not ref.digest and ref.tag in img.image_tags:
                    image = img
                    break
        if image is None:
            return f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref {ref}: {ref}: not found"
        rec.digest = image.get_image_digest()
        rec.behaviour = behaviour_from_manifest(image.image_manifest, ref.tag or "")
        return None

    # ------------------------------------------------------------ lifecycle
    def _advance_tasks(self, now: float, ecs: Any) -> None:
        for rec in list(self.tasks.values()):
            task = rec.task
            age = now - rec.phase_since
            if rec.phase == "PROVISIONING" and age >= self.s.provisioning_delay:
                rec.phase, rec.phase_since = "PENDING", now
                task.status = "PENDING"
                task.pull_started_at = utcnow()
            elif rec.phase == "PENDING" and age >= self.s.pending_delay:
                error = self._resolve_image(rec)
                task.pull_stopped_at = utcnow()
                if error:
                    self._stop(now, rec, error, failed=True, stop_code="TaskFailedToStart")
                    continue
                rec.phase, rec.phase_since = "RUNNING", now
                task.status = "RUNNING"
                task.started_at = utcnow()
                for c in task.containers:
                    c.last_status = "RUNNING"
                    c.image_digest = rec.digest
                    c.runtime_id = rec.task_id[:12]
                self._register(now, rec)
            elif rec.phase == "RUNNING":
                b = rec.behaviour
                if b and b.kind == "crash" and age >= self.s.crash_delay:
                    for c in task.containers:
                        c.exitCode = 1
                        c.exit_code = 1
                        c.reason = "Essential container in task exited"
                    self._stop(
                        now,
                        rec,
                        "Essential container in task exited",
                        failed=True,
                        stop_code="EssentialContainerExited",
                    )
            elif rec.phase == "DEACTIVATING" and now >= rec.stop_at:
                self._finish_stop(now, rec)

    def _register(self, now: float, rec: TaskRec) -> None:
        elb = self.elbv2()
        for tg_arn, port in rec.targets:
            tg = elb.target_groups.get(tg_arn)
            if tg is None:
                continue
            tg.register([{"Id": rec.ip, "Port": port}])
            self.health[(tg_arn, rec.ip)] = TargetHealth(task_arn=rec.arn, port=port, next_check=now + self.s.health_interval)
        rec.registered = True

    def _stop(
        self,
        now: float,
        rec: TaskRec,
        reason: str,
        failed: bool = False,
        stop_code: str = "ServiceSchedulerInitiated",
    ) -> None:
        if rec.phase in ("DEACTIVATING", "STOPPED"):
            return
        task = rec.task
        task.desired_status = "STOPPED"
        task.stopped_reason = reason
        task.stop_code = stop_code
        task.stopping_at = utcnow()
        was_running = rec.phase == "RUNNING"
        if failed:
            self._task_failed(now, rec)
        if rec.registered:
            elb = self.elbv2()
            for tg_arn, port in rec.targets:
                tg = elb.target_groups.get(tg_arn)
                if tg is not None and rec.ip in tg.targets:
                    tg.deregister([{"Id": rec.ip, "Port": port}])
                h = self.health.get((tg_arn, rec.ip))
                if h is not None:
                    h.state = "draining"
                    h.reason = "Target.DeregistrationInProgress"
                    h.description = "Target deregistration is in progress"
                    h.drain_until = now + self.s.deregistration_delay
            rec.phase, rec.phase_since = "DEACTIVATING", now
            rec.stop_at = now + self.s.deregistration_delay
            task.status = "DEACTIVATING"
            if not was_running:
                for c in task.containers:
                    c.last_status = "STOPPED"
        else:
            self._finish_stop(now, rec)

    def _finish_stop(self, now: float, rec: TaskRec) -> None:
        task = rec.task
        rec.phase, rec.phase_since = "STOPPED", now
        rec.stopped_mono = now
        task.status = "STOPPED"
        task.desired_status = "STOPPED"
        task.stopped_at = utcnow()
        task.execution_stopped_at = task.stopped_at
        for c in task.containers:
            c.last_status = "STOPPED"
        for att in task.attachments:
            att["status"] = "DELETED"
        for tg_arn, _ in rec.targets:
            self.health.pop((tg_arn, rec.ip), None)
            tg = self.elbv2().target_groups.get(tg_arn)
            if tg is not None:
                tg.deregistered_targets.pop(rec.ip, None)
        if self.by_ip.get(rec.ip) == rec.arn:
            del self.by_ip[rec.ip]
        # release the ENI like ECS does
        for att in task.attachments:
            for d in att.get("details", []):
                if d.get("name") == "networkInterfaceId":
                    try:
                        ec2_backends[ACCOUNT_ID][REGION].delete_network_interface(d["value"])
                    except Exception:  # noqa: BLE001  already gone
                        LOG.debug("ENI %s not deleted", d["value"])

    def _task_failed(self, now: float, rec: TaskRec) -> None:
        ecs = self.ecs()
        svc = ecs.services.get(rec.service_key)
        meta = self.deploy_meta.setdefault(rec.deployment_id, DeployMeta())
        meta.consecutive_failures += 1
        backoff = min(
            self.s.retry_backoff * (2 ** (meta.consecutive_failures - 1)),
            self.s.retry_backoff_max,
        )
        meta.retry_at = now + backoff
        if svc is None:
            return
        dep = next((d for d in svc.deployments if d["id"] == rec.deployment_id), None)
        if dep is None:
            return
        dep["failedTasks"] = int(dep.get("failedTasks") or 0) + 1
        dep["updatedAt"] = utcnow()
        self._event(
            svc,
            f"(service {svc.name}) (task {rec.task_id}) failed: {rec.task.stopped_reason}",
        )
        cb = (getattr(svc, "deployment_configuration", None) or {}).get("deploymentCircuitBreaker") or {}
        if (
            cb.get("enable")
            and dep.get("status") == "PRIMARY"
            and dep.get("rolloutState") == "IN_PROGRESS"
            and dep["failedTasks"] >= circuit_breaker_threshold(int(dep.get("desiredCount") or 0))
        ):
            dep["rolloutState"] = "FAILED"
            dep["rolloutStateReason"] = "ECS deployment circuit breaker: tasks failed to start."
            self._event(
                svc,
                f"(service {svc.name}) (deployment {dep['id']}) deployment failed: tasks failed to start.",
            )
            if cb.get("rollback"):
                self._rollback(svc, dep)

    def _rollback(self, svc: Any, failed: dict[str, Any]) -> None:
        previous = [d for d in svc.deployments if d is not failed]
        if not previous:
            return
        target = previous[0]
        new = self._new_deployment(svc, target["taskDefinition"], int(failed.get("desiredCount") or 0))
        failed["status"] = "ACTIVE"
        svc.task_definition = target["taskDefinition"]
        svc.deployments.insert(0, new)
        self._event(
            svc,
            f"(service {svc.name}) rolling back to deployment {target['id']} (task definition {target['taskDefinition']}) with new deployment {new['id']}.",
        )

    @staticmethod
    def _new_deployment(svc: Any, task_definition: str, desired: int) -> dict[str, Any]:
        dep_id = f"ecs-svc/{random.randint(10**18, 10**19 - 1)}"
        now = utcnow()
        return {
            "id": dep_id,
            "status": "PRIMARY",
            "taskDefinition": task_definition,
            "desiredCount": desired,
            "pendingCount": 0,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": now,
            "updatedAt": now,
            "launchType": svc.launch_type,
            "platformVersion": svc.platform_version or "1.4.0",
            "platformFamily": "Linux",
            "networkConfiguration": svc.network_configuration or None,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {dep_id} in progress.",
        }

    # ------------------------------------------------------------ health
    def _health_checks(self, now: float) -> None:
        elb = self.elbv2()
        for (tg_arn, _ip), h in list(self.health.items()):
            if h.state == "draining":
                continue
            if now < h.next_check:
                continue
            h.next_check = now + self.s.health_interval
            rec = self.tasks.get(h.task_arn)
            tg = elb.target_groups.get(tg_arn)
            if rec is None or tg is None or rec.phase != "RUNNING":
                continue
            if not tg.health_check_enabled:
                h.state, h.reason, h.description = "unavailable", "Target.HealthCheckDisabled", "Health checks are disabled"
                continue
            path = tg.health_check_path or "/"
            code, timed_out = health_probe(rec.behaviour, path, tg)
            ok = (not timed_out) and http_code_matches(getattr(tg, "matcher", None), code)
            if ok:
                h.ok_streak += 1
                h.fail_streak = 0
                h.unhealthy_checks = 0
                if h.state != "healthy" and h.ok_streak >= self.s.healthy_threshold:
                    h.state, h.reason, h.description = "healthy", None, None
                    self.deploy_meta.setdefault(rec.deployment_id, DeployMeta()).consecutive_failures = 0
            else:
                h.fail_streak += 1
                h.ok_streak = 0
                if h.state != "unhealthy" and h.fail_streak >= self.s.unhealthy_threshold:
                    h.state = "unhealthy"
                    if timed_out:
                        h.reason = "Target.Timeout"
                        h.description = f"Request timed out (GET {path})"
                    else:
                        h.reason = "Target.ResponseCodeMismatch"
                        h.description = f"Health checks failed with these codes: [{code}] (GET {path})"
                if h.state == "unhealthy":
                    h.unhealthy_checks += 1
                    if h.unhealthy_checks >= self.s.unhealthy_task_checks:
                        self._stop(
                            now,
                            rec,
                            f"Task failed ELB health checks in (target-group {tg_arn})",
                            failed=True,
                        )

    def task_healthy_everywhere(self, rec: TaskRec, now: float | None = None) -> bool:
        if rec.phase != "RUNNING":
            return False
        if now is not None and now - rec.phase_since < self.s.stable_delay:
            return False  # not yet counted as stable (a crashing image must get the chance to crash)
        for tg_arn, _ in rec.targets:
            h = self.health.get((tg_arn, rec.ip))
            if h is not None and h.state not in ("healthy", "unavailable"):
                return False
        return True

    # ------------------------------------------------------------ scheduler
    def _reconcile_service(self, now: float, ecs: Any, key: str, svc: Any) -> None:
        if not hasattr(svc, "deployment_configuration"):
            svc.deployment_configuration = default_deployment_configuration()
        primary = self._primary(svc)
        if primary is None and svc.task_definition and svc.status == "ACTIVE":
            primary = self._new_deployment(svc, svc.task_definition, svc.desired_count)
            svc.deployments.insert(0, primary)
        if primary is None:
            return
        active = svc.status == "ACTIVE"
        if not active:
            for dep in svc.deployments:
                for rec in self._tasks_of(dep["id"]):
                    self._stop(now, rec, "Service deleted")
            return

        # the PRIMARY deployment gets its desired count
        want = int(primary.get("desiredCount") or 0)
        live = self._tasks_of(primary["id"])
        meta = self.deploy_meta.setdefault(primary["id"], DeployMeta())
        halted = primary.get("rolloutState") == "FAILED"
        if len(live) < want and not halted and now >= meta.retry_at:
            started = [self._launch(now, ecs, svc, primary) for _ in range(want - len(live))]
            self._event(
                svc,
                f"(service {svc.name}) has started {len(started)} tasks: " + " ".join(f"(task {r.task_id})" for r in started) + ".",
            )
            self.steady[key] = False
        elif len(live) > want:
            # stop the youngest / least progressed first
            order = {"PROVISIONING": 0, "PENDING": 1, "RUNNING": 2}
            extra = sorted(live, key=lambda r: (order[r.phase], -r.phase_since))[: len(live) - want]
            for rec in extra:
                self._stop(now, rec, f"Scaling activity initiated by (deployment {primary['id']})")
            self._event(
                svc,
                f"(service {svc.name}) has stopped {len(extra)} running tasks: " + " ".join(f"(task {r.task_id})" for r in extra) + ".",
            )
            self.steady[key] = False

        live = self._tasks_of(primary["id"])
        healthy = [r for r in live if self.task_healthy_everywhere(r, now)]
        primary_ready = len(healthy) >= want and len(live) == want and not halted

        # older deployments are drained once the PRIMARY is ready (or was rolled back from)
        for dep in list(svc.deployments):
            if dep is primary:
                continue
            failed_dep = dep.get("rolloutState") == "FAILED"
            if primary_ready or failed_dep:
                dep["desiredCount"] = 0
                stopping = self._tasks_of(dep["id"])
                for rec in stopping:
                    self._stop(now, rec, f"Scaling activity initiated by (deployment {primary['id']})")
                if stopping:
                    self._event(
                        svc,
                        f"(service {svc.name}) has stopped {len(stopping)} running tasks: " + " ".join(f"(task {r.task_id})" for r in stopping) + ".",
                    )
                if not self._tasks_of(dep["id"], (*LIVE, "DEACTIVATING")):
                    svc.deployments.remove(dep)

        if primary_ready and len(svc.deployments) == 1:
            if not self._tasks_of(primary["id"], ("DEACTIVATING",)):
                if primary.get("rolloutState") == "IN_PROGRESS":
                    primary["rolloutState"] = "COMPLETED"
                    primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
                    primary["updatedAt"] = utcnow()
                    self._event(svc, f"(service {svc.name}) (deployment {primary['id']}) deployment completed.")
                if not self.steady.get(key):
                    self.steady[key] = True
                    self._event(svc, f"(service {svc.name}) has reached a steady state.")
        else:
            self.steady[key] = False

    def _orphans(self, now: float, services: dict[str, Any]) -> None:
        for rec in list(self.tasks.values()):
            if rec.phase not in LIVE:
                continue
            svc = services.get(rec.service_key)
            if svc is None or not any(d["id"] == rec.deployment_id for d in svc.deployments):
                self._stop(now, rec, "Service or deployment no longer exists")

    def _update_counts(self, ecs: Any, services: dict[str, Any]) -> None:
        per_cluster: dict[str, list[int]] = {}
        for svc in services.values():
            run = pend = 0
            for dep in svc.deployments:
                recs = self._tasks_of(dep["id"])
                r = sum(1 for x in recs if x.phase == "RUNNING")
                p = sum(1 for x in recs if x.phase in ("PROVISIONING", "PENDING"))
                if dep.get("runningCount") != r or dep.get("pendingCount") != p:
                    dep["runningCount"], dep["pendingCount"] = r, p
                    dep["updatedAt"] = utcnow()
                run += r
                pend += p
            svc.running_count, svc.pending_count = run, pend
            c = per_cluster.setdefault(svc.cluster_name, [0, 0, 0])
            c[0] += run
            c[1] += pend
            c[2] += 1 if svc.status == "ACTIVE" else 0
        for name, cluster in ecs.clusters.items():
            run, pend, act = per_cluster.get(name, [0, 0, 0])
            cluster.running_tasks_count = run
            cluster.pending_tasks_count = pend
            cluster.active_services_count = act

    def _prune(self, now: float, ecs: Any) -> None:
        for rec in list(self.tasks.values()):
            if rec.phase == "STOPPED" and now - rec.stopped_mono > self.s.stopped_task_ttl:
                ecs.tasks.get(rec.cluster, {}).pop(rec.arn, None)
                del self.tasks[rec.arn]

    # ------------------------------------------------------------ lookups for the ALB
    def target_state(self, tg_arn: str, target_id: str) -> str:
        h = self.health.get((tg_arn, target_id))
        return h.state if h else "healthy"


def default_deployment_configuration() -> dict[str, Any]:
    return {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }


def health_probe(behaviour: Behaviour | None, path: str, tg: Any) -> tuple[int, bool]:
    """What a GET of the health-check path returns for this behaviour."""
    if behaviour is None:
        return 200, False
    timeout_ms = float(getattr(tg, "health_check_timeout_seconds", 5) or 5) * 1000
    if behaviour.latency_ms > timeout_ms:
        return 0, True
    if behaviour.kind == "unhealthy":
        return 503, False
    return 200, False
