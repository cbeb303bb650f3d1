# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: terraform_output
author: Slipway contributors (!UNKNOWN)
version_added: 0.1.0
short_description: Read the outputs of a Terraform root
description:
  - Returns the outputs of a Terraform root (C(terraform output -json)) as one dict of name to value,
    so inventories never copy an id by hand.
  - Results are cached per controller process and root, keyed by the state's modification time.
  - A root on Terraform's local backend, in its default workspace, is read from its state file (the outputs
    C(terraform output -json) would print, without starting Terraform). Any other backend, workspace or
    C(TF_DATA_DIR) goes through C(terraform output -json).
options:
  _terms:
    description: Path of the Terraform root (e.g. C(terraform/environments/local)).
    required: true
    type: list
    elements: path
  binary:
    description: The terraform executable.
    type: str
    default: terraform
  required:
    description: Output names that must be present; a missing one is an error naming the fix.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
slipway_foundation: "{{ lookup('slipway.aws.terraform_output', inventory_dir ~ '/../../terraform/environments/local') }}"
"""

RETURN = r"""
_raw:
  description: One dict per term, output name to value.
  type: list
  elements: dict
"""

import json
import os
import re
import subprocess

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

_CACHE: dict[tuple[str, float], dict] = {}


def local_state_outputs(root: str, environ: dict[str, str]) -> dict | None:
    """The outputs of ``root`` read from its local state file, or None when Terraform must be asked.

    Only for the local backend in the default workspace: ``.terraform/terraform.tfstate`` (what ``init``
    records) names backend ``local`` with no other path, or there is none and no ``*.tf`` declares a
    backend. The state (format version 4) keeps each root output as ``{"value": ..., "type": ...}``, which is
    what ``terraform output -json`` prints.
    """
    if environ.get("TF_DATA_DIR") or environ.get("TF_WORKSPACE", "default") != "default":
        return None
    data_dir = os.path.join(root, ".terraform")
    try:
        with open(os.path.join(data_dir, "environment"), encoding="utf-8") as handle:
            if handle.read().strip() not in ("", "default"):
                return None
    except FileNotFoundError:
        pass
    try:
        with open(os.path.join(data_dir, "terraform.tfstate"), encoding="utf-8") as handle:
            backend = json.load(handle).get("backend") or {}
        config = backend.get("config") or {}
        if backend.get("type") != "local" or config.get("path") or config.get("workspace_dir"):
            return None
    except FileNotFoundError:
        for name in os.listdir(root):
            if name.endswith(".tf"):
                with open(os.path.join(root, name), encoding="utf-8") as handle:
                    if re.search(r'^\s*backend\s+"', handle.read(), re.MULTILINE):
                        return None
    except (OSError, ValueError):
        return None
    try:
        with open(os.path.join(root, "terraform.tfstate"), encoding="utf-8") as handle:
            state = json.load(handle)
    except (OSError, ValueError):
        return None
    if state.get("version") != 4 or not isinstance(state.get("outputs"), dict):
        return None
    return {name: spec.get("value") for name, spec in state["outputs"].items()}


def _state_mtime(root: str) -> float:
    for name in ("terraform.tfstate", os.path.join(".terraform", "terraform.tfstate")):
        path = os.path.join(root, name)
        if os.path.exists(path):
            return os.path.getmtime(path)
    return 0.0


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        results = []
        for term in terms:
            root = os.path.realpath(os.path.expanduser(term))
            if not os.path.isdir(root):
                raise AnsibleLookupError(f"Terraform root {root} does not exist. Fix: check the inventory's Terraform path")
            key = (root, _state_mtime(root))
            if key not in _CACHE:
                _CACHE[key] = self._read(root)
            outputs = _CACHE[key]
            missing = [name for name in self.get_option("required") if name not in outputs]
            if missing:
                raise AnsibleLookupError(f"Terraform root {root} has no output(s) {', '.join(missing)}. Fix: apply it (make foundation) with the current code")
            results.append(outputs)
        return results

    def _read(self, root: str) -> dict:
        local = local_state_outputs(root, dict(os.environ))
        if local is not None:
            if not local:
                raise AnsibleLookupError(f"Terraform root {root} has no outputs: it was never applied. Fix: make foundation")
            return local
        cmd = [self.get_option("binary"), f"-chdir={root}", "output", "-json"]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AnsibleLookupError(f"cannot run {cmd[0]}: {exc}. Fix: install Terraform >= 1.6") from exc
        if proc.returncode != 0:
            raise AnsibleLookupError(f"terraform output failed in {root}: {proc.stderr.strip()[-500:]}. Fix: run terraform init/apply there (make foundation)")
        raw = json.loads(proc.stdout or "{}")
        if not raw:
            raise AnsibleLookupError(f"Terraform root {root} has no outputs: it was never applied. Fix: make foundation")
        return {name: spec.get("value") for name, spec in raw.items()}
