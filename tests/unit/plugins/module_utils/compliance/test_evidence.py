"""The collector's helpers on plain data: batched reads, the custom-endpoint host, the latest task definitions."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError


def reader() -> evidence.Reader:
    return evidence.Reader(aws=None, service="ecs", region="us-east-1", account="123456789012")  # type: ignore[arg-type]


def test_batched_reads_mark_missing_and_failed_batches() -> None:
    r = reader()
    res = [r.add(f"arn:aws:ecs:us-east-1:123456789012:cluster/c{i}", f"c{i}", "AwsEcsCluster", {}) for i in range(5)]
    calls: list[list[str]] = []

    def read(arns: list[str]) -> dict[str, Any]:
        calls.append(arns)
        if arns[0].endswith("c4"):
            raise AwsError("describe_clusters", "AccessDenied", "no")
        return {a: {"ok": a} for a in arns if not a.endswith("c1")}

    evidence._batched(r, res, "cluster", "ecs:DescribeClusters", read, 2)
    assert [len(c) for c in calls] == [2, 2, 1]
    assert res[0]["areas"]["cluster"] == {"ok": res[0]["arn"]}
    assert res[1]["unavailable"]["cluster"]["code"] == "MISSING"
    assert res[4]["unavailable"]["cluster"]["kind"] == "access-denied"
    assert r.actions == {"ecs:DescribeClusters"}


def test_a_custom_endpoint_is_reached_at_its_own_host() -> None:
    request = SimpleNamespace(url="http://111111111111.127.0.0.1:4566/v20180820/configuration/publicAccessBlock")
    evidence._endpoint_host("http://127.0.0.1:4566", request)
    assert request.url == "http://127.0.0.1:4566/v20180820/configuration/publicAccessBlock"
    aws = SimpleNamespace(url="https://111111111111.s3-control.us-east-1.amazonaws.com/v20180820/configuration/publicAccessBlock")
    evidence._endpoint_host("http://127.0.0.1:4566", aws)
    assert aws.url.startswith("https://111111111111.s3-control.")


def test_container_evidence_keeps_variable_names_not_values() -> None:
    c = evidence._container({"name": "app", "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "s3cr3t"}, {"name": "A", "value": "1"}]})
    assert c == {"name": "app", "privileged": None, "readonlyRootFilesystem": None, "environment_names": ["A", "AWS_SECRET_ACCESS_KEY"]}
    assert "s3cr3t" not in repr(c)
