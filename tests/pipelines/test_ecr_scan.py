"""The emulator's ECR basic image scanning, over HTTP with boto3 (docs/emulator.md, "ECR basic image scanning")."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.pipelines.conftest import SCAN_SECONDS, control, finding, manifest, wait_scan


def codes(exc_info: Any) -> str:
    return exc_info.value.response["Error"]["Code"]


def test_scan_on_push_is_in_progress_then_complete_with_the_seeded_findings(ecr, push, seed) -> None:
    image = push("pl/scan-on-push")
    first = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageTag": image.tag})
    assert first["imageScanStatus"]["status"] == "IN_PROGRESS"
    assert "imageScanFindings" not in first
    details = ecr.describe_images(repositoryName=image.repository, imageIds=[{"imageDigest": image.digest}])["imageDetails"][0]
    assert details["imageScanStatus"]["status"] == "IN_PROGRESS"
    assert "imageScanFindingsSummary" not in details
    seed(image, findings=[finding("CVE-2024-0001", "HIGH"), finding("CVE-2024-0002", "LOW", "zlib", "1.2.11")])
    started = time.monotonic()
    page = wait_scan(ecr, image)
    assert time.monotonic() - started <= SCAN_SECONDS + 5
    assert page["imageScanStatus"] == {"status": "COMPLETE", "description": "The scan was completed successfully."}
    found = page["imageScanFindings"]
    assert found["findingSeverityCounts"] == {"HIGH": 1, "LOW": 1}
    assert found["vulnerabilitySourceUpdatedAt"] <= found["imageScanCompletedAt"]
    by_name = {f["name"]: f for f in found["findings"]}
    assert by_name["CVE-2024-0002"]["severity"] == "LOW"
    attrs = {a["key"]: a["value"] for a in by_name["CVE-2024-0002"]["attributes"]}
    assert attrs == {"package_name": "zlib", "package_version": "1.2.11", "CVSS2_SCORE": "7.5"}
    assert by_name["CVE-2024-0001"]["uri"].endswith("CVE-2024-0001")
    details = ecr.describe_images(repositoryName=image.repository, imageIds=[{"imageTag": image.tag}])["imageDetails"][0]
    assert details["imageScanStatus"]["status"] == "COMPLETE"
    assert details["imageScanFindingsSummary"]["findingSeverityCounts"] == {"HIGH": 1, "LOW": 1}
    assert details["imageScanFindingsSummary"]["imageScanCompletedAt"] == found["imageScanCompletedAt"]


def test_nothing_seeded_completes_clean(ecr, push) -> None:
    image = push("pl/clean")
    page = wait_scan(ecr, image)
    assert page["imageScanStatus"]["status"] == "COMPLETE"
    assert page["imageScanFindings"]["findings"] == []
    assert page["imageScanFindings"]["findingSeverityCounts"] == {}


def test_findings_are_paged_by_max_results_and_next_token(ecr, push, seed) -> None:
    image = push("pl/paged")
    names = [f"CVE-2024-{i:04d}" for i in range(7)]
    seed(image, findings=[finding(n, "MEDIUM") for n in names])
    wait_scan(ecr, image)
    pages, token = [], None
    while True:
        kwargs = {"nextToken": token} if token else {}
        page = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest}, maxResults=3, **kwargs)
        pages.append([f["name"] for f in page["imageScanFindings"]["findings"]])
        token = page.get("nextToken")
        if not token:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sorted(name for p in pages for name in p) == names
    paginator = ecr.get_paginator("describe_image_scan_findings")
    walked_pages = paginator.paginate(repositoryName=image.repository, imageId={"imageTag": image.tag})
    walked = [f["name"] for pg in walked_pages for f in pg["imageScanFindings"]["findings"]]
    assert sorted(walked) == names
    with pytest.raises(ecr.exceptions.InvalidParameterException):
        ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest}, nextToken="bm90LWEtdG9rZW4=")


def test_manual_scan_scan_not_found_then_start_then_quota(ecr, push) -> None:
    image = push("pl/manual", scan_on_push=False)
    with pytest.raises(ecr.exceptions.ScanNotFoundException):
        ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    details = ecr.describe_images(repositoryName=image.repository, imageIds=[{"imageDigest": image.digest}])["imageDetails"][0]
    assert "imageScanStatus" not in details
    started = ecr.start_image_scan(repositoryName=image.repository, imageId={"imageTag": image.tag})
    assert started["imageScanStatus"]["status"] == "IN_PROGRESS"
    assert started["imageId"]["imageDigest"] == image.digest
    now = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    assert now["imageScanStatus"]["status"] == "IN_PROGRESS"
    # basic scanning: one scan per image per 24 hours, the running one included
    with pytest.raises(ecr.exceptions.LimitExceededException):
        ecr.start_image_scan(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    assert wait_scan(ecr, image)["imageScanStatus"]["status"] == "COMPLETE"
    with pytest.raises(ecr.exceptions.LimitExceededException):
        ecr.start_image_scan(repositoryName=image.repository, imageId={"imageDigest": image.digest})


def test_unknown_image_and_repository(ecr, push) -> None:
    image = push("pl/unknown")
    missing = "sha256:" + "0" * 64
    with pytest.raises(ecr.exceptions.ImageNotFoundException):
        ecr.start_image_scan(repositoryName=image.repository, imageId={"imageDigest": missing})
    with pytest.raises(ecr.exceptions.ImageNotFoundException):
        ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageTag": "no-such-tag"})
    with pytest.raises(ecr.exceptions.RepositoryNotFoundException):
        ecr.describe_image_scan_findings(repositoryName="pl/no-such-repo", imageId={"imageTag": "x"})


@pytest.mark.parametrize("status", ["FAILED", "UNSUPPORTED_IMAGE"])
def test_seeded_failure_ends_the_scan_without_findings(ecr, push, seed, status: str) -> None:
    image = push("pl/failed")
    seed(image, status=status)
    page = wait_scan(ecr, image)
    assert page["imageScanStatus"]["status"] == status
    assert page["imageScanStatus"]["description"]
    assert "imageScanFindings" not in page
    details = ecr.describe_images(repositoryName=image.repository, imageIds=[{"imageDigest": image.digest}])["imageDetails"][0]
    assert details["imageScanStatus"]["status"] == status
    assert "imageScanFindingsSummary" not in details


def test_seeded_in_progress_never_completes_until_seeded_again(ecr, push, seed) -> None:
    image = push("pl/stuck")
    seed(image, status="IN_PROGRESS")
    time.sleep(SCAN_SECONDS + 1)
    page = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    assert page["imageScanStatus"]["status"] == "IN_PROGRESS"
    seed(image, findings=[finding("CVE-2024-0100", "CRITICAL")])
    page = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    assert page["imageScanStatus"]["status"] == "COMPLETE"
    assert page["imageScanFindings"]["findingSeverityCounts"] == {"CRITICAL": 1}


def test_a_deleted_image_pushed_again_is_scanned_again(ecr, push, seed) -> None:
    image = push("pl/repush")
    seed(image, findings=[finding("CVE-2024-0200", "HIGH")])
    assert wait_scan(ecr, image)["imageScanStatus"]["status"] == "COMPLETE"
    ecr.batch_delete_image(repositoryName=image.repository, imageIds=[{"imageDigest": image.digest}])
    again = ecr.put_image(repositoryName=image.repository, imageManifest=manifest(image.tag), imageTag=image.tag)["image"]
    assert again["imageId"]["imageDigest"] == image.digest
    page = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    assert page["imageScanStatus"]["status"] == "IN_PROGRESS"


def test_control_endpoint_refuses_bad_seeds_and_is_uncounted(emulator, push) -> None:
    image = push("pl/control")
    before = emulator.calls()
    bad = [
        ({"repository": image.repository, "imageDigest": image.digest, "findings": [{"name": "CVE-1", "severity": "SEVERE"}]}, 400, "severity"),
        ({"repository": image.repository, "imageDigest": image.digest, "status": "DONE"}, 400, "status"),
        ({"repository": image.repository}, 400, "imageDigest or imageTag"),
        ({"repository": "pl/none", "imageTag": "x"}, 404, "create it first"),
        ({"repository": image.repository, "imageTag": "nope"}, 404, "push it first"),
        ({"repository": image.repository, "imageTag": image.tag, "status": "FAILED", "findings": [{"name": "CVE-1", "severity": "LOW"}]}, 400, "COMPLETE"),
    ]
    for body, code, words in bad:
        got, answer = control(emulator, "POST", body)
        assert (got, words in answer["error"]) == (code, True), (body, answer)
    code, listing = control(emulator, "GET")
    assert code == 200
    assert any(i["repository"] == image.repository and i["imageDigest"] == image.digest for i in listing["images"])
    assert emulator.calls() == before


def test_cli_seeds_findings(emulator, ecr, push) -> None:
    image = push("pl/cli")
    emulator.cli("ecr-findings", "seed", image.repository, image.tag, "--finding", "CVE-2024-0300:CRITICAL:glibc:2.31", "--finding", "CVE-2024-0301:LOW")
    page = wait_scan(ecr, image)
    got = {f["name"]: (f["severity"], {a["key"]: a["value"] for a in f["attributes"]}) for f in page["imageScanFindings"]["findings"]}
    assert got == {"CVE-2024-0300": ("CRITICAL", {"package_name": "glibc", "package_version": "2.31"}), "CVE-2024-0301": ("LOW", {})}
    bad = emulator.cli("ecr-findings", "seed", image.repository, image.tag, "--finding", "CVE-1", check=False)
    assert bad.returncode != 0 and "CVE:SEVERITY" in bad.stderr
    assert image.digest in emulator.cli("ecr-findings", "list").stdout
