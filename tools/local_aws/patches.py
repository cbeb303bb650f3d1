"""Wrappers around moto internals (installed once, at class level, so they
survive /moto-api/reset, which re-creates the backend objects)."""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import re
from typing import Any

from moto.core.responses import BaseResponse
from moto.core.utils import utcnow
from moto.dynamodb.responses import DynamoHandler
from moto.ecs.models import EC2ContainerServiceBackend
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeTargetGroup
from moto.iam.models import IAMBackend
from moto.logs.exceptions import InvalidParameterException, ResourceNotFoundException
from moto.logs.responses import LogsResponse
from moto.moto_api._internal.models import MotoAPIBackend

from .plane import LOCK, DataPlane, default_deployment_configuration

LOG = logging.getLogger("local_aws.patches")

_INSTALLED = False


def _default_security_group(backend: Any, network_configuration: dict[str, Any] | None) -> None:
    """awsvpc without securityGroups: the VPC's default security group, as ECS does ("If you don't specify a
    security group, the default security group for the VPC is used", AwsVpcConfiguration API reference); moto
    otherwise fails the request with a KeyError (HTTP 500)."""
    from moto.ec2.models import ec2_backends

    conf = (network_configuration or {}).get("awsvpcConfiguration")
    if not conf or conf.get("securityGroups") or not conf.get("subnets"):
        return
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    try:
        subnet = ec2.describe_subnets(subnet_ids=conf["subnets"][:1])[0]
    except Exception:  # noqa: BLE001  an unknown subnet: moto's own validation answers it
        return
    group = ec2.get_default_security_group(subnet.vpc_id)
    if group is not None:
        conf["securityGroups"] = [group.id]


def _merge_deployment_configuration(given: dict[str, Any] | None) -> dict[str, Any]:
    conf = default_deployment_configuration()
    for key, value in (given or {}).items():
        if isinstance(value, dict) and isinstance(conf.get(key), dict):
            conf[key] = {**conf[key], **value}
        else:
            conf[key] = value
    return conf


def _tg_request(kwargs: dict[str, Any]) -> str:
    """A CreateTargetGroup request's settings (tags aside), comparable across calls."""
    import json

    return json.dumps({k: v for k, v in kwargs.items() if k != "tags"}, sort_keys=True, default=str)


