"""Publish and rollback against in-process moto S3, a CloudFront double and an edge in front of the bucket."""

import datetime
import gzip
import json
import os
import socket
import subprocess

import pytest
from ansible_collections.slipway.aws.plugins.module_utils import ledger
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, LockHeldError, PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.site.bucket import SiteBucket
from ansible_collections.slipway.aws.plugins.module_utils.site.publish import SiteConfig, SitePublisher

from ..conftest import DEPLOYMENT_TABLE
from .fakes import FakeCloudFront, FakeEdge, angular_files, make_dist, sha

BUCKET = "slipway-test-site"


class Clock:
    def __init__(self) -> None:
        self.now = datetime.datetime(2026, 11, 30, 9, tzinfo=datetime.UTC)

    def __call__(self) -> datetime.datetime:
        self.now += datetime.timedelta(seconds=1)
        return self.now


@pytest.fixture
def site(aws, tmp_path):
    aws.client("s3").create_bucket(Bucket=BUCKET)
    cf = FakeCloudFront()
    edge = FakeEdge(aws.client("s3"), BUCKET)
    clock = Clock()
    n = iter(range(1, 1000))
    lines: list[str] = []

    def publisher(files=None, dist=None, **options):
        release = options.pop("release_id", f"r{next(n)}")
        if files is not None:
            dist = make_dist(tmp_path / release, files)
        cfg = SiteConfig(
            bucket=BUCKET,
            site="D1",
            distribution_id="D1",
            dist=dist or "",
            release_id=release,
            edge_url="https://d1.example",
            verify_timeout=0,
            table=DEPLOYMENT_TABLE,
            summary_dir=str(tmp_path / "summaries"),
            actor="tester",
            **options,
        )
        aws.counter.calls.clear()
        return SitePublisher(aws, cfg, lines.append, fetch=edge, clock=clock, cloudfront_client=cf)

    publisher.cf, publisher.edge, publisher.lines, publisher.s3 = cf, edge, lines, aws.client("s3")
    publisher.aws = aws
    return publisher


def body(s3, key):
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def current(s3):
    return json.loads(body(s3, "_slipway/current.json"))


def test_first_publish_uploads_everything_with_headers_and_verifies(site):
    files = angular_files()
    result = site(files).publish()
    assert result["outcome"] == "published" and result["changed"], result["msg"]
    obj = site.s3.head_object(Bucket=BUCKET, Key="index.html")
    assert obj["ContentType"] == "text/html; charset=utf-8" and obj["CacheControl"] == "no-cache"
    assert obj["Metadata"]["sha256"] == sha(files["index.html"])
    chunk = site.s3.head_object(Bucket=BUCKET, Key="chunk-AAAA2222.js")
    assert chunk["CacheControl"] == "public, max-age=31536000, immutable" and chunk["ContentType"] == "application/javascript"
    assert site.s3.head_object(Bucket=BUCKET, Key="assets/logo.png")["CacheControl"] == "public, max-age=300"
    assert current(site.s3)["release_id"] == "r1"
    manifest = json.loads(body(site.s3, "_slipway/releases/r1.json"))
    assert manifest["files"]["index.html"]["sha256"] == sha(files["index.html"])
    assert body(site.s3, "_slipway/releases/r1/entry/index.html") == files["index.html"]
    assert result["invalidation"]["created"] is None  # nothing was served before
    assert result["verify"]["status"] == "PASS"
    assert ledger.site_release_list(site.aws, DEPLOYMENT_TABLE, "D1")[0]["outcome"] == "published"
    assert json.load(open(result["summary_file"]))["release_id"] == "r1"
    assert any(line.startswith("switch: release r1 is live") for line in site.lines)


def test_publishing_the_same_build_again_writes_nothing(site):
    site(angular_files()).publish()
    result = site(angular_files()).publish()
    assert (result["changed"], result["outcome"], result["release_id"]) == (False, "unchanged", "r1")
    assert site.aws.counter.writes == {}
    assert site.cf.created == 0


def test_two_chunks_and_the_shell_changed_upload_exactly_those_and_invalidate_the_shell(site):
    old = angular_files()
    site(old).publish()
    new = {k: v for k, v in old.items() if k != "chunk-AAAA2222.js"}
    new |= {"chunk-CCCC4444.js": "c", "chunk-DDDD5555.js": "d", "index.html": old["index.html"].replace("v1", "v2")}
    order = []
    publisher = site(new)
    real_put = publisher.bucket.put_file
    publisher.bucket.put_file = lambda key, *a: order.append(key) or real_put(key, *a)
    result = publisher.publish()
    assert result["outcome"] == "published", result["msg"]
    assert [u["key"] for u in result["plan"]["uploads"]] == ["chunk-CCCC4444.js", "chunk-DDDD5555.js", "index.html"]
    site_writes = [k for k in order if not k.startswith("_slipway/")]
    assert site_writes == ["chunk-CCCC4444.js", "chunk-DDDD5555.js", "index.html"]
    assert result["invalidation"]["created"]["paths"] == ["/", "/index.html"]
    assert site.cf.created == 1
    assert current(site.s3)["invalidation"]["id"] == result["invalidation"]["created"]["id"]
    assert site.edge("https://d1.example/")[2].decode() == new["index.html"]
    # the old chunk stays: r1 is kept for a rollback
    assert site.s3.head_object(Bucket=BUCKET, Key="chunk-AAAA2222.js")


