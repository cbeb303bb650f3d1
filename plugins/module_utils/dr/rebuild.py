# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runbook environment_rebuild: an environment (or a Region) back from Terraform plus the deployment ledger.

Preflight (no AWS write): Terraform is installed and the root initialised (``init`` writes local files only), a
``terraform plan`` of the root saved in the run's directory and summarised (to add / change / replace / destroy),
the ledger table readable (``ledger_region`` names another Region's replica of a global table when the environment's
own Region is lost), and for each service of the catalogue the newest successful release in the ledger with its
image digest, which must still be in the service's ECR repository (when the repository exists; a repository that
Terraform is about to create holds no image, and the run stops with the fix).

Steps, each read back:

1. ``infrastructure``: apply the saved plan (nothing when the plan is empty); read back a new plan, which must be
   empty, and the root's outputs (the foundation the release path reads).
2. ``services``: every service the ledger knows goes to its last good digest through the release path itself
   (``release_runner``: the same lease, ledger entry, task definition, health checks, smoke tests and gates as
   ``deploy_service.yml``); a service already serving its digest is left alone. Read back: the release path's own
   plan says each one is live at its digest.

Confirmation (``-e confirm=ENVIRONMENT``) is asked only when the plan replaces or destroys something. A second run
finds an empty plan and every service at its digest, and changes nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from typing import Any, ClassVar

from ansible_collections.slipway.aws.plugins.module_utils import ledger, release_runner
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_ARGUMENT_SPEC, Aws
from ansible_collections.slipway.aws.plugins.module_utils.dr.core import (
    ERROR,
    FAIL,
    PASS,
    Check,
    Context,
    PlannedCall,
    Runbook,
    RunbookError,
    Step,
    VerifyFailed,
)
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, SlipwayError

PARAMS_SPEC: dict[str, Any] = {
    "environment": {"type": "str", "required": True},
    "terraform_dir": {"type": "str", "required": True},
    "terraform_binary": {"type": "str", "default": "terraform"},
    "terraform_vars": {"type": "dict", "default": {}},
    "terraform_timeout_seconds": {"type": "float", "default": 1800.0},
    # The catalogue (slipway_services): which services exist and each one's release settings.
    "services": {"type": "dict", "required": True},
    # Restrict the rebuild's releases to these services (default: every service of the catalogue).
    "only": {"type": "list", "default": []},
    "ledger_table": {"type": "str", "default": ""},
    "ledger_region": {"type": "str", "default": ""},
    "test_listener_url": {"type": "str", "required": True},
    # Options of the release path (slipway.aws.ecs_release) for the rebuild's releases, e.g. strategy, step_bake_seconds.
    "release": {"type": "dict", "default": {}},
}
# What a rebuild's release may not set: the rebuild decides these.
RELEASE_FIXED = ("service", "environment", "foundation", "settings", "image_tag", "image_digest", "test_listener_url")
LEDGER_DEPTH = 100


