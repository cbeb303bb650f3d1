"""Each release setting has its default in one place: the module's argument spec.

The module documentation mirrors it (ansible-doc shows it), and the role passes
an option only when an inventory sets it, so the role has no copy to drift.
"""

import ast
import pathlib
import re

import pytest
import yaml
from ansible_collections.slipway.aws.plugins.module_utils.release_runner import ARGUMENT_SPEC

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "service_release"
PREFIX = "service_release_"


def _module_doc(name: str) -> dict:
    tree = ast.parse((ROOT / "plugins" / "modules" / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{name} has no DOCUMENTATION")


ROLE_SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
# Role variables whose value the role works out itself rather than copying a default.
COMPUTED_BY_ROLE = {"git_sha"}  # GITHUB_SHA, else `git rev-parse HEAD` of the playbook's repository
MIRRORED = sorted(
    name[len(PREFIX) :]
    for name in ROLE_SPEC
    if name[len(PREFIX) :] in ARGUMENT_SPEC and "default" in ARGUMENT_SPEC[name[len(PREFIX) :]] and name[len(PREFIX) :] not in COMPUTED_BY_ROLE
)


def test_the_role_mirrors_the_tunables():
    assert "step_bake_seconds" in MIRRORED and len(MIRRORED) >= 15


@pytest.mark.parametrize("name", sorted(ARGUMENT_SPEC))
def test_module_documentation_states_the_spec_default(name):
    spec = ARGUMENT_SPEC[name]
    doc = _module_doc("ecs_release")["options"]
    if name not in doc:  # a connection option, documented by the doc fragment
        return
    assert doc[name]["type"] == spec["type"]
    assert doc[name].get("default") == spec.get("default"), f"{name}: documentation says {doc[name].get('default')!r}, spec {spec.get('default')!r}"


@pytest.mark.parametrize("name", MIRRORED)
def test_role_has_no_copy_of_the_default(name):
    option = ROLE_SPEC[PREFIX + name]
    assert "default" not in option, f"{PREFIX}{name} repeats the module default in meta/argument_specs.yml"
    assert option["type"] == ARGUMENT_SPEC[name]["type"]
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert PREFIX + name not in defaults, f"{PREFIX}{name} repeats the module default in defaults/main.yml"
    tasks = (ROLE / "tasks" / "module.yml").read_text()
    assert re.search(rf"^\s+{name}: \"{{{{ {PREFIX}{name} \| default\(omit\) }}}}\"$", tasks, re.M), f"the role does not pass {name} through"