def test_check_mode_plans_and_writes_nothing(site):
    site(angular_files()).publish()
    result = site(angular_files("2")).publish(check_mode=True, diff_mode=True)
    assert result["outcome"] == "planned" and result["changed"]
    assert [u["key"] for u in result["plan"]["uploads"]][-1] == "index.html"
    assert result["invalidation"]["plan"]["paths"] == ["/", "/index.html", "/ngsw.json"]
    assert "main-MAINCXYZ.js" in result["diff"]["after"] and "main-MAINCXYZ.js" not in result["diff"]["before"]
    assert site.aws.counter.writes == {}
    assert current(site.s3)["release_id"] == "r1"


def test_an_interrupted_publish_leaves_the_old_release_whole_and_the_next_run_completes(site):
    old = angular_files()
    site(old).publish()
    new = angular_files("2")
    publisher = site(new)
    real_put = publisher.bucket.put_file

    def dies_at_the_shell(key, *a):
        if key == "index.html":
            raise AwsError("PutObject", "InternalError", "connection reset")
        return real_put(key, *a)

    publisher.bucket.put_file = dies_at_the_shell
    result = publisher.publish()
    assert result["outcome"] == "failed" and "phase upload" in result["msg"] and "serves release r1" in result["msg"]
    # the edge still serves r1's shell, and every file it names is there
    assert site.edge("https://d1.example/")[2].decode() == old["index.html"]
    assert site.edge("https://d1.example/main-MAINBXYZ.js")[0] == 200
    assert current(site.s3)["release_id"] == "r1"
    again = site(new).publish()
    assert again["outcome"] == "published", again["msg"]
    assert [u["key"] for u in again["plan"]["uploads"]] == ["index.html"]  # the rest was uploaded by the first attempt
    assert site.edge("https://d1.example/")[2].decode() == new["index.html"]


def test_a_worker_whose_controller_is_gone_stops_between_two_files(site, monkeypatch):
    """ansible-playbook was killed (its worker lives in a session of its own): no publishing on alone."""
    site(angular_files()).publish()
    publisher = site(angular_files("2", chunks=("CCCC4444", "DDDD5555")))
    real_put, real_ppid = publisher.bucket.put_file, os.getppid()
    written = []

    def controller_dies_after_the_first_file(key, *a):
        written.append(key)
        monkeypatch.setattr(os, "getppid", lambda: 1 if real_ppid != 1 else 2)
        return real_put(key, *a)

    publisher.bucket.put_file = controller_dies_after_the_first_file
    result = publisher.publish()
    assert result["outcome"] == "failed" and "controller" in result["msg"] and "serves release r1" in result["msg"]
    assert len(written) == 1 and current(site.s3)["release_id"] == "r1"
    assert ledger.site_lease(site.aws, DEPLOYMENT_TABLE, "D1", "x", 60).read() is None  # given back
    monkeypatch.setattr(os, "getppid", lambda: real_ppid)
    assert site(angular_files("2", chunks=("CCCC4444", "DDDD5555"))).publish()["outcome"] == "published"


def test_the_lease_of_a_run_killed_on_this_host_is_taken_over_and_of_a_live_one_is_not(site):
    site(angular_files()).publish()
    dead = subprocess.Popen(["true"])
    dead.wait()
    lease = ledger.site_lease(site.aws, DEPLOYMENT_TABLE, "D1", "r-killed", 300)
    lease.acquire("someone", "2026-11-30T08:59:00Z", {"host": socket.gethostname(), "pid": dead.pid})
    result = site(angular_files("2")).publish()
    assert result["outcome"] == "published", result["msg"]
    assert any("r-killed died" in line for line in site.lines)
    # a holder that is alive (this very test process's parent) keeps its lease
    alive = ledger.site_lease(site.aws, DEPLOYMENT_TABLE, "D1", "r-alive", 300)
    alive.acquire("someone", "2026-11-30T09:30:00Z", {"host": socket.gethostname(), "pid": os.getppid()})
    with pytest.raises(LockHeldError, match="r-alive"):
        site(angular_files("3")).publish()
    # and one from another host is not judged at all: it expires by itself
    alive.release()
    other = ledger.site_lease(site.aws, DEPLOYMENT_TABLE, "D1", "r-elsewhere", 300)
    other.acquire("someone", "2026-11-30T09:40:00Z", {"host": "ci-runner-7", "pid": dead.pid})
    with pytest.raises(LockHeldError, match="r-elsewhere"):
        site(angular_files("3")).publish()