# ------------------------------------------------------------------ Terraform
class Terraform:
    """``terraform`` in one root, with the run's AWS connection in its environment (secrets never printed)."""

    def __init__(self, binary: str, root: str, connection: dict[str, Any], tf_vars: dict[str, Any], timeout: float) -> None:
        self.binary, self.root, self.timeout = binary, root, timeout
        env = dict(os.environ)
        if connection.get("endpoint_url"):
            env["AWS_ENDPOINT_URL"] = connection["endpoint_url"]
        if connection.get("region"):
            env["AWS_REGION"] = env["AWS_DEFAULT_REGION"] = connection["region"]
        if connection.get("profile"):
            env["AWS_PROFILE"] = connection["profile"]
        for key, name in (("access_key", "AWS_ACCESS_KEY_ID"), ("secret_key", "AWS_SECRET_ACCESS_KEY"), ("session_token", "AWS_SESSION_TOKEN")):
            if connection.get(key):
                env[name] = connection[key]
        for name, value in (tf_vars or {}).items():
            env[f"TF_VAR_{name}"] = value if isinstance(value, str) else json.dumps(value)
        env["TF_IN_AUTOMATION"] = "1"
        self.env = env

    def found(self) -> str | None:
        return shutil.which(self.binary) or (self.binary if os.access(self.binary, os.X_OK) else None)

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        cmd = [self.binary, f"-chdir={self.root}", *args]
        try:
            proc = subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RunbookError("TerraformTimeout", f"terraform {args[0]} did not end within {self.timeout:.0f}s") from exc
        except OSError as exc:
            raise RunbookError("TerraformMissing", f"cannot run {self.binary}: {exc}. Fix: install Terraform or set terraform_binary") from exc
        if proc.returncode not in ok:
            tail = (proc.stderr or proc.stdout).strip()[-1500:]
            raise RunbookError("TerraformFailed", f"terraform {args[0]} failed ({proc.returncode}) in {self.root}: {tail}")
        return proc

    def init(self) -> None:
        if not os.path.isdir(os.path.join(self.root, ".terraform")):
            self.run("init", "-input=false", "-no-color")

    def plan(self, out: str) -> dict[str, Any]:
        """A saved plan and its summary: counts and the addresses of what it creates, changes, replaces or destroys."""
        proc = self.run("plan", "-input=false", "-no-color", "-lock-timeout=120s", "-detailed-exitcode", f"-out={out}", ok=(0, 2))
        summary: dict[str, Any] = {"changes": proc.returncode == 2, "create": [], "update": [], "replace": [], "delete": []}
        if proc.returncode == 2:
            shown = json.loads(self.run("show", "-json", "-no-color", out).stdout or "{}")
            for rc in shown.get("resource_changes") or []:
                actions = (rc.get("change") or {}).get("actions") or []
                kind = "replace" if "delete" in actions and "create" in actions else next((a for a in ("create", "update", "delete") if a in actions), None)
                if kind:
                    summary[kind].append(rc["address"])
        return summary

    def apply(self, plan_file: str) -> None:
        self.run("apply", "-input=false", "-no-color", "-lock-timeout=120s", plan_file)

    def outputs(self) -> dict[str, Any]:
        raw = json.loads(self.run("output", "-json", "-no-color").stdout or "{}")
        return {name: spec.get("value") for name, spec in raw.items()}


def summary_line(plan: dict[str, Any]) -> str:
    if not plan["changes"]:
        return "no changes: the infrastructure matches the code"
    counts = ", ".join(f"{len(plan[k])} to {k}" for k in ("create", "update", "replace", "delete"))
    shown = plan["create"][:4] + plan["replace"][:4] + plan["delete"][:4]
    return f"{counts} ({', '.join(shown)}{', ...' if len(shown) < sum(len(plan[k]) for k in ('create', 'update', 'replace', 'delete')) else ''})"


# ------------------------------------------------------------------ the release path
def release_params(rb: EnvironmentRebuildRunbook, service: str, digest: str, foundation: dict[str, Any]) -> dict[str, Any]:
    """The options slipway.aws.ecs_release would get from deploy_service.yml for ``service`` at ``digest``."""
    p = {name: rule.get("default") for name, rule in release_runner.ARGUMENT_SPEC.items()}
    p.update({k: v for k, v in (rb.params.get("release") or {}).items() if v is not None})
    p.update(rb.connection)
    p.update(
        service=service,
        environment=rb.params["environment"],
        foundation=foundation,
        settings=rb.params["services"][service] or {},
        image_tag=None,
        image_digest=digest,
        test_listener_url=rb.params["test_listener_url"],
    )
    return p


def release_plan(rb: EnvironmentRebuildRunbook, service: str, digest: str, foundation: dict[str, Any]) -> dict[str, Any]:
    """The release path's plan for ``service`` at ``digest`` (reads only): outcome ``unchanged`` when it is live."""
    return release_runner.run(release_params(rb, service, digest, foundation), True, False, lambda message: None)


