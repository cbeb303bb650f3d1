"""The action group: a play that sets the AWS connection only through
`module_defaults: group/slipway.aws.aws` runs every Slipway module."""

from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from .conftest import BIN, ROOT, Stack

pytestmark = pytest.mark.timeout(180)


def test_module_defaults_alone_connect_every_module(stack: Stack, tmp_path) -> None:
    table = stack.outputs["deployment_table_name"]
    play = [
        {
            "name": "Only module_defaults say where AWS is",
            "hosts": "localhost",
            "gather_facts": False,
            "module_defaults": {
                "group/slipway.aws.aws": {
                    "region": "us-east-1",
                    "endpoint_url": stack.env["AWS_ENDPOINT_URL"],
                    "aws_access_key_id": "test",
                    "aws_secret_access_key": "test",
                }
            },
            "tasks": [
                {"name": "History", "slipway.aws.release_history": {"service": "user", "table": table}, "register": "history"},
                {
                    "name": "Approval of a release that is not waiting",
                    "slipway.aws.release_approval": {"service": "user", "release_id": "not-a-release", "table": table},
                    "register": "approval",
                    "ignore_errors": True,
                },
                {
                    "name": "Plan a release",
                    "slipway.aws.ecs_release": {
                        "service": "user",
                        "environment": "local",
                        "foundation": "{{ slipway_foundation }}",
                        "settings": "{{ slipway_services.user }}",
                        "test_listener_url": "{{ slipway_test_listener_url }}",
                    },
                    "check_mode": True,
                    "register": "plan",
                },
                {
                    "name": "Keep what each module read",
                    "ansible.builtin.copy": {
                        "content": "{{ {'history': history.releases | length, 'approval': approval.msg, 'plan': plan.outcome} | to_json }}",
                        "dest": str(tmp_path / "results.json"),
                        "mode": "0600",
                    },
                },
            ],
        }
    ]
    path = tmp_path / "play.yml"
    path.write_text(yaml.safe_dump(play, sort_keys=False))
    # Nothing in the environment says where AWS is or who we are.
    env = {k: v for k, v in stack.env.items() if not k.startswith("AWS_")}
    proc = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(stack.inventory), str(path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=170, check=False
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["history"] == min(len(stack.ledger("user")), 50)
    assert "no release not-a-release of user is in progress" in results["approval"]  # read from the table
    assert results["plan"] in ("planned", "unchanged")