def test_a_failure_after_the_shell_was_written_says_the_new_build_is_served(site):
    site(angular_files()).publish()
    publisher = site(angular_files("2"))
    real_put_json = publisher.bucket.put_json

    def dies_at_the_pointer(key, data):
        if key == "_slipway/current.json":
            raise AwsError("PutObject", "InternalError", "connection reset")
        return real_put_json(key, data)

    publisher.bucket.put_json = dies_at_the_pointer
    result = publisher.publish()
    assert "phase switch" in result["msg"] and "serves the new build whole" in result["msg"]
    again = site(angular_files("2")).publish()
    assert again["outcome"] == "published" and again["plan"]["uploads"] == []
    assert current(site.s3)["release_id"] == again["release_id"]


def test_an_invalidation_the_interrupted_run_did_not_create_is_created_by_the_next_run(site):
    site(angular_files()).publish()
    publisher = site(angular_files("2"))

    def killed(*_a):
        raise KeyboardInterrupt

    publisher._invalidate_switch = killed
    with pytest.raises(KeyboardInterrupt):
        publisher.publish()
    assert current(site.s3)["release_id"] == "r2" and current(site.s3)["invalidation"]["id"] is None
    result = site(angular_files("2")).publish()
    assert result["changed"] and "completed the invalidation" in result["msg"]
    assert site.cf.created == 1
    assert current(site.s3)["invalidation"]["id"]
    assert site(angular_files("2")).publish()["changed"] is False


def test_a_new_build_also_completes_the_invalidation_an_interrupted_run_left(site):
    site(angular_files()).publish()
    publisher = site(angular_files("2"))

    def killed(*_a):
        raise KeyboardInterrupt

    publisher._invalidate_switch = killed
    with pytest.raises(KeyboardInterrupt):
        publisher.publish()
    result = site(angular_files("3")).publish()
    assert result["outcome"] == "published", result["msg"]
    assert result["invalidation"]["resumed"]["paths"] == ["/", "/index.html", "/ngsw.json"]
    assert site.cf.created == 2  # r2's, then r3's own


def test_rollback_restores_the_previous_shell_without_uploads(site):
    v1, v2 = angular_files(), angular_files("2")
    site(v1).publish()
    site(v2).publish()
    result = site().rollback()
    assert result["outcome"] == "rolled_back", result["msg"]
    assert result["plan"]["copy"] == ["ngsw.json", "index.html"]  # what differs, the shell last
    assert site.edge("https://d1.example/")[2].decode() == v1["index.html"]
    assert current(site.s3)["release_id"] == "r1" and current(site.s3)["kind"] == "rollback"
    # two server-side copies, the pointer (switched, then its invalidation recorded) and the
    # invalidation-history cache: no upload; the lease taken and given back, the ledger entry
    assert site.aws.counter.writes == {"dynamodb.DeleteItem": 1, "dynamodb.PutItem": 2, "s3.CopyObject": 2, "s3.PutObject": 3}
    assert result["invalidation"]["created"]["paths"] == ["/", "/index.html", "/ngsw.json"]
    assert result["verify"]["status"] == "PASS"
    again = site().rollback(to="r1")
    assert again["changed"] is False and again["outcome"] == "unchanged"
    forward = site().rollback(to="r2")
    assert forward["outcome"] == "rolled_back" and site.edge("https://d1.example/")[2].decode() == v2["index.html"]


def test_rollback_refuses_unknown_releases_and_names_the_kept_ones(site):
    site(angular_files()).publish()
    with pytest.raises(PreflightError, match="no release of D1 older"):
        site().rollback()
    with pytest.raises(PreflightError, match=r"Kept releases: r1\. Fix: -e to="):
        site().rollback(to="nope")


def test_a_stale_edge_is_a_failure_with_evidence(site):
    site(angular_files()).publish()
    site.edge.stale = b"<html>old</html>"
    result = site(angular_files("2")).publish()
    assert result["failed"] and result["outcome"] == "verify_failed"
    assert "is not the new index.html" in result["msg"] and "rollback_frontend.yml -e to=r1" in result["msg"]
    assert result["verify"]["evidence"]["index"]["sha256"] == sha("<html>old</html>")


def test_missing_security_headers_fail_the_check(site):
    site.edge.headers = {"x-frame-options": "DENY"}
    result = site(angular_files()).publish()
    assert result["outcome"] == "verify_failed" and "strict-transport-security" in result["msg"]