def with_digest(ctx: Context) -> list[tuple[str, dict[str, Any]]]:
    """The services the ledger gives a last good digest (the others stay at Terraform's task definition), by name."""
    return [(svc, t) for svc, t in sorted((ctx.inputs.get("targets") or {}).items()) if t.get("digest")]


# ------------------------------------------------------------------ steps
class ApplyInfrastructure(Step):
    name = "infrastructure"
    description = "apply the saved Terraform plan; read back an empty plan and the outputs"
    rto_part = "infrastructure"

    def __init__(self, rb: EnvironmentRebuildRunbook) -> None:
        self.rb = rb
        self.destructive = bool(rb.plan_summary.get("replace") or rb.plan_summary.get("delete"))

    def plan(self, ctx: Context) -> list[PlannedCall]:
        summary = ctx.inputs.get("plan") or {}
        if not summary.get("changes"):
            return []
        return [PlannedCall("terraform", "apply", {"plan": summary_line(summary)})]

    def run(self, ctx: Context) -> dict[str, Any]:
        summary = ctx.inputs.get("plan") or {}
        plan_file = ctx.inputs.get("plan_file")
        if summary.get("changes"):
            ctx.audit.write("call", step=self.name, call="terraform.apply", params={"plan": summary_line(summary)}, outcome="started")
            self.rb.terraform().apply(plan_file)
            ctx.audit.write("call", step=self.name, call="terraform.apply", params={}, outcome="ok")
        return {"applied": bool(summary.get("changes")), "plan": summary_line(summary)}

    def verify(self, ctx: Context) -> dict[str, Any]:
        tf = self.rb.terraform()
        with tempfile.TemporaryDirectory(prefix="slipway-rebuild-") as tmp:
            again = tf.plan(os.path.join(tmp, "verify.tfplan"))
        if again["changes"]:
            raise VerifyFailed(f"the infrastructure still differs from the code after the apply: {summary_line(again)}", self.name)
        foundation = tf.outputs()
        ctx.state.data["foundation"] = foundation
        return {"plan_after_apply": "empty", "outputs": len(foundation)}


class ReleaseServices(Step):
    name = "services"
    description = "every service to its last good digest from the ledger, through the release path"
    rto_part = "services"

    def __init__(self, rb: EnvironmentRebuildRunbook) -> None:
        self.rb = rb

    def plan(self, ctx: Context) -> list[PlannedCall]:
        return [
            PlannedCall("slipway", "ecs_release", {"service": svc, "image_digest": t["digest"], "ledger_release": t["release_id"]})
            for svc, t in with_digest(ctx)
        ]

    def run(self, ctx: Context) -> dict[str, Any]:
        foundation = self.rb.foundation(ctx)
        released: dict[str, Any] = {}
        for svc, target in with_digest(ctx):
            params = release_params(self.rb, svc, target["digest"], foundation)
            ctx.emit(f"release {svc} at {target['digest']} (ledger release {target['release_id']})")
            result = release_runner.run(params, False, False, lambda message, s=svc: ctx.emit(f"  {s}: {message}"))
            outcome = result.get("outcome")
            ctx.audit.write("release", step=self.name, service=svc, image_digest=target["digest"], release_id=result.get("release_id"), outcome=outcome)
            released[svc] = {"outcome": outcome, "release_id": result.get("release_id")}
            if result.get("failed"):
                raise RunbookError("ReleaseFailed", f"the release of {svc} at {target['digest']} ended {outcome}: {result.get('msg')}", self.name)
        return {"releases": released}

    def verify(self, ctx: Context) -> dict[str, Any]:
        foundation = self.rb.foundation(ctx)
        live: dict[str, str] = {}
        for svc, target in with_digest(ctx):
            plan = release_plan(self.rb, svc, target["digest"], foundation)
            if plan.get("outcome") != "unchanged":
                raise VerifyFailed(f"{svc} is not live at {target['digest']}: the release path says {plan.get('msg')}", self.name)
            live[svc] = target["digest"]
        return {"live": live}


