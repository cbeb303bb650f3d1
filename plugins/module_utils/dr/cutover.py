# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cut-over after a restore: point the service at the restored instance, then restart its consumers.

Two steps, each read back:

- ``repoint``: the SSM parameter that holds the database's address gets the new endpoint (PutParameter, Overwrite),
  and the application's connection secret gets the new ``host`` / ``port`` with every other field kept
  (PutSecretValue with a request token derived from the run, so a retried call makes no second version). What was
  there before is recorded for the undo: the parameter's previous value and version, the secret's previous version
  id (never its value).
- ``restart_consumers``: UpdateService(forceNewDeployment) for each consumer; done when each service's PRIMARY
  deployment is a new one, COMPLETED, with every desired task running (a deployment that rolled back is a failure).
  The RTO part ``cutover`` ends here.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.dr.core import ERROR, FAIL, PASS, Check, Context, PlannedCall, RunbookError, Step, VerifyFailed
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError

PARAMS: dict[str, Any] = {
    "cutover": {"type": "bool", "default": False},
    "cutover_parameter": {"type": "str"},
    "cutover_secret": {"type": "str"},
    "cutover_services": {"type": "list", "elements": "str", "default": []},
    "cutover_timeout": {"type": "int", "default": 900},
}


def _service_ref(ref: str) -> tuple[str, str]:
    cluster, slash, service = ref.partition("/")
    if not (slash and cluster and service):
        raise RunbookError("BadInput", f"cutover_services: {ref!r} is not CLUSTER/SERVICE")
    return cluster, service


def preflight(ctx: Context) -> list[Check]:
    """Reads only: the parameter, the secret (a JSON object with a host) and the services exist."""
    p = ctx.runbook.params
    checks: list[Check] = []
    if not (p.get("cutover_parameter") or p.get("cutover_secret") or p.get("cutover_services")):
        return [Check("cut-over", FAIL, "cutover=true but nothing to cut over: set slipway_dr.databases[DB].cutover (parameter, secret, services)")]
    if p.get("cutover_parameter"):
        try:
            got = ctx.call("ssm", "GetParameter", Name=p["cutover_parameter"])["Parameter"]
            checks.append(Check("cut-over parameter", PASS, f"{p['cutover_parameter']} = {got['Value']!r} (version {got.get('Version')})"))
        except AwsError as exc:
            checks.append(Check("cut-over parameter", FAIL if exc.code == "ParameterNotFound" else ERROR, f"{p['cutover_parameter']}: {exc.code}"))
    if p.get("cutover_secret"):
        try:
            value = ctx.call("secretsmanager", "GetSecretValue", SecretId=p["cutover_secret"])["SecretString"]
            try:
                fields = json.loads(value)
            except ValueError:
                fields = None
            if isinstance(fields, dict) and "host" in fields:
                checks.append(Check("cut-over secret", PASS, f"{p['cutover_secret']}: a JSON object with host and {len(fields) - 1} other field(s)"))
            else:
                checks.append(Check("cut-over secret", FAIL, f"{p['cutover_secret']} is not a JSON object with a host field"))
        except AwsError as exc:
            checks.append(Check("cut-over secret", FAIL if exc.code == "ResourceNotFoundException" else ERROR, f"{p['cutover_secret']}: {exc.code}"))
    for ref in p.get("cutover_services") or []:
        try:
            cluster, service = _service_ref(ref)
        except RunbookError as exc:
            checks.append(Check("consumer service", FAIL, str(exc)))
            continue
        try:
            found = ctx.call("ecs", "DescribeServices", cluster=cluster, services=[service]).get("services", [])
        except AwsError as exc:
            checks.append(Check("consumer service", ERROR, f"{ref}: {exc.code}"))
            continue
        active = [s for s in found if s.get("status") == "ACTIVE"]
        if active:
            checks.append(Check("consumer service", PASS, f"{ref}: ACTIVE, {active[0].get('runningCount')}/{active[0].get('desiredCount')} running"))
        else:
            checks.append(Check("consumer service", FAIL, f"{ref}: no ACTIVE service"))
    return checks


def _endpoint(ctx: Context) -> tuple[str, int]:
    got = ctx.call("rds", "DescribeDBInstances", DBInstanceIdentifier=ctx.inputs["target"])["DBInstances"][0]
    if not got.get("Endpoint"):
        raise VerifyFailed(f"{ctx.inputs['target']} has no endpoint")
    return got["Endpoint"]["Address"], int(got["Endpoint"]["Port"])


