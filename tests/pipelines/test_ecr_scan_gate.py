"""The real ``ansible-playbook playbooks/ecr_scan_gate.yml`` against the emulator, with seeded findings.

Every verdict is checked against state read back from the emulator (the scan's
status and findings), never only against what the playbook printed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.pipelines.conftest import finding, wait_scan


def write_exceptions(path: Path, *entries: dict) -> str:
    path.write_text(json.dumps({"exceptions": list(entries)}))
    return str(path)


def test_clean_image_passes(ecr, push, seed, playbook) -> None:
    image = push("gate/clean")
    seed(image, findings=[finding("CVE-2024-1001", "LOW", "zlib")])
    # empty values, as a pipeline passes unset inputs, mean the defaults
    run = playbook("-e", "repository=gate/clean", "-e", f"image_digest={image.digest}", "-e", "fail_on=", "-e", "timeout_seconds=", "-e", "exceptions_file=")
    assert run.rc == 0, run.text
    assert f"PASS: gate/clean@{image.digest}: 1 LOW; nothing blocking at or above HIGH" in run.text
    assert "LOW CVE-2024-1001 zlib 1.1.1k below threshold" in run.text
    assert "changed=0" in run.text
    # the verdict rests on a complete scan, read back
    assert wait_scan(ecr, image)["imageScanStatus"]["status"] == "COMPLETE"


def test_high_finding_fails_with_the_table(ecr, push, seed, playbook) -> None:
    image = push("gate/high")
    seed(image, findings=[finding("CVE-2024-2001", "HIGH", "openssl", "1.1.1k"), finding("CVE-2024-2002", "MEDIUM", "bash", "5.0")])
    run = playbook("-e", "repository=gate/high", "-e", f"image_tag={image.tag}")
    assert run.rc != 0
    assert "SEVERITY CVE PACKAGE VERSION STATUS" in run.text
    assert "HIGH CVE-2024-2001 openssl 1.1.1k BLOCKING" in run.text
    assert "MEDIUM CVE-2024-2002 bash 5.0 below threshold" in run.text
    assert "FAIL: gate/high@" in run.text and "1 blocking finding(s) at or above HIGH: CVE-2024-2001 (HIGH, openssl)" in run.text
    assert wait_scan(ecr, image)["imageScanFindings"]["findingSeverityCounts"] == {"HIGH": 1, "MEDIUM": 1}
    # a lower bar lets it through
    lenient = playbook("-e", "repository=gate/high", "-e", f"image_tag={image.tag}", "-e", "fail_on=CRITICAL")
    assert lenient.rc == 0, lenient.text


def test_excepted_finding_passes_and_shows_the_owner(push, seed, playbook, tmp_path) -> None:
    image = push("gate/excepted")
    seed(image, findings=[finding("CVE-2024-3001", "CRITICAL", "glibc", "2.31")])
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    path = write_exceptions(
        tmp_path / "exceptions.yml",
        {"id": "CVE-2024-3001", "package": "glibc", "repository": "gate/*", "owner": "platform@example.com", "justification": "unreachable", "expires": until},
        {"id": "CVE-1999-0001", "owner": "nobody@example.com", "expires": until},
    )
    run = playbook("-e", "repository=gate/excepted", "-e", f"image_digest={image.digest}", "-e", f"exceptions_file={path}")
    assert run.rc == 0, run.text
    assert f"CRITICAL CVE-2024-3001 glibc 2.31 EXCEPTED (platform@example.com, until {until})" in run.text
    assert "unused exceptions: CVE-1999-0001" in run.text


def test_expired_exception_fails_and_is_listed(push, seed, playbook, tmp_path) -> None:
    image = push("gate/expired")
    seed(image, findings=[finding("CVE-2024-4001", "HIGH", "curl", "7.68")])
    path = write_exceptions(tmp_path / "exceptions.yml", {"id": "CVE-2024-4001", "owner": "sec@example.com", "expires": "2020-01-31"})
    run = playbook("-e", "repository=gate/expired", "-e", f"image_digest={image.digest}", "-e", f"exceptions_file={path}")
    assert run.rc != 0
    assert "HIGH CVE-2024-4001 curl 7.68 BLOCKING (exception of sec@example.com expired 2020-01-31)" in run.text
    assert "expired exceptions: CVE-2024-4001 (sec@example.com, 2020-01-31)" in run.text


def test_malformed_exception_is_a_clear_error(push, playbook, tmp_path) -> None:
    image = push("gate/malformed")
    path = write_exceptions(tmp_path / "exceptions.yml", {"id": "CVE-2024-5001", "expires": "2099-01-01"})
    run = playbook("-e", "repository=gate/malformed", "-e", f"image_digest={image.digest}", "-e", f"exceptions_file={path}")
    assert run.rc != 0
    assert "(CVE-2024-5001): owner missing. Fix: every exception needs an id, an owner and an expiry date" in run.text


def test_failed_scan_is_an_error(ecr, push, seed, playbook) -> None:
    image = push("gate/failed")
    seed(image, status="FAILED")
    run = playbook("-e", "repository=gate/failed", "-e", f"image_digest={image.digest}")
    assert run.rc != 0
    assert "ERROR: the scan of gate/failed@" in run.text and "ended FAILED" in run.text
    assert "PASS" not in run.text
    assert wait_scan(ecr, image)["imageScanStatus"]["status"] == "FAILED"


def test_scan_that_never_completes_errors_at_the_deadline(ecr, push, seed, playbook) -> None:
    image = push("gate/stuck")
    seed(image, status="IN_PROGRESS")
    run = playbook("-e", "repository=gate/stuck", "-e", f"image_digest={image.digest}", "-e", "timeout_seconds=3")
    assert run.rc != 0
    assert "is still IN_PROGRESS after 3s (the deadline); an unfinished scan is no pass" in run.text
    page = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
    assert page["imageScanStatus"]["status"] == "IN_PROGRESS"


def test_image_without_scan_errors_or_gets_one_with_start_scan(ecr, push, playbook) -> None:
    image = push("gate/manual", scan_on_push=False)
    run = playbook("-e", "repository=gate/manual", "-e", f"image_tag={image.tag}")
    assert run.rc != 0
    assert "has no scan. Fix: enable scan on push on the repository, or run the gate with start_scan" in run.text
    started = playbook("-e", "repository=gate/manual", "-e", f"image_tag={image.tag}", "-e", "start_scan=true")
    assert started.rc == 0, started.text
    assert wait_scan(ecr, image)["imageScanStatus"]["status"] == "COMPLETE"


def test_unknown_repository_and_image_are_clear_errors(push, playbook) -> None:
    run = playbook("-e", "repository=gate/no-such-repo", "-e", "image_tag=1.0")
    assert run.rc != 0
    assert "repository 'gate/no-such-repo' does not exist" in run.text and "Fix: check the repository name" in run.text
    image = push("gate/known")
    run = playbook("-e", "repository=gate/known", "-e", "image_tag=no-such-tag")
    assert run.rc != 0
    assert "no image with tag 'no-such-tag' in repository 'gate/known'. Fix: push the image first" in run.text
    assert image.tag != "no-such-tag"


def test_command_line_errors_name_the_fix(playbook) -> None:
    run = playbook("-e", "image_tag=1.0")
    assert run.rc != 0 and "no repository given. Fix: -e repository=NAME" in run.text
    run = playbook("-e", "repository=gate/x")
    assert run.rc != 0 and "no image given. Fix: give exactly one: -e image_digest=sha256:... or -e image_tag=TAG" in run.text
    run = playbook("-e", "repository=gate/x", "-e", "image_tag=1.0", "-e", "image_digest=sha256:" + "a" * 64)
    assert run.rc != 0 and "both image_digest and image_tag given" in run.text


def test_check_mode_gives_the_same_verdict(ecr, push, seed, playbook) -> None:
    image = push("gate/check")
    seed(image, findings=[finding("CVE-2024-6001", "HIGH")])
    run = playbook("--check", "-e", "repository=gate/check", "-e", f"image_digest={image.digest}")
    assert run.rc != 0
    assert "HIGH CVE-2024-6001 openssl 1.1.1k BLOCKING" in run.text
    # check mode starts no scan: an image without one stays without one
    manual = push("gate/check-manual", scan_on_push=False)
    refused = playbook("--check", "-e", "repository=gate/check-manual", "-e", f"image_tag={manual.tag}", "-e", "start_scan=true")
    assert refused.rc != 0 and "check mode starts nothing" in refused.text
    with pytest.raises(ecr.exceptions.ScanNotFoundException):
        ecr.describe_image_scan_findings(repositoryName=manual.repository, imageId={"imageDigest": manual.digest})
