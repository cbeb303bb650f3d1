"""The delivery-pipeline suite: the ECR scan gate against an emulator of its own.

``pytest tests/pipelines`` (about a minute). One emulator for the session (API 4880, its
receiver 4881, listener base 11100; ``SLIPWAY_PIPELINES_EMULATOR_PORT`` /
``SLIPWAY_PIPELINES_LISTENER_BASE`` pin them) whose ECR scans take
``SCAN_SECONDS``; every test pushes images of its own (unique manifests, so unique
digests) and seeds their findings through ``/_slipway/ecr/scan-findings``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.config
import pytest

from tests.support import ROOT
from tests.support.emulator import Emulator, private_emulator

SCAN_SECONDS = 1
SEED_PATH = "/_slipway/ecr/scan-findings"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    tmp = Path(tempfile.mkdtemp(prefix="slipway-pipelines-"))
    try:
        with private_emulator(tmp / "emulator", "PIPELINES", 4880, 11100, extra_env={"SLIPWAY_EMULATOR_ECR_SCAN_SECONDS": str(SCAN_SECONDS)}) as emu:
            yield emu
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="session")
def ecr(emulator: Emulator) -> Any:
    """An ECR client that does not retry: a LimitExceededException reaches the test at once."""
    import boto3

    return boto3.client(
        "ecr",
        endpoint_url=emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=botocore.config.Config(retries={"total_max_attempts": 1}),
    )


def manifest(seed: str) -> str:
    """An OCI manifest whose layer digest (hence the image digest) derives from ``seed``."""
    import hashlib

    def sha(text: str) -> str:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()

    body = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha("config" + seed), "size": 100},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha("layer" + seed), "size": 2048}],
    }
    return json.dumps(body, sort_keys=True)


@dataclass(frozen=True)
class Image:
    repository: str
    tag: str
    digest: str


@pytest.fixture
def push(ecr: Any) -> Callable[..., Image]:
    """``push(repository, scan_on_push=True)``: a new image (tag ``t-<random>``) in REPOSITORY (created if missing)."""

    def run(repository: str, scan_on_push: bool = True) -> Image:
        try:
            ecr.create_repository(repositoryName=repository, imageScanningConfiguration={"scanOnPush": scan_on_push})
        except ecr.exceptions.RepositoryAlreadyExistsException:
            ecr.put_image_scanning_configuration(repositoryName=repository, imageScanningConfiguration={"scanOnPush": scan_on_push})
        tag = "t-" + uuid.uuid4().hex[:10]
        image = ecr.put_image(repositoryName=repository, imageManifest=manifest(tag), imageTag=tag)["image"]
        return Image(repository, tag, image["imageId"]["imageDigest"])

    return run


def control(emulator: Emulator, method: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(emulator.endpoint + SEED_PATH, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def seed(emulator: Emulator) -> Callable[..., dict[str, Any]]:
    """``seed(image, status="COMPLETE", findings=[...])``: what the image's scan ends with."""

    def run(image: Image, status: str = "COMPLETE", findings: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        code, answer = control(
            emulator, "POST", {"repository": image.repository, "imageDigest": image.digest, "status": status, "findings": findings or [], **extra}
        )
        assert code == 200, answer
        return answer

    return run


def finding(cve: str, severity: str, package: str = "openssl", version: str = "1.1.1k") -> dict[str, Any]:
    return {"name": cve, "severity": severity, "package_name": package, "package_version": version, "cvss2_score": "7.5"}


def wait_scan(ecr: Any, image: Image, timeout: float = 30) -> dict[str, Any]:
    """DescribeImageScanFindings once the scan is no longer IN_PROGRESS."""
    deadline = time.monotonic() + timeout
    while True:
        page = ecr.describe_image_scan_findings(repositoryName=image.repository, imageId={"imageDigest": image.digest})
        if page["imageScanStatus"]["status"] != "IN_PROGRESS":
            return page
        assert time.monotonic() < deadline, f"the scan of {image} is still IN_PROGRESS after {timeout}s"
        time.sleep(0.3)


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        """stdout and stderr with the callback's line wrapping undone (whitespace runs become one space)."""
        return " ".join((self.stdout + "\n" + self.stderr).split())


@pytest.fixture(scope="session")
def playbook(emulator: Emulator) -> Iterator[Callable[..., Run]]:
    """``playbook(*extra_args)``: the real ``ansible-playbook playbooks/ecr_scan_gate.yml`` with an
    inventory that points at this suite's emulator."""
    inv = Path(tempfile.mkdtemp(prefix="slipway-pipelines-inv-"))
    (inv / "group_vars" / "all").mkdir(parents=True)
    hosts = {"all": {"hosts": {"localhost": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}}}}
    (inv / "hosts.yml").write_text(json.dumps(hosts))
    aws = {"region": "us-east-1", "endpoint_url": emulator.endpoint, "access_key": "test", "secret_key": "test"}
    (inv / "group_vars" / "all" / "main.yml").write_text(json.dumps({"slipway_environment": "test", "slipway_aws": aws}))

    def run(*args: str) -> Run:
        cmd = ["ansible-playbook", "-i", str(inv / "hosts.yml"), "playbooks/ecr_scan_gate.yml", "-e", "poll_seconds=1", *args]
        proc = subprocess.run(cmd, cwd=ROOT, env=emulator.env, capture_output=True, text=True, timeout=180, check=False)
        return Run(proc.returncode, proc.stdout, proc.stderr)

    yield run
    shutil.rmtree(inv, ignore_errors=True)