def install(plane: DataPlane) -> None:
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True

    # 1. every moto API action runs under the data-plane lock
    orig_call_action = BaseResponse.call_action

    @functools.wraps(orig_call_action)
    def call_action(self: BaseResponse) -> Any:
        with LOCK:
            return orig_call_action(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]

    # 2. ECS create_service: our deployment bookkeeping + deploymentConfiguration
    orig_create = EC2ContainerServiceBackend.create_service

    @functools.wraps(orig_create)
    def create_service(self: Any, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            _default_security_group(self, kwargs.get("network_configuration"))
            svc = orig_create(self, *args, **kwargs)
            svc.running_count = 0
            svc.pending_count = 0
            if not hasattr(svc, "deployment_configuration"):
                svc.deployment_configuration = default_deployment_configuration()
            for dep in svc.deployments:
                dep["runningCount"] = 0
                dep["pendingCount"] = 0
                dep["failedTasks"] = 0
                if dep.get("desiredCount"):
                    dep["rolloutState"] = "IN_PROGRESS"
                    dep["rolloutStateReason"] = f"ECS deployment {dep['id']} in progress."
            if svc.deployments:
                svc.events.insert(
                    0,
                    {"id": svc.deployments[0]["id"].split("/")[-1], "createdAt": utcnow(), "message": f"(service {svc.name}) was created."},
                )
            return svc

    EC2ContainerServiceBackend.create_service = create_service  # type: ignore[method-assign]

    orig_resp_create = EC2ContainerServiceResponse.create_service

    @functools.wraps(orig_resp_create)
    def resp_create_service(self: Any) -> Any:
        result = orig_resp_create(self)
        conf = self._get_param("deploymentConfiguration")
        svc = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        svc.deployment_configuration = _merge_deployment_configuration(conf)
        grace = self._get_param("healthCheckGracePeriodSeconds")
        if grace is not None:
            svc.health_check_grace_period_seconds = grace
        return result

    EC2ContainerServiceResponse.create_service = resp_create_service  # type: ignore[method-assign]

    # 3. ECS update_service: new deployments on task-definition change / force
    orig_update = EC2ContainerServiceBackend.update_service

    @functools.wraps(orig_update)
    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        with LOCK:
            cluster_str = service_properties.get("cluster", "default")
            name = str(service_properties.get("service", "")).split("/")[-1]
            svc = self._get_service(cluster_str, name)
            before_td = svc.task_definition
            before_run, before_pend = svc.running_count, svc.pending_count
            before_deps = copy.deepcopy(svc.deployments)
            before_conf = getattr(svc, "deployment_configuration", None)
            force = bool(service_properties.get("force_new_deployment"))
            new_conf = service_properties.get("deployment_configuration")
            svc = orig_update(self, service_properties)
            # moto pretends the new desired count runs immediately: undo
            svc.running_count, svc.pending_count = before_run, before_pend
            svc.deployments = before_deps
            svc.deployment_configuration = (
                _merge_deployment_configuration(new_conf) if new_conf is not None else before_conf or default_deployment_configuration()
            )
            # moto stores the short form as given; ECS answers with the full ARN
            if svc.task_definition and svc.task_definition != before_td:
                svc.task_definition = self.describe_task_definition(svc.task_definition).arn
            primary = next((d for d in svc.deployments if d.get("status") == "PRIMARY"), None)
            if svc.task_definition != before_td or force or primary is None:
                for dep in svc.deployments:
                    if dep.get("status") == "PRIMARY":
                        dep["status"] = "ACTIVE"
                        dep["updatedAt"] = utcnow()
                new = DataPlane._new_deployment(svc, svc.task_definition, svc.desired_count)
                svc.deployments.insert(0, new)
                plane.steady[f"{svc.cluster_name}:{svc.name}"] = False
            elif primary["desiredCount"] != svc.desired_count:
                primary["desiredCount"] = svc.desired_count
                primary["updatedAt"] = utcnow()
                plane.steady[f"{svc.cluster_name}:{svc.name}"] = False
            return svc

    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]

    # 4. target health comes from the data plane for targets it owns
    orig_health_for = FakeTargetGroup.health_for

    @functools.wraps(orig_health_for)
    def health_for(self: FakeTargetGroup, target: dict[str, Any], ec2_backend: Any) -> Any:
        h = plane.health.get((self.arn, target["Id"]))
        if h is None:
            return orig_health_for(self, target, ec2_backend)
        return FakeHealthStatus(target["Id"], str(h.port), self.health_check_port, h.state, h.reason, h.description)

    FakeTargetGroup.health_for = health_for  # type: ignore[method-assign]

    orig_dth = ELBv2Backend.describe_target_health

    @functools.wraps(orig_dth)
    def describe_target_health(self: Any, target_group_arn: str, targets: list[dict[str, Any]]) -> Any:
        if not targets:
            tg = self.target_groups.get(target_group_arn)
            if tg is not None:
                targets = list(tg.targets.values())
                seen = {t["Id"] for t in targets}
                for (arn, ip), h in plane.health.items():
                    if arn == target_group_arn and h.state == "draining" and ip not in seen:
                        targets.append({"Id": ip, "Port": h.port})
                if not targets:
                    return []
        return orig_dth(self, target_group_arn, targets)

    ELBv2Backend.describe_target_health = describe_target_health  # type: ignore[method-assign]

    # 5. CreateRule retried by a client (its first response lost) finds its own
    #    rule: answer with it instead of PriorityInUse, so an SDK retry of a
    #    request that did succeed cannot fail a Terraform apply.
    orig_create_rule = ELBv2Backend.create_rule

    @functools.wraps(orig_create_rule)
    def create_rule(self: Any, listener_arn: str, conditions: list[dict[str, Any]], priority: int, actions: list[dict[str, Any]], tags: Any = None) -> Any:
        with LOCK:
            for listener in self.describe_listeners(None, [listener_arn]):
                for rule in listener.rules.values():
                    if str(rule.priority) == str(priority) and rule.conditions == conditions:
                        LOG.warning("CreateRule retried for %s priority %s: answering with the existing rule", listener_arn, priority)
                        return rule
            return orig_create_rule(self, listener_arn, conditions, priority, actions, tags)

    ELBv2Backend.create_rule = create_rule  # type: ignore[method-assign]

    # 5b. CreateTargetGroup is idempotent in AWS ("If you attempt to create multiple target groups with the same
    #     settings, each call succeeds", CreateTargetGroup API reference): the same name with the same settings
    #     answers with the existing group (moto says DuplicateTargetGroupName), so an SDK retry of a request that
    #     did succeed (seen under load during a Terraform apply) cannot fail the apply. Other settings: still refused.
    orig_create_tg = ELBv2Backend.create_target_group

    @functools.wraps(orig_create_tg)
    def create_target_group(self: Any, name: str, **kwargs: Any) -> Any:
        with LOCK:
            request = _tg_request(kwargs)
            existing = next((tg for tg in self.target_groups.values() if tg.name == name), None)
            if existing is not None and getattr(existing, "slipway_request", None) == request:
                LOG.warning("CreateTargetGroup %s with the same settings: answering with the existing group", name)
                return existing
            group = orig_create_tg(self, name, **kwargs)
            group.slipway_request = request  # the settings as asked (moto fills defaults per protocol afterwards)
            return group

    ELBv2Backend.create_target_group = create_target_group  # type: ignore[method-assign]
    orig_modify_tg = ELBv2Backend.modify_target_group

    @functools.wraps(orig_modify_tg)
    def modify_target_group(self: Any, arn: str, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            group = orig_modify_tg(self, arn, *args, **kwargs)
            for tg in self.target_groups.values():
                if tg.arn == arn:
                    tg.slipway_request = None  # its settings changed: a create with the old ones is a duplicate again
            return group

    ELBv2Backend.modify_target_group = modify_target_group  # type: ignore[method-assign]

    # 6. /moto-api/reset also wipes the data plane (and closes listener ports)
    orig_reset = MotoAPIBackend.reset

    @functools.wraps(orig_reset)
    def reset(self: Any) -> None:
        with LOCK:
            orig_reset(self)
            plane.clear()
            if plane.alb is not None:
                plane.alb.clear()

    MotoAPIBackend.reset = reset  # type: ignore[method-assign]

    # 7. ListTasks honours serviceName (moto ignores it): AWS lists only the
    #    tasks the service started, whose group is "service:NAME".
    orig_list_tasks = EC2ContainerServiceBackend.list_tasks

    @functools.wraps(orig_list_tasks)
    def list_tasks(self: Any, *args: Any, **kwargs: Any) -> Any:
        service = inspect.signature(orig_list_tasks).bind(self, *args, **kwargs).arguments.get("service_name")
        tasks = orig_list_tasks(self, *args, **kwargs)
        if service:
            name = service.rsplit("/", 1)[-1]
            tasks = [t for t in tasks if getattr(t, "group", None) == f"service:{name}"]
        return tasks

    EC2ContainerServiceBackend.list_tasks = list_tasks  # type: ignore[method-assign]

    # 8. UpdateTable applies SSESpecification (moto ignores it), so a table
    #    moves to a customer-managed key in place, as AWS does: Enabled with a
    #    KMSMasterKeyId uses that key, Enabled without one the AWS managed key
    #    (aws/dynamodb), Enabled false the AWS owned key (no SSEDescription).
    orig_update_table = DynamoHandler.update_table

    @functools.wraps(orig_update_table)
    def update_table(self: Any) -> Any:
        sse = self.body.get("SSESpecification")
        if sse is not None:
            with LOCK:
                table = self.dynamodb_backend.get_table(self.body["TableName"])
                if sse.get("Enabled"):
                    spec = {"Enabled": True, "SSEType": sse.get("SSEType", "KMS")}
                    spec["KMSMasterKeyId"] = sse.get("KMSMasterKeyId") or table._get_default_encryption_key(table.account_id, table.region_name)
                    table.sse_specification = spec
                else:
                    table.sse_specification = None
        return orig_update_table(self)

    DynamoHandler.update_table = update_table  # type: ignore[method-assign]

    # 9. CreateRole retried by a client whose first answer was lost (seen under
    #    load during a Terraform apply) finds its own role: an identical request
    #    within two minutes of the creation answers with it instead of
    #    EntityAlreadyExists (AWS would refuse; the retry is logged).
    orig_create_role = IAMBackend.create_role

    @functools.wraps(orig_create_role)
    def create_role(self: Any, role_name: str, assume_role_policy_document: str, path: str, *args: Any, **kwargs: Any) -> Any:
        with LOCK:
            for role in self.get_roles():
                if (
                    role.name == role_name
                    and role.assume_role_policy_document == assume_role_policy_document
                    and role.path == (path or "/")
                    and (utcnow() - role.create_date).total_seconds() < 120
                ):
                    LOG.warning("CreateRole retried for %s: answering with the role created %s", role_name, role.create_date)
                    return role
            return orig_create_role(self, role_name, assume_role_policy_document, path, *args, **kwargs)

    IAMBackend.create_role = create_role  # type: ignore[method-assign]

    # 10. CloudWatch Logs AssociateKmsKey / DisassociateKmsKey, which moto lacks
    #    (the AWS provider calls them when a log group's kms_key_id changes).
    #    AWS: the group is named by logGroupName or by resourceIdentifier (its
    #    ARN); the key must be a KMS key ARN; an unknown group is
    #    ResourceNotFoundException.
    LogsResponse.associate_kms_key = _associate_kms_key  # type: ignore[attr-defined]
    LogsResponse.disassociate_kms_key = _disassociate_kms_key  # type: ignore[attr-defined]

    # 10. S3 bucket policies: moto treats a statement whose Condition it cannot evaluate (it passes
    #     no request context) as an explicit Deny, whatever its Effect, so the TLS-only denies
    #     (aws:SecureTransport, s3:TlsVersion) and a CloudFront OAC grant (AWS:SourceArn) refuse
    #     every PutObject. AWS applies such statements only when the condition holds: a caller
    #     that is not the named service principal, over TLS (what the emulator stands in for), is
    #     not affected. Conditional statements and service-principal statements are left out of
    #     the evaluation; the CloudFront edge (edge.py) evaluates the OAC grant itself.
    from moto.s3.models import FakeBucket

    FakeBucket.get_permission = _bucket_permission  # type: ignore[method-assign]

    # 11. SQS SetQueueAttributes changes only the attributes it names (SetQueueAttributes API reference:
    #     "Sets the value of one or more queue attributes"). moto set the queue's policy to the request's
    #     Policy whatever the request named, so setting a RedrivePolicy, say, dropped the queue's policy. A
    #     request that names Policy still sets it ("" removes it, as in AWS).
    from moto.sqs.models import SQSBackend

    orig_set_queue_attributes = SQSBackend.set_queue_attributes

    @functools.wraps(orig_set_queue_attributes)
    def set_queue_attributes(self: Any, queue_name: str, attributes: dict[str, Any]) -> Any:
        with LOCK:
            kept = self.get_queue(queue_name).policy
            queue = orig_set_queue_attributes(self, queue_name, attributes)
            if "Policy" not in attributes:
                queue.policy = kept
            return queue

    SQSBackend.set_queue_attributes = set_queue_attributes  # type: ignore[method-assign]


def _bucket_permission(self: Any, action: str, resource: str) -> Any:
    import json

    from moto.iam.access_control import IAMPolicy, PermissionResult

    if self.policy is None:
        return PermissionResult.NEUTRAL
    doc = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    statements = doc.get("Statement") or []
    if isinstance(statements, dict):
        statements = [statements]

    def applies(st: dict[str, Any]) -> bool:
        principal = st.get("Principal")
        service_only = isinstance(principal, dict) and "AWS" not in principal
        return not st.get("Condition") and not service_only

    kept = [st for st in statements if applies(st)]
    if not kept:
        return PermissionResult.NEUTRAL
    return IAMPolicy(json.dumps({**doc, "Statement": kept})).is_action_permitted(action, resource)


def _log_group(response: Any) -> Any:
    name = response._get_param("logGroupName")
    arn = response._get_param("resourceIdentifier")
    if bool(name) == bool(arn):
        raise InvalidParameterException("Exactly one of logGroupName and resourceIdentifier must be given.")
    if arn:
        match = re.fullmatch(r"arn:aws[a-z-]*:logs:[^:]*:\d{12}:log-group:(.+?)(:\*)?", arn)
        if not match:
            raise InvalidParameterException(f"resourceIdentifier {arn} is not a log group ARN.")
        name = match.group(1)
    group = response.logs_backend.groups.get(name)
    if group is None:
        raise ResourceNotFoundException()
    return group


def _associate_kms_key(self: Any) -> str:
    key = self._get_param("kmsKeyId") or ""
    if not re.fullmatch(r"arn:aws[a-z-]*:kms:[^:]+:\d{12}:key/[A-Za-z0-9-]+", key):
        raise InvalidParameterException(f"kmsKeyId {key!r} is not a KMS key ARN.")
    with LOCK:
        _log_group(self).kms_key_id = key
    return ""


def _disassociate_kms_key(self: Any) -> str:
    with LOCK:
        _log_group(self).kms_key_id = None
    return ""
