"""The site modules document exactly their argument specs, and the role passes each tunable through without a copy of its default."""

import ast
import pathlib
import re

import pytest
import yaml
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_ARGUMENT_SPEC
from ansible_collections.slipway.aws.plugins.module_utils.site import runner

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE = ROOT / "roles" / "static_site_publish"
PREFIX = "static_site_publish_"
SPECS = {"site_publish": runner.PUBLISH_SPEC, "cloudfront_invalidation": runner.INVALIDATION_SPEC, "site_release_info": runner.INFO_SPEC}


def _doc(name: str) -> dict:
    tree = ast.parse((ROOT / "plugins" / "modules" / f"{name}.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{name} has no DOCUMENTATION")


@pytest.mark.parametrize("module", sorted(SPECS))
def test_documentation_matches_the_spec(module):
    doc = _doc(module)
    spec = SPECS[module]
    assert set(doc["options"]) == set(spec) - set(AWS_ARGUMENT_SPEC)
    assert doc["extends_documentation_fragment"] == ["slipway.aws.aws"]
    for name, option in doc["options"].items():
        assert option["type"] == spec[name]["type"], name
        assert option.get("default") == spec[name].get("default"), name
        assert bool(option.get("required")) == bool(spec[name].get("required")), name
        assert option.get("choices") == spec[name].get("choices"), name


def test_every_site_module_is_in_the_action_group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert set(SPECS) <= set(runtime["action_groups"]["aws"])


ROLE_SPEC = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
MIRRORED = sorted(n[len(PREFIX) :] for n in ROLE_SPEC if n[len(PREFIX) :] in runner.PUBLISH_SPEC and "default" in runner.PUBLISH_SPEC[n[len(PREFIX) :]])


@pytest.mark.parametrize("name", [m for m in MIRRORED if m not in ("operation", "git_sha")])
def test_role_passes_tunables_without_a_copy_of_the_default(name):
    option = ROLE_SPEC[PREFIX + name]
    assert "default" not in option, f"{PREFIX}{name} repeats the module default in meta/argument_specs.yml"
    assert option["type"] == runner.PUBLISH_SPEC[name]["type"]
    assert PREFIX + name not in yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    tasks = (ROLE / "tasks" / "main.yml").read_text()
    assert re.search(rf"^\s+{name}: \"{{{{ {PREFIX}{name} \| default\(omit\) }}}}\"$", tasks, re.M), f"the role does not pass {name} through"