# ------------------------------------------------------------------ the runbook
class EnvironmentRebuildRunbook(Runbook):
    name = "environment_rebuild"
    title = "Environment rebuild"
    rto_parts: tuple[str, ...] = ("infrastructure", "services")
    params_spec: ClassVar[dict[str, dict[str, Any]]] = PARAMS_SPEC

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(params)
        self.plan_summary: dict[str, Any] = {}
        self.checks: list[Check] | None = None  # the preflight's, once made (already_done makes it first)
        self.outputs: dict[str, Any] = {}  # the root's outputs as the preflight read them

    def terraform(self) -> Terraform:
        p = self.params
        root = os.path.realpath(os.path.expanduser(p["terraform_dir"]))
        return Terraform(p["terraform_binary"], root, self.connection, p["terraform_vars"], p["terraform_timeout_seconds"])

    def foundation(self, ctx: Context) -> dict[str, Any]:
        """The root's outputs: as read back after the apply, else as the preflight read them (an empty plan)."""
        return ctx.state.data.get("foundation") or self.outputs or self.terraform().outputs()

    def confirmation_identifier(self, ctx: Context) -> str:
        return self.params["environment"]

    def chosen(self) -> list[str]:
        return sorted(self.params["only"] or self.params["services"])

    def resolve(self, ctx: Context) -> None:
        fixed = sorted(set(self.params.get("release") or {}) & set(RELEASE_FIXED))
        if fixed:
            raise RunbookError("BadInput", f"release options {', '.join(fixed)} are the rebuild's own (from the ledger and the outputs); leave them out")
        unknown = sorted(set(self.params.get("release") or {}) - set(release_runner.ARGUMENT_SPEC) - set(AWS_ARGUMENT_SPEC))
        if unknown:
            raise RunbookError("BadInput", f"unknown release option(s) {', '.join(unknown)}; see ansible-doc slipway.aws.ecs_release")
        missing = sorted(set(self.params["only"]) - set(self.params["services"]))
        if missing:
            raise RunbookError("BadInput", f"service(s) {', '.join(missing)} are not in the catalogue ({', '.join(sorted(self.params['services']))})")

    def _ledger(self, ctx: Context, foundation: dict[str, Any]) -> tuple[Aws, str]:
        table = self.params["ledger_table"] or foundation.get("deployment_table_name") or ""
        if not table:
            raise RunbookError("BadInput", "no ledger table: the Terraform outputs have no deployment_table_name. Fix: -e ledger_table=NAME")
        region = self.params["ledger_region"] or ctx.aws.region
        aws = ctx.aws if region == ctx.aws.region else Aws.from_params({**self.connection, "region": region})
        return aws, table

    def preflight(self, ctx: Context) -> list[Check]:
        if self.checks is None:
            self.checks = self._preflight(ctx)
        return self.checks

    def _preflight(self, ctx: Context) -> list[Check]:
        checks: list[Check] = []
        tf = self.terraform()
        if not tf.found():
            return [Check("terraform", FAIL, f"{tf.binary} is not installed. Fix: install Terraform or set terraform_binary")]
        if not os.path.isdir(tf.root):
            return [Check("terraform root", FAIL, f"{tf.root} does not exist. Fix: -e terraform_dir=terraform/environments/ENV")]
        try:
            tf.init()
            run_dir = os.path.join(ctx.reports_dir, "runs", ctx.state.data["run_id"])
            plan_dir = tempfile.mkdtemp(prefix="slipway-rebuild-") if ctx.check_mode or not os.path.isdir(run_dir) else run_dir
            plan_file = os.path.join(plan_dir, "rebuild.tfplan")
            try:
                self.plan_summary = tf.plan(plan_file)
            finally:
                if ctx.check_mode:  # nothing will apply it, and a saved plan can hold sensitive values: not left behind
                    shutil.rmtree(plan_dir, ignore_errors=True)
            ctx.inputs.update(plan=self.plan_summary, plan_file=None if ctx.check_mode else plan_file)
            checks.append(Check("terraform plan", PASS, summary_line(self.plan_summary)))
            try:
                self.outputs = tf.outputs()
            except RunbookError:  # never applied: no outputs yet
                self.outputs = {}
        except RunbookError as exc:
            return [*checks, Check("terraform plan", ERROR, str(exc))]
        try:
            aws, table = self._ledger(ctx, self.outputs)
            aws.client("dynamodb").describe_table(TableName=table)
            checks.append(Check("ledger", PASS, f"table {table} in {aws.region} readable"))
        except (RunbookError, SlipwayError) as exc:
            return [*checks, Check("ledger", FAIL, str(exc))]
        except Exception as exc:  # noqa: BLE001  botocore's own errors: the ledger cannot be read
            return [*checks, Check("ledger", ERROR, f"cannot read the ledger table: {exc}")]
        targets: dict[str, Any] = {}
        for svc in self.chosen():
            try:
                current_good, _prev = ledger.previous_good(ledger.ledger_list(aws, table, svc, LEDGER_DEPTH))
            except AwsError as exc:
                checks.append(Check(f"ledger {svc}", ERROR, f"cannot read {svc}'s releases: {exc}"))
                continue
            if not current_good:
                targets[svc] = {"digest": None, "release_id": None}
                checks.append(Check(f"ledger {svc}", PASS, "no successful release in the ledger: stays at Terraform's task definition"))
                continue
            digest = current_good["image_digest"]
            at = current_good.get("finished_at") or current_good.get("started_at")
            targets[svc] = {"digest": digest, "release_id": current_good.get("release_id"), "at": at}
            checks.append(self._image_check(ctx, svc, digest, self.outputs, current_good))
        ctx.inputs["targets"] = targets
        return checks

    def _image_check(self, ctx: Context, svc: str, digest: str, foundation: dict[str, Any], entry: dict[str, Any]) -> Check:
        repo = ((foundation.get("services") or {}).get(svc) or {}).get("ecr_repository_name") or entry.get("repository")
        where = f"last good {digest[:19]}... (release {entry.get('release_id')})"
        if not repo:
            fix = "Fix: replicate or push the image, then run again"
            return Check(f"image {svc}", FAIL, f"{where}: no ECR repository known for {svc} (Terraform creates it empty). {fix}")
        try:
            ctx.call("ecr", "DescribeImages", repositoryName=repo, imageIds=[{"imageDigest": digest}])
        except AwsError as exc:
            if exc.code in ("ImageNotFoundException", "RepositoryNotFoundException"):
                return Check(f"image {svc}", FAIL, f"{where} is not in {repo} ({exc.code}). Fix: replicate or push that image to {repo}, then run again")
            return Check(f"image {svc}", ERROR, f"cannot read {repo}: {exc}")
        return Check(f"image {svc}", PASS, f"{where} in {repo}")

    def steps(self) -> list[Step]:
        return [ApplyInfrastructure(self), ReleaseServices(self)]

    def already_done(self, ctx: Context) -> str | None:
        """Nothing to do when the plan is empty and every service serves its ledger digest (reads only)."""
        checks = self.preflight(ctx)
        if any(c.status != PASS for c in checks) or self.plan_summary.get("changes"):
            return None
        foundation = self.foundation(ctx)
        for svc, target in with_digest(ctx):
            if release_plan(self, svc, target["digest"], foundation).get("outcome") != "unchanged":
                return None
        return "(the state itself: the Terraform plan is empty and every service serves its ledger digest)"

    def results(self, ctx: Context) -> dict[str, Any]:
        targets = ctx.inputs.get("targets") or {}
        return {
            "plan": summary_line(ctx.inputs.get("plan") or {"changes": False}),
            "services": {svc: t.get("digest") or "terraform's task definition" for svc, t in sorted(targets.items())},
            "releases": (ctx.outputs.get("services") or {}).get("releases", {}),
        }


RUNBOOKS: dict[str, type[Runbook]] = {EnvironmentRebuildRunbook.name: EnvironmentRebuildRunbook}
