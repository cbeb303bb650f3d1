"""Impossible inputs fail at `plan`, with the variable's own validation message.

Each case is a minimal root (written into the private copy of terraform/)
that calls one module with one bad input and valid values for the rest; one
case goes through terraform/environments/local with `-var`. The expected
message is read from the module's code, so a case checks that this very
validation rule fires. A case whose module or variable does not exist (yet)
is skipped, and at least four must run.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import ROOT, copy_code, declared, hcl_string, tf

MODULES = ROOT / "terraform" / "modules"
MIN_CASES = 4


@dataclass(frozen=True)
class Case:
    id: str
    module: str  # where the validation rule lives
    variable: str  # the variable whose rule must fire
    inputs: str = ""  # HCL arguments of the module block (module cases)
    root_vars: tuple[str, ...] = field(default=())  # -var NAME=VALUE (root case)

    @property
    def through_root(self) -> bool:
        return bool(self.root_vars)


CASES = (
    # Through the local root: vpc_cidr reaches network.cidr_block via the stack module.
    Case("local-root-bad-vpc-cidr", "network", "cidr_block", root_vars=("vpc_cidr=10.40.0.0/33",)),
    Case("network-cidr-not-a-cidr", "network", "cidr_block", 'name = "slipway-test"\ncidr_block = "10.40.0.0"'),
    Case("network-cidr-ipv6", "network", "cidr_block", 'name = "slipway-test"\ncidr_block = "fd00:40::/48"'),
    Case("network-flow-log-retention-below-policy", "network", "flow_log_retention_days", 'name = "slipway-test"\nflow_log_retention_days = 2'),
    Case("deployments-unknown-environment-name", "deployments", "environment", 'environment = "Production"'),
    Case("deployments-kms-key-not-an-arn", "deployments", "kms_key_arn", 'environment = "test"\nkms_key_arn = "my-key"'),
    Case("ecr-tag-mutability-not-an-enum", "ecr", "image_tag_mutability", 'services = ["user"]\nimage_tag_mutability = "SOMETIMES"'),
    Case(
        "observability-secret-recovery-window",
        "observability",
        "secret_recovery_window_days",
        'environment = "test"\nalb_arn_suffix = "app/slipway-test/0123456789abcdef"\ntarget_groups = {}\nsecret_recovery_window_days = 3',
    ),
    Case("backup-daily-retention-below-7", "backup", "daily_retention_days", 'name = "slipway-test"\ndaily_retention_days = 3'),
    Case(
        "data-backup-retention-below-7",
        "data",
        "backup_retention_days",
        'name = "slipway-test"\nvpc_id = "vpc-0123abcd"\nsubnet_ids = ["subnet-0123abcd", "subnet-4567ef01"]\n'
        'client_security_group_id = "sg-0123abcd"\nbackup_retention_days = 3',
    ),
)

PROVIDER = """\
terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

# The private emulator (AWS_ENDPOINT_URL) answers whatever data sources the module reads.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
}
"""


def _messages(case: Case) -> list[str]:
    body = declared(MODULES / case.module, "variable").get(case.variable)
    if body is None:
        return []
    return [hcl_string(rule["error_message"]) for rule in body.get("validation") or []]


def _skip_reason(case: Case) -> str | None:
    if not (MODULES / case.module).is_dir():
        return f"module {case.module} does not exist"
    if not _messages(case):
        return f"{case.module} has no validated variable {case.variable}"
    return None


@dataclass
class Outcome:
    returncode: int
    errors: list[dict]
    output: str


def _plan(case: Case, work: Path, env: dict[str, str]) -> Outcome:
    if case.through_root:
        root = work / "terraform" / "environments" / "local"
    else:
        root = work / "terraform" / "validation-cases" / case.id
        root.mkdir(parents=True)
        inputs = "\n".join(f"  {line}" for line in case.inputs.splitlines())
        (root / "main.tf").write_text(f'{PROVIDER}\nmodule "under_test" {{\n  source = "../../modules/{case.module}"\n\n{inputs}\n}}\n', encoding="utf-8")
        lock = work / "terraform" / "environments" / "local" / ".terraform.lock.hcl"
        if lock.exists():
            shutil.copy(lock, root / ".terraform.lock.hcl")
    run_env = {**env, "TF_DATA_DIR": str(work / "tf-data" / case.id)}
    # The root case keeps its local backend: its state starts empty in the copy.
    backend = [] if case.through_root else ["-backend=false"]
    init = tf(root, "init", *backend, "-input=false", "-no-color", env=run_env)
    if init.returncode != 0:
        return Outcome(init.returncode, [], f"init failed:\n{init.stdout}\n{init.stderr}")
    args = ["plan", "-json", "-input=false", "-refresh=false", "-lock=false"]
    args += [f"-var={v}" for v in case.root_vars]
    proc = tf(root, *args, env=run_env)
    errors = []
    for line in proc.stdout.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        diagnostic = message.get("diagnostic") or {}
        if message.get("type") == "diagnostic" and diagnostic.get("severity") == "error":
            errors.append(diagnostic)
    return Outcome(proc.returncode, errors, f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory, tf_env, emulator) -> dict[str, Outcome]:
    """Every runnable case planned, four at a time (each is init + plan, a few seconds)."""
    work = copy_code(tmp_path_factory.mktemp("validation"))
    runnable = [c for c in CASES if _skip_reason(c) is None]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip([c.id for c in runnable], pool.map(lambda c: _plan(c, work, tf_env), runnable), strict=True))


def test_enough_cases_run() -> None:
    runnable = [c.id for c in CASES if _skip_reason(c) is None]
    assert len(runnable) >= MIN_CASES, f"only {runnable} can run; the modules lost the validations these tests rely on"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_plan_with_the_validation_message(case: Case, outcomes: dict[str, Outcome]) -> None:
    reason = _skip_reason(case)
    if reason:
        pytest.skip(reason)
    outcome = outcomes[case.id]
    assert outcome.returncode != 0, f"plan accepted the bad input of {case.module}.{case.variable}:\n{outcome.output}"
    messages = _messages(case)
    fired = [d for d in outcome.errors if d.get("summary") == "Invalid value for variable" and any(m in (d.get("detail") or "") for m in messages)]
    assert fired, (
        f"plan failed, but not with the validation of {case.module}.{case.variable} (expected one of {messages}); "
        f"errors: {[(d.get('summary'), d.get('detail')) for d in outcome.errors]}\n{outcome.output}"
    )
    others = [d for d in outcome.errors if d not in fired]
    assert not others, f"the case should fail on {case.variable} alone, also got: {[(d.get('summary'), d.get('detail')) for d in others]}"