def test_the_marker_identifies_the_shell_when_the_edge_rewrites_it(site):
    result = site(angular_files(), inject_marker=True).publish()
    assert result["verify"]["status"] == "PASS"
    assert '<meta name="slipway-site"' in body(site.s3, "index.html")
    assert site(angular_files(), inject_marker=True).publish()["changed"] is False


def test_retention_deletes_old_hashed_files_after_their_invalidation_completed(site):
    for v in ("2", "3", "4", "5"):
        result = site(angular_files(v, chunks=(f"CHNK{v}AAA",)), keep_releases=2).publish()
        assert result["outcome"] == "published", result["msg"]
    keys = set(SiteBucket(site.aws, BUCKET).site_listing())
    assert "main-MAINCXYZ.js" not in keys and "chunk-CHNK2AAA.js" not in keys  # r1, expired
    assert {"main-MAINEXYZ.js", "main-MAINFXYZ.js"} <= keys  # r3 and r4, kept
    manifests = SiteBucket(site.aws, BUCKET).listing("_slipway/releases/")
    assert "_slipway/releases/r1.json" not in manifests and "_slipway/releases/r1/entry/index.html" not in manifests
    assert "_slipway/releases/r3.json" in manifests


def test_a_bad_release_id_is_refused(site):
    with pytest.raises(PreflightError, match="-e release="):
        site(angular_files(), release_id="a b").publish()


def test_a_second_publish_of_the_same_site_waits_its_turn(site):
    site(angular_files()).publish()
    ledger.site_lease(site.aws, DEPLOYMENT_TABLE, "D1", "other", 300).acquire("someone", "2026-11-30T09:00:00Z", {})
    with pytest.raises(PreflightError, match="another release of site:D1 is in progress"):
        site(angular_files("2")).publish()
    assert current(site.s3)["release_id"] == "r1"


def test_a_site_switched_while_planning_is_refused(site):
    site(angular_files()).publish()
    publisher = site(angular_files("2"))
    real_read = publisher.read_state

    def then_someone_publishes():
        state = real_read()
        site.s3.put_object(Bucket=BUCKET, Key="_slipway/current.json", Body=b'{"release_id": "elsewhere"}')
        return state

    publisher.read_state = then_someone_publishes
    with pytest.raises(PreflightError, match="switched D1 while this one was planning"):
        publisher.publish()
    assert body(site.s3, "index.html") == angular_files()["index.html"]


def test_precompressed_files_are_stored_encoded_verified_decoded_and_switching_it_off_reuploads_only_them(site):
    files = angular_files()
    big = "console.log('a lazy chunk of some size');\n" * 100
    files["chunk-BIGG2345.js"] = big
    files["index.html"] = files["index.html"].replace("</head>", '<script src="chunk-BIGG2345.js"></script></head>')
    result = site(files, precompress="gzip").publish()
    assert result["outcome"] == "published" and result["verify"]["status"] == "PASS", result["msg"]
    obj = site.s3.get_object(Bucket=BUCKET, Key="chunk-BIGG2345.js")
    assert obj["ContentEncoding"] == "gzip" and obj["Metadata"]["sha256"] == sha(big)
    assert gzip.decompress(obj["Body"].read()).decode() == big
    assert "ContentEncoding" not in site.s3.head_object(Bucket=BUCKET, Key="index.html")  # under 1,000 bytes
    assert "ContentEncoding" not in site.s3.head_object(Bucket=BUCKET, Key="assets/logo.png")  # not a compressible type
    assert any("compresses at the edge too" in line for line in site.lines)
    assert site(files, precompress="gzip").publish()["outcome"] == "unchanged"
    plain = site(files).publish()
    assert [(u["key"], u["reason"]) for u in plain["plan"]["uploads"]] == [("chunk-BIGG2345.js", "metadata")]
    assert "ContentEncoding" not in site.s3.head_object(Bucket=BUCKET, Key="chunk-BIGG2345.js")


def test_an_unknown_precompression_is_refused_before_any_write(site):
    with pytest.raises(PreflightError, match="precompress 'zstd'"):
        site(angular_files(), precompress="zstd").publish()
    assert site.aws.counter.writes == {}


def test_a_completed_invalidation_is_read_once_not_by_every_later_publish(site):
    for v in range(1, 7):
        site.cf.reads.clear()
        result = site(angular_files(str(v)), keep_releases=5).publish()
        assert result["outcome"] == "published", result["msg"]
    # only the previous release's invalidation (created by the last run) is still to be read
    assert sum(site.cf.reads.values()) <= 1, site.cf.reads
    assert result["api_calls"].get("dynamodb.PutItem") == 2  # the lease and the ledger entry are both counted
    assert result["api_calls"].get("dynamodb.DeleteItem") == 1
