"""One AWS connection contract: the doc fragment, the shared spec, the constructor, the action group."""

import ast
import pathlib

import pytest
import yaml
from ansible_collections.slipway.aws.plugins.doc_fragments.aws import ModuleDocFragment
from ansible_collections.slipway.aws.plugins.module_utils.aws import AWS_ARGUMENT_SPEC, AWS_MUTUALLY_EXCLUSIVE, Aws, argument_spec
from ansible_collections.slipway.aws.plugins.module_utils.errors import SlipwayError

ROOT = pathlib.Path(__file__).resolve().parents[4]
MODULES = sorted(p for p in (ROOT / "plugins" / "modules").glob("*.py") if p.name != "__init__.py")


def _documentation(path: pathlib.Path) -> dict:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError(f"{path} has no DOCUMENTATION")


def test_doc_fragment_documents_exactly_the_shared_spec():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    assert set(documented) == set(AWS_ARGUMENT_SPEC)
    for name, spec in AWS_ARGUMENT_SPEC.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("aliases", []) == spec.get("aliases", []), name


def test_secrets_are_never_logged():
    assert {k for k, v in AWS_ARGUMENT_SPEC.items() if v.get("no_log")} == {"access_key", "secret_key", "session_token"}


# Modules that make no AWS call take no connection options: a connection they would ignore is not documented.
NO_AWS = {"release_train_plan"}


@pytest.mark.parametrize("module", MODULES, ids=lambda p: p.stem)
def test_every_module_uses_the_fragment_and_is_in_the_action_group(module):
    doc = _documentation(module)
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    if module.stem in NO_AWS:
        source = module.read_text(encoding="utf-8")
        assert "module_utils.aws import" not in source and "boto" not in source, f"{module.stem} talks to AWS"
        assert "slipway.aws.aws" not in doc.get("extends_documentation_fragment", [])
        assert module.stem not in runtime["action_groups"]["aws"]
        return
    assert "slipway.aws.aws" in doc.get("extends_documentation_fragment", []), f"{module.stem} lacks the connection fragment"
    assert not set(doc["options"]) & set(AWS_ARGUMENT_SPEC), f"{module.stem} documents connection options itself"
    assert module.stem in runtime["action_groups"]["aws"]


def test_a_module_cannot_redefine_a_connection_option():
    with pytest.raises(ValueError, match="region"):
        argument_spec(region={"type": "str"})
    spec = argument_spec(service={"type": "str"})
    assert set(spec) == {"service", *AWS_ARGUMENT_SPEC}


def test_from_params_passes_every_connection_option(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    aws = Aws.from_params({"region": "eu-west-1", "endpoint_url": "http://127.0.0.1:4999", "access_key": "a", "secret_key": "b", "service": "x"})
    assert aws.region == "eu-west-1"
    assert aws.endpoint_url == "http://127.0.0.1:4999"
    creds = aws._session.get_credentials()
    assert (creds.access_key, creds.secret_key) == ("a", "b")


def test_profile_and_keys_are_exclusive():
    assert ["profile", "access_key"] in AWS_MUTUALLY_EXCLUSIVE
    with pytest.raises(SlipwayError, match="profile"):
        Aws.from_params({"region": "us-east-1", "profile": "p", "access_key": "a"})


def test_region_and_keys_come_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "from-env")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    aws = Aws()
    assert aws.region == "ap-south-1"
    assert aws._session.get_credentials().access_key == "from-env"
    assert Aws(region="eu-north-1").region == "eu-north-1"  # given wins over the environment


def test_no_region_anywhere_is_refused(monkeypatch, tmp_path):
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(SlipwayError, match="no AWS region"):
        Aws()


def test_preloaded_models_are_not_read_again(monkeypatch):
    """What the controller decodes before it forks (aws.preload), a session's clients use without reading a file."""
    import botocore.loaders
    from ansible_collections.slipway.aws.plugins.module_utils import aws as aws_utils

    monkeypatch.setattr(aws_utils, "_LOADERS", {})
    aws_utils.preload("ecs", "dynamodb")
    reads = []
    original = botocore.loaders.JSONFileLoader.load_file
    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", lambda self, path: reads.append(path) or original(self, path))
    aws = Aws(region="eu-west-1", access_key="a", secret_key="b", endpoint_url="http://127.0.0.1:4999")
    aws.client("ecs")
    aws.client("dynamodb")
    assert reads == []
    aws.client("sqs")  # not preloaded: read now, once
    assert any("sqs" in str(p) for p in reads)


def test_preload_never_fails(monkeypatch):
    from ansible_collections.slipway.aws.plugins.module_utils import aws as aws_utils

    monkeypatch.setattr(aws_utils, "_LOADERS", {})
    aws_utils.preload("no-such-service")  # an unknown name, as an error inside botocore would be: ignored
    monkeypatch.setattr(aws_utils, "HAS_BOTOCORE", False)
    aws_utils.preload("ecs")


def test_an_action_plugin_preloads_its_services_when_the_controller_imports_it(monkeypatch):
    from ansible_collections.slipway.aws.plugins.plugin_utils import controller_action

    seen = []
    monkeypatch.setattr(controller_action, "preload", lambda *services: seen.append(services))

    class _Action(controller_action.ControllerAction):
        PRELOAD = ("ecs", "elbv2")

    assert seen == [("ecs", "elbv2")]


def test_the_compliance_collector_lists_the_models_once_before_its_threads(monkeypatch):
    """Aws.warm_model_lists (called by the compliance collector) fills the loader's lists of available models that every new client and a client's
    first can_paginate read; threads that start together would each scan botocore's data directories again."""
    import os

    from ansible_collections.slipway.aws.plugins.module_utils import aws as aws_utils

    monkeypatch.setattr(aws_utils, "_LOADERS", {})
    aws = Aws(region="eu-west-1", access_key="a", secret_key="b", endpoint_url="http://127.0.0.1:4999")
    scans = []
    listdir = os.listdir
    monkeypatch.setattr(os, "listdir", lambda path: scans.append(path) or listdir(path))
    aws.warm_model_lists()
    warmed = len(scans)
    assert warmed > 0
    aws.client("sqs").can_paginate("list_queues")
    aws.client("kms").can_paginate("list_keys")
    # The clients and their paginators found the lists made: no scan of botocore's data directory again, only the
    # few reads of the two services' own directories (their API versions).
    again = scans[warmed:]
    assert again and not [p for p in again if os.path.basename(str(p).rstrip("/")) == "data"]
    assert len(again) <= 4


def test_warming_the_loader_never_fails(monkeypatch):
    aws = Aws(region="eu-west-1", access_key="a", secret_key="b", endpoint_url="http://127.0.0.1:4999")
    monkeypatch.setattr(aws, "_session", None)
    aws.warm_model_lists()  # no session at all: ignored
