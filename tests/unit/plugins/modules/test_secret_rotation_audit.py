"""slipway.aws.secret_rotation_audit: its documentation matches its spec, and ``execute`` on in-process moto
reads metadata only, writes nothing to AWS, and writes its reports only after the input was accepted."""

import ast
import json
import pathlib

import pytest
import yaml
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.secrets import audit
from moto import mock_aws

ROOT = pathlib.Path(__file__).resolve().parents[4]
CONNECTION = {"region": "us-east-1", "endpoint_url": None, "access_key": "test", "secret_key": "test", "session_token": None, "profile": None}


def _doc() -> dict:
    tree = ast.parse((ROOT / "plugins" / "modules" / "secret_rotation_audit.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "DOCUMENTATION":
            return yaml.safe_load(node.value.value)
    raise AssertionError("no DOCUMENTATION")


def test_documentation_matches_the_spec():
    doc = _doc()["options"]
    assert set(doc) == set(audit.ARGUMENT_SPEC)
    for name, spec in audit.ARGUMENT_SPEC.items():
        assert doc[name]["type"] == spec["type"]
        assert doc[name].get("default") == spec.get("default")


def test_in_the_action_group():
    runtime = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())
    assert "secret_rotation_audit" in runtime["action_groups"]["aws"]


@pytest.fixture
def moto_env(monkeypatch):
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    with mock_aws():
        yield


def test_execute_reads_metadata_only(moto_env, tmp_path, monkeypatch):
    import boto3

    # in-process moto has no CloudTrail LookupEvents (the emulator adds it): the audit says it could not read them
    monkeypatch.setattr(audit, "read_events", lambda *args: {"readable": False, "error": "LookupEvents: not implemented"})

    sm = boto3.client("secretsmanager", region_name="us-east-1")
    sm.create_secret(Name="app/plain", SecretString="VALUE-NEVER-SHOWN")
    sm.create_secret(Name="other/x", SecretString="VALUE-NEVER-SHOWN")
    result = audit.execute({**CONNECTION, "patterns": ["app/*"], "policy": {}, "output_dir": str(tmp_path)})
    assert result["changed"] is False
    assert [(r["name"], r["state"]) for r in result["secrets"]] == [("app/plain", "not_rotating")]
    assert result["policy_failed"]
    assert not [c for c in result["calls"] if c.endswith(("GetSecretValue", "BatchGetSecretValue"))]
    assert all(c.split(".", 1)[1].startswith(("List", "Describe", "Get", "Lookup")) for c in result["calls"])
    text = (tmp_path / audit.REPORT_JSON).read_text() + (tmp_path / audit.REPORT_JUNIT).read_text() + json.dumps(result, default=str)
    assert "VALUE-NEVER-SHOWN" not in text
    report = json.loads((tmp_path / audit.REPORT_JSON).read_text())
    assert report["secrets"][0]["evidence"]["rotation_failed_events"]["readable"] is False
    assert report["summary"]["states"]["not_rotating"] == 1 and report["security_hub_parameters"]["SecretsManager.4"] == {"maxDaysSinceRotation": 90}


def test_bad_policy_writes_nothing(moto_env, tmp_path):
    with pytest.raises(PreflightError, match="max_age_days=0"):
        audit.execute({**CONNECTION, "patterns": [], "policy": {"max_age_days": 0}, "output_dir": str(tmp_path / "out")})
    assert not (tmp_path / "out").exists()
