"""The foundation's outputs: read from the local state what `terraform output -json` prints, else ask Terraform.

A real Terraform root with outputs only (no provider, so it applies offline in a fraction of a second) is applied,
and the state-file reading is compared with Terraform's own `terraform output -json`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible.errors import AnsibleLookupError
from ansible_collections.slipway.aws.plugins.lookup.terraform_output import LookupModule, local_state_outputs

TERRAFORM = shutil.which("terraform")
pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH (it is part of the CI image)")

ROOT_TF = """
terraform {
  backend "local" {}
}
output "name" { value = "slipway" }
output "count" { value = 3 }
output "nested" { value = { a = [1, 2], b = { c = true }, d = null } }
output "secret" {
  value     = "not-printed"
  sensitive = true
}
"""


def terraform(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([TERRAFORM, f"-chdir={root}", *args], capture_output=True, text=True, check=True, timeout=120, env=env)


@pytest.fixture
def applied(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "main.tf").write_text(ROOT_TF)
    terraform(root, "init", "-input=false", "-no-color")
    terraform(root, "apply", "-auto-approve", "-input=false", "-no-color")
    return root


class Lookup(LookupModule):
    """The lookup with its options given directly (Ansible's option plumbing needs the collection loaded)."""

    def __init__(self, binary: str) -> None:
        super().__init__()
        self._given = {"binary": binary, "required": []}

    def set_options(self, task_keys=None, var_options=None, direct=None) -> None:
        pass

    def get_option(self, option, hostvars=None):
        return self._given[option]


def terraforms_own(root: Path) -> dict:
    return {name: spec["value"] for name, spec in json.loads(terraform(root, "output", "-json").stdout).items()}


def test_the_local_state_gives_what_terraform_output_prints(applied: Path) -> None:
    assert local_state_outputs(str(applied), {}) == terraforms_own(applied)
    assert local_state_outputs(str(applied), {})["nested"] == {"a": [1, 2], "b": {"c": True}, "d": None}


def test_the_lookup_reads_the_local_state_without_starting_terraform(applied: Path) -> None:
    # A binary that cannot run: any call to Terraform would be an error.
    [outputs] = Lookup(str(applied / "no-such-terraform")).run([str(applied)], variables={})
    assert outputs == terraforms_own(applied)


def test_another_workspace_or_data_dir_goes_to_terraform(applied: Path) -> None:
    assert local_state_outputs(str(applied), {"TF_WORKSPACE": "staging"}) is None
    assert local_state_outputs(str(applied), {"TF_DATA_DIR": str(applied / "elsewhere")}) is None
    terraform(applied, "workspace", "new", "-no-color", "staging")  # writes .terraform/environment
    assert local_state_outputs(str(applied), {}) is None


def test_a_remote_backend_goes_to_terraform(applied: Path, tmp_path: Path) -> None:
    backend = applied / ".terraform" / "terraform.tfstate"
    recorded = json.loads(backend.read_text())
    recorded["backend"] = {"type": "s3", "config": {"bucket": "state", "key": "local.tfstate"}}
    backend.write_text(json.dumps(recorded))
    assert local_state_outputs(str(applied), {}) is None
    # Declared in the code but never initialised: the stale local state is not trusted either.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "main.tf").write_text('terraform {\n  backend "s3" {}\n}\n')
    shutil.copy(applied / "terraform.tfstate", fresh / "terraform.tfstate")
    assert local_state_outputs(str(fresh), {}) is None


def test_a_root_never_applied_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    (root / "main.tf").write_text('terraform {\n  backend "local" {}\n}\n')
    terraform(root, "init", "-input=false", "-no-color")
    with pytest.raises(AnsibleLookupError, match="Fix: "):
        Lookup(TERRAFORM).run([str(root)], variables={})
    assert os.path.exists(root / ".terraform")
