"""Publishing the Angular app through S3 and the emulator's CloudFront edge,
with the real `ansible-playbook playbooks/deploy_frontend.yml` and
`rollback_frontend.yml`. State is read back from S3 (object versions,
metadata), from CloudFront (invalidations) and from the edge over HTTP."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from .conftest import BIN, ROOT, Stack

pytestmark = pytest.mark.timeout(300)

FIXTURES = ROOT / "tests" / "fixtures" / "angular"
V1, V2 = FIXTURES / "v1", FIXTURES / "v2"


def changes() -> dict[str, str]:
    """path -> identical | changed | added | removed, from the fixtures' CHANGES.txt."""
    out = {}
    for line in (FIXTURES / "CHANGES.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            status, path = line.split(" ", 1)
            out[path] = status
    return out


def main_chunk(dist: Path) -> str:
    return next(p.name for p in dist.iterdir() if re.fullmatch(r"main-[A-Z0-9]+\.js", p.name))


class Site:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        cdn = stack.outputs["cdn"]
        self.bucket = cdn["site_bucket_name"]
        self.distribution = cdn["distribution_id"]
        with urllib.request.urlopen(stack.env["AWS_ENDPOINT_URL"] + "/_slipway/edges", timeout=10) as resp:
            self.edge = json.loads(resp.read())[self.distribution]["url"].rstrip("/")

    def play(self, playbook: str, *args: str, **extra: Any) -> subprocess.CompletedProcess:
        extra = {"static_site_publish_summary_dir": str(self.stack.tmp / "site-summaries"), **extra}
        cmd = [str(BIN / "ansible-playbook"), f"playbooks/{playbook}", "-i", str(self.stack.inventory), "-e", json.dumps(extra), *args]
        return subprocess.run(cmd, cwd=ROOT, env=self.stack.env, capture_output=True, text=True, timeout=280, check=False)

    def publish(self, dist: Path, release: str, *args: str) -> subprocess.CompletedProcess:
        return self.play("deploy_frontend.yml", *args, dist=str(dist), release=release)

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        try:
            with urllib.request.urlopen(self.edge + path, timeout=10) as resp:
                return resp.status, dict(resp.headers), resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def wait_for_index(self, chunk: str, timeout: float = 60) -> None:
        deadline = time.time() + timeout
        while chunk.encode() not in self.get("/")[2]:
            assert time.time() < deadline, f"the edge never served an index referencing {chunk}"
            time.sleep(0.5)

    def versions(self) -> dict[str, int]:
        """Object versions per site key (not Slipway's own _slipway/ records)."""
        counts: dict[str, int] = {}
        for page in self.stack.client("s3").get_paginator("list_object_versions").paginate(Bucket=self.bucket):
            for v in page.get("Versions", []):
                if not v["Key"].startswith("_slipway/"):
                    counts[v["Key"]] = counts.get(v["Key"], 0) + 1
        return counts

    def invalidations(self) -> list[dict[str, Any]]:
        cf = self.stack.client("cloudfront")
        items = cf.list_invalidations(DistributionId=self.distribution, MaxItems="1000")["InvalidationList"].get("Items", [])
        return [cf.get_invalidation(DistributionId=self.distribution, Id=i["Id"])["Invalidation"] for i in items]


@pytest.fixture(scope="module")
def site(stack: Stack) -> Site:
    if not (stack.outputs.get("cdn") or {}).get("distribution_id"):
        pytest.fail("the local foundation has no CloudFront distribution (cdn.enable_cloudfront is off)")
    return Site(stack)


def recap_changed(stdout: str) -> int:
    m = re.search(r"localhost\s*:\s*ok=\d+\s+changed=(\d+)", stdout)
    assert m, stdout[-2000:]
    return int(m.group(1))


def test_first_publish_serves_v1_with_the_right_headers(site: Site) -> None:
    proc = site.publish(V1, "r1-v1")
    assert proc.returncode == 0, proc.stdout[-4000:]
    s3 = site.stack.client("s3")
    for path in (p for p in V1.rglob("*") if p.is_file()):
        key = str(path.relative_to(V1))
        head = s3.head_object(Bucket=site.bucket, Key=key)
        assert head["ContentLength"] == path.stat().st_size, key
        if key == "index.html" or key in ("ngsw.json", "ngsw-worker.js", "safety-worker.js", "manifest.webmanifest"):
            assert head["CacheControl"] == "no-cache", key
        elif re.search(r"-[A-Z0-9]{8,}\.(js|css)$", key):
            assert head["CacheControl"] == "public, max-age=31536000, immutable", key
    assert s3.head_object(Bucket=site.bucket, Key="index.html")["ContentType"].startswith("text/html")
    assert s3.head_object(Bucket=site.bucket, Key=main_chunk(V1))["ContentType"] in ("application/javascript", "text/javascript")
    site.wait_for_index(main_chunk(V1))
    status, headers = site.get("/" + main_chunk(V1))[:2]
    assert status == 200 and headers.get("Cache-Control") == "public, max-age=31536000, immutable"
    assert "Strict-Transport-Security" in headers


def test_an_unchanged_republish_changes_nothing(site: Site) -> None:
    before_versions, before_invalidations = site.versions(), len(site.invalidations())
    calls = site.stack.calls()
    proc = site.publish(V1, "r2-v1-again")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert recap_changed(proc.stdout) == 0
    assert site.versions() == before_versions
    assert len(site.invalidations()) == before_invalidations
    assert site.stack.writes_since(calls).get("s3.PutObject", 0) == 0


def test_v2_uploads_exactly_its_changes_and_invalidates_only_the_entry_paths(site: Site) -> None:
    before = site.versions()
    known = {i["Id"] for i in site.invalidations()}
    proc = site.publish(V2, "r3-v2")
    assert proc.returncode == 0, proc.stdout[-4000:]
    after = site.versions()
    uploaded = {key for key, n in after.items() if n > before.get(key, 0)}
    expected = {path for path, status in changes().items() if status in ("changed", "added")}
    assert uploaded == expected
    new = [i for i in site.invalidations() if i["Id"] not in known]
    assert len(new) == 1
    paths = set(new[0]["InvalidationBatch"]["Paths"].get("Items", []))
    changed_unhashed = {"/" + p for p, s in changes().items() if s == "changed" and not re.search(r"-[A-Z0-9]{8,}\.", p)}
    assert changed_unhashed <= paths <= changed_unhashed | {"/"}
    site.wait_for_index(main_chunk(V2))
    for path in (p for p, s in changes().items() if s == "added"):
        assert site.get("/" + path)[0] == 200, path


def test_rollback_returns_to_v1_without_uploading_hashed_files(site: Site) -> None:
    before = site.versions()
    proc = site.play("rollback_frontend.yml", to="r1-v1")
    assert proc.returncode == 0, proc.stdout[-4000:]
    site.wait_for_index(main_chunk(V1))
    after = site.versions()
    rewritten = {key for key, n in after.items() if n > before.get(key, 0)}
    assert rewritten and all(not re.search(r"-[A-Z0-9]{8,}\.(js|css)$", key) for key in rewritten), rewritten
    assert site.get("/" + main_chunk(V1))[0] == 200  # v1's chunks were kept


def test_check_mode_writes_nothing(site: Site) -> None:
    calls = site.stack.calls()
    before = site.versions()
    proc = site.publish(V2, "r4-check", "--check", "--diff")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "index.html" in proc.stdout
    assert site.stack.writes_since(calls) == {}
    assert site.versions() == before


@pytest.mark.parametrize(
    "dist,words",
    [
        ("/nonexistent/dist", ["dist", "Fix"]),
        (str(FIXTURES), ["index.html", "Fix"]),
    ],
    ids=["missing", "no-index"],
)
def test_bad_input_is_refused_before_any_write(site: Site, dist: str, words: list[str]) -> None:
    calls = site.stack.calls()
    proc = site.publish(Path(dist), "r5-bad")
    assert proc.returncode != 0
    for word in words:
        assert word in proc.stdout, proc.stdout[-3000:]
    assert site.stack.writes_since(calls) == {}