def _token(ctx: Context) -> str:
    """The same request token for every try of this run's secret write (Secrets Manager dedups on it)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"slipway-dr-cutover/{ctx.state.data['run_id']}"))


class RepointStep(Step):
    name = "repoint"
    description = "point the connection parameter and secret at the restored instance (previous values kept for the undo)"
    destructive = True

    def plan(self, ctx: Context) -> list[PlannedCall]:
        p = ctx.runbook.params
        calls = []
        if p.get("cutover_parameter"):
            calls.append(PlannedCall("ssm", "PutParameter", {"Name": p["cutover_parameter"], "Value": "<the restored endpoint>", "Overwrite": True}))
        if p.get("cutover_secret"):
            calls.append(PlannedCall("secretsmanager", "PutSecretValue", {"SecretId": p["cutover_secret"], "SecretString": "<host and port replaced>"}))
        return calls

    def run(self, ctx: Context) -> dict[str, Any]:
        p = ctx.runbook.params
        host, port = _endpoint(ctx)
        out: dict[str, Any] = {"host": host, "port": port}
        if p.get("cutover_parameter"):
            before = ctx.call("ssm", "GetParameter", Name=p["cutover_parameter"])["Parameter"]
            out["parameter"] = {"name": p["cutover_parameter"], "previous_value": before["Value"], "previous_version": before.get("Version")}
            if before["Value"] != host:
                put = ctx.call("ssm", "PutParameter", Name=p["cutover_parameter"], Value=host, Type=before.get("Type") or "String", Overwrite=True)
                out["parameter"]["version"] = put.get("Version")
        if p.get("cutover_secret"):
            current = ctx.call("secretsmanager", "GetSecretValue", SecretId=p["cutover_secret"])
            fields = json.loads(current["SecretString"])
            out["secret"] = {"id": p["cutover_secret"], "previous_version_id": current.get("VersionId")}
            if fields.get("host") != host or int(fields.get("port") or 0) != port:
                fields.update(host=host, port=port)
                token = _token(ctx)
                put = ctx.call("secretsmanager", "PutSecretValue", SecretId=p["cutover_secret"], SecretString=json.dumps(fields), ClientRequestToken=token)
                out["secret"]["version_id"] = put.get("VersionId")
            else:
                out["secret"]["previous_version_id"] = None  # already pointing there (a resumed run): nothing to undo here
        return out

    def verify(self, ctx: Context) -> dict[str, Any]:
        p = ctx.runbook.params
        done = ctx.state.completed[self.name]["pending_outputs"]
        evidence: dict[str, Any] = {"endpoint": f"{done['host']}:{done['port']}"}
        if p.get("cutover_parameter"):
            value = ctx.call("ssm", "GetParameter", Name=p["cutover_parameter"])["Parameter"]["Value"]
            if value != done["host"]:
                raise VerifyFailed(f"{p['cutover_parameter']} is {value!r}, not {done['host']!r}", self.name)
            evidence["parameter"] = value
        if p.get("cutover_secret"):
            fields = json.loads(ctx.call("secretsmanager", "GetSecretValue", SecretId=p["cutover_secret"])["SecretString"])
            if fields.get("host") != done["host"] or int(fields.get("port") or 0) != done["port"]:
                raise VerifyFailed(f"the secret {p['cutover_secret']} does not point at {done['host']}:{done['port']}", self.name)
            evidence["secret_points_at"] = f"{fields.get('host')}:{fields.get('port')}"
        return evidence


class RestartConsumersStep(Step):
    name = "restart_consumers"
    description = "restart the consumer services (a new deployment each) so they connect to the restored instance"
    destructive = True
    rto_part = "cutover"

    def plan(self, ctx: Context) -> list[PlannedCall]:
        calls = []
        for ref in ctx.runbook.params.get("cutover_services") or []:
            cluster, service = _service_ref(ref)
            calls.append(PlannedCall("ecs", "UpdateService", {"cluster": cluster, "service": service, "forceNewDeployment": True}))
        return calls

    def run(self, ctx: Context) -> dict[str, Any]:
        started: dict[str, Any] = {}
        for ref in ctx.runbook.params.get("cutover_services") or []:
            cluster, service = _service_ref(ref)
            before = ctx.call("ecs", "DescribeServices", cluster=cluster, services=[service])["services"][0]
            old = [d["id"] for d in before.get("deployments", [])]
            after = ctx.call("ecs", "UpdateService", cluster=cluster, service=service, forceNewDeployment=True)["service"]
            primary = next((d for d in after.get("deployments", []) if d.get("status") == "PRIMARY"), {})
            started[ref] = {"previous_deployments": old, "deployment": primary.get("id")}
        return {"services": started}

    def verify(self, ctx: Context) -> dict[str, Any]:
        p = ctx.runbook.params
        started = ctx.state.completed[self.name]["pending_outputs"]["services"]
        deadline = time.monotonic() + int(p.get("cutover_timeout") or 900)
        evidence: dict[str, Any] = {}
        for ref, info in started.items():
            cluster, service = _service_ref(ref)
            while True:
                svc = ctx.call("ecs", "DescribeServices", cluster=cluster, services=[service])["services"][0]
                primary = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
                if primary.get("id") in info["previous_deployments"]:
                    raise VerifyFailed(f"{ref}: no new deployment (the PRIMARY one is still {primary.get('id')})", self.name)
                state = primary.get("rolloutState")
                if state == "FAILED":
                    raise VerifyFailed(f"{ref}: the new deployment {primary.get('id')} failed: {primary.get('rolloutStateReason')}", self.name)
                if state == "COMPLETED" and primary.get("runningCount") == primary.get("desiredCount") and len(svc.get("deployments", [])) == 1:
                    evidence[ref] = {"deployment": primary.get("id"), "running": primary.get("runningCount")}
                    break
                if time.monotonic() > deadline:
                    counts = f"{primary.get('runningCount')}/{primary.get('desiredCount')}"
                    raise VerifyFailed(f"{ref}: the new deployment is {state} with {counts} running", self.name)
                time.sleep(float(p.get("poll_interval") or 1.0))
        return evidence


def undo(outputs: dict[str, Any]) -> list[str]:
    """How to put back what ``repoint`` changed (for the report)."""
    done = outputs.get("repoint") or {}
    lines = []
    if done.get("parameter"):
        par = done["parameter"]
        lines.append(f"aws ssm put-parameter --name {par['name']} --overwrite --value {par['previous_value']}")
    secret = done.get("secret") or {}
    if secret.get("previous_version_id") and secret.get("version_id"):
        lines.append(
            f"aws secretsmanager update-secret-version-stage --secret-id {secret['id']} --version-stage AWSCURRENT "
            f"--move-to-version-id {secret['previous_version_id']} --remove-from-version-id {secret['version_id']}"
        )
    if lines:
        lines.append("then restart the consumers again (aws ecs update-service --force-new-deployment)")
    return lines
