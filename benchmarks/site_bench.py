#!/usr/bin/env python3
"""Site publishing benchmarks: one publish of the Angular app against a
CloudFront distribution with 0, 500 and 5,000 past invalidations, beside
`community.aws.cloudfront_invalidation` and `aws s3 sync` + `aws cloudfront
create-invalidation` on the same emulator, distribution and build.

    make bench-site                  # or: .venv/bin/python benchmarks/site_bench.py

Stands up its own emulator (port 4660, listener base 14000, edges from 14200:
outside the kernel's ephemeral port range) and a private copy of terraform/ +
inventories/ applied with tools/tf (the local foundation's cdn module: the
distribution and the site bucket), all through the test harness
(tests/support). For each history size it seeds that many invalidations with
boto3, then measures (the emulator's call counter, reset before each step):

  slipway    playbooks/deploy_frontend.yml: v1 onto an empty bucket, then v2 on top of it
  community  benchmarks/playbooks/community_invalidation.yml: the paths Slipway's v2 publish invalidated
  awscli     aws s3 sync v2 --delete (on a bucket awscli synced v1 into) + create-invalidation "/*",
             and the same with --size-only

Prints tables and writes them as JSON under benchmarks/results/. Measures and
prints; never asserts a timing. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # the test harness, tests/support
    sys.path.insert(0, str(ROOT))

from tests.support import BIN  # noqa: E402
from tests.support.emulator import Emulator, EmulatorError, outside_ephemeral, port_in_use  # noqa: E402
from tests.support.processes import kill_tree  # noqa: E402
from tests.support.terraform import TerraformError, apply_foundation, copy_code  # noqa: E402

PORT = int(os.environ.get("SLIPWAY_BENCH_SITE_EMULATOR_PORT", "4660"))
# Served listener ports base + 80/443/9000 = 14080, 14443, 23000: below the ephemeral range.
LISTENER_BASE = int(os.environ.get("SLIPWAY_BENCH_SITE_LISTENER_BASE", "14000"))
# CloudFront edges (one port per distribution, ten checked). The emulator's default, base + 8000 = 22000,
# is the release bench's 9000 listener (13000 + 9000): ours sit between our own listener ports instead.
EDGE_PORT_BASE = int(os.environ.get("SLIPWAY_BENCH_SITE_EDGE_PORT_BASE", str(LISTENER_BASE + 200)))
EDGE_PORTS = 10
# How long an invalidation stays InProgress in the emulator (AWS: minutes). Short, so that seeding
# thousands stays within the in-progress limits (3,000 paths) and every seeded one is Completed when
# the measured runs start, as a month's old invalidations are.
INVALIDATION_SECONDS = os.environ.get("SLIPWAY_BENCH_SITE_INVALIDATION_SECONDS", "1")
AWSCLI_VENV = ROOT / ".venv-awscli"
AWSCLI_SPEC = os.environ.get("SLIPWAY_BENCH_AWSCLI", "awscli==1.46.3")
RESULTS = ROOT / "benchmarks" / "results"
APPLY_TIMEOUT = float(os.environ.get("SLIPWAY_BENCH_APPLY_TIMEOUT", "600"))
FIXTURES = ROOT / "tests" / "fixtures" / "angular"
V1, V2 = FIXTURES / "v1", FIXTURES / "v2"
COMMUNITY_PLAYBOOK = ROOT / "benchmarks" / "playbooks" / "community_invalidation.yml"
HISTORY = (0, 500, 5000)
# What each seeded invalidation asks for: what one of Slipway's own publishes of this app invalidates.
SEED_PATHS = ("/", "/index.html", "/ngsw.json")
SEED_THREADS = 4
# botocore honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>) from 1.31.0 on.
BOTOCORE_ENDPOINT_ENV = (1, 31, 0)
HASHED = re.compile(r"-[A-Z0-9]{8,}\.(js|css)$")
FREE_PATHS_PER_MONTH = 1000  # per AWS account; then $0.005 a path
PRICE_PER_PATH_USD = 0.005
# Lines of a publish whose time (since the playbook started) tells where a run's wall time goes.
PHASES = {
    "scan": re.compile(r"scan: \d+ files"),
    "plan": re.compile(r"\bplan \S+ \(live: "),
    "uploaded": re.compile(r"upload: \d+ hashed, \d+ other, \d+ entry files"),
    "invalidation created": re.compile(r"invalidate: \S+ (InProgress|Completed)"),
    "verified": re.compile(r"verify: (PASS|FAIL)"),
    "recap": re.compile(r"^PLAY RECAP"),
}
# The emulator names S3 requests by the IAM action moto derives (docs/emulator.md); Slipway by the API operation.
S3_IAM_NAMES = {
    "s3.ListObjectsV2": "s3.ListBucket",
    "s3.ListObjects": "s3.ListBucket",
    "s3.ListObjectVersions": "s3.ListBucketVersions",
    "s3.HeadObject": "s3.GetObject",
    "s3.DeleteObjects": "s3.DeleteObject",
}
CF_READS = ("cloudfront.ListInvalidations", "cloudfront.GetInvalidation")
OBJECT_WRITES = ("s3.PutObject", "s3.CopyObject", "s3.CreateMultipartUpload")


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def is_write(operation: str) -> bool:
    """Same rule as Slipway's call counter: reads start with these verbs."""
    return not operation.split(".", 1)[-1].startswith(("Describe", "List", "Get", "BatchGet", "Query", "Scan"))


def build_files(dist: Path) -> dict[str, bytes]:
    return {str(p.relative_to(dist)): p.read_bytes() for p in sorted(dist.rglob("*")) if p.is_file()}


def diff_counts(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    out = {k: after.get(k, 0) - before.get(k, 0) for k in set(after) | set(before)}
    return {k: v for k, v in sorted(out.items()) if v}


def paid(billed: int, used_before: int) -> int:
    """Paths of a request of ``billed`` paths beyond the month's free allowance, ``used_before`` already used."""
    return max(0, min(billed, used_before + billed - FREE_PATHS_PER_MONTH))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


# ------------------------------------------------------------------ results
@dataclass
class Result:
    history: int  # invalidations the distribution had when the step started
    tool: str  # slipway | community.aws | awscli
    step: str
    wall: float
    calls: dict[str, int]  # emulator counter
    ok: bool
    uploaded: int | None = None  # files of the build written to the bucket
    deleted: int | None = None  # site files deleted from the bucket
    paths: list[str] = field(default_factory=list)  # invalidation paths requested
    billed: int = 0  # paths billed for them (a wildcard is one)
    own_calls: dict[str, int] | None = None  # Slipway's own counter (the summary's api_calls)
    month_usage: dict[str, Any] | None = None  # what Slipway read of the month's invalidations
    plan: dict[str, Any] | None = None  # Slipway's invalidation plan (billed paths, free paths left, estimated cost)
    true_month_paths: int | None = None  # the paths the distribution really had requested this month, before the step
    phases: dict[str, float] = field(default_factory=dict)  # seconds from the start to each phase's line
    verify_after_switch: float | None = None  # Slipway: seconds until the edge served the new shell
    check: dict[str, Any] | None = None  # the bucket after the step, against the build
    detail: str = ""

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def writes(self) -> int:
        return sum(v for k, v in self.calls.items() if is_write(k))

    @property
    def cf_reads(self) -> int:
        return sum(self.calls.get(k, 0) for k in CF_READS)

    @property
    def object_writes(self) -> int:
        return sum(self.calls.get(k, 0) for k in OBJECT_WRITES)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(total=self.total, writes=self.writes, cf_reads=self.cf_reads, object_writes=self.object_writes)
        return out


class Bench:
    def __init__(self, tmp: Path, foundation_rev: str | None = None) -> None:
        self.tmp = tmp
        self.foundation_rev = foundation_rev
        edges = [EDGE_PORT_BASE + i for i in range(EDGE_PORTS)]
        if not all(outside_ephemeral(p) for p in edges):
            raise EmulatorError(f"edge ports {edges[0]}-{edges[-1]} (SLIPWAY_BENCH_SITE_EDGE_PORT_BASE) are inside the ephemeral range or below 1024")
        self.emulator = Emulator(
            PORT,
            LISTENER_BASE,
            tmp / "emulator",
            {"SLIPWAY_EDGE_PORT_BASE": str(EDGE_PORT_BASE), "SLIPWAY_INVALIDATION_SECONDS": INVALIDATION_SECONDS},
        )
        self.endpoint = self.emulator.endpoint
        self.work = tmp / "work"
        self.inventory = self.work / "inventories" / "local"
        self.summaries = tmp / "site-summaries"
        self.outputs: dict[str, Any] = {}
        self.children: list[subprocess.Popen] = []
        self.emulator_started = False
        self._clients: dict[str, Any] = {}
        self.notes: list[str] = []
        self.versions: dict[str, str] = {}
        self.path_counts: dict[str, int] = {}  # invalidation id -> paths, for every one the bench knows

    # -------------------------------------------------------------- helpers
    @property
    def env(self) -> dict[str, str]:
        return self.emulator.env

    def client(self, service: str) -> Any:
        import boto3

        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
            )
        return self._clients[service]

    def counter(self, reset: bool = False) -> dict[str, int]:
        return self.emulator.calls(reset=reset)

    def execute(self, cmd: list[str], timeout: float = 900, env: dict[str, str] | None = None, check: bool = True) -> tuple[int, str, float]:
        """Run ``cmd`` to its end: (exit code, output, wall seconds). Its whole tree dies on a timeout or an interrupt."""
        code, lines, wall = self.execute_lines(cmd, timeout, env)
        out = "\n".join(line for _, line in lines)
        if check and code != 0:
            raise BenchError(f"{' '.join(cmd)} failed ({code}):\n{out[-3000:]}")
        return code, out, wall

    def execute_lines(self, cmd: list[str], timeout: float = 900, env: dict[str, str] | None = None) -> tuple[int, list[tuple[float, str]], float]:
        """Run ``cmd``, reading its output lines as they come: (exit code, [(seconds since start, line)], wall seconds)."""
        t0 = time.monotonic()
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env or self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,  # Ctrl-C reaches the bench, which ends its children itself
        )
        self.children.append(proc)
        lines: list[tuple[float, str]] = []

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append((time.monotonic() - t0, line.rstrip("\n")))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_tree(proc)
            raise BenchError(f"{' '.join(cmd)} timed out after {timeout:.0f}s") from None
        except BaseException:
            kill_tree(proc)  # Ctrl-C / SIGTERM: the child goes first, then the teardown
            raise
        finally:
            self.children.remove(proc)
        wall = time.monotonic() - t0
        reader.join(10)
        return proc.returncode, lines, wall

    # -------------------------------------------------------------- stack
    def setup(self) -> float:
        started = time.monotonic()
        if not (ROOT / "collections" / "ansible_collections" / "slipway" / "aws").exists():
            raise BenchError("the collection is not linked into collections/; run `make setup` first")
        if shutil.which("terraform", path=self.env["PATH"]) is None:
            raise BenchError("terraform >= 1.6 is required on PATH")
        try:
            copy_code(self.work, rev=self.foundation_rev)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            raise BenchError(str(exc)) from None
        log(f"emulator on {self.endpoint} (listener base {LISTENER_BASE}, edges from {EDGE_PORT_BASE}), state in {self.tmp}")
        self.emulator_started = True
        try:
            self.emulator.up()
        except EmulatorError as exc:
            raise BenchError(str(exc)) from None
        log("terraform init + apply (private copy of terraform/)")
        try:
            self.outputs = apply_foundation(self.work, self.env, timeout=APPLY_TIMEOUT).outputs
        except TerraformError as exc:
            raise BenchError(str(exc)) from None
        cdn = self.outputs.get("cdn") or {}
        if not cdn.get("distribution_id") or not cdn.get("site_bucket_name"):
            raise BenchError(f"the local foundation has no CloudFront distribution and site bucket (output cdn: {cdn!r})")
        return time.monotonic() - started

    @property
    def bucket(self) -> str:
        return self.outputs["cdn"]["site_bucket_name"]

    @property
    def distribution(self) -> str:
        return self.outputs["cdn"]["distribution_id"]

    def teardown(self) -> None:
        for proc in list(self.children):
            kill_tree(proc)
        if self.emulator_started:
            self.emulator.down()

    def empty_bucket(self) -> None:
        """Every version and delete marker of the site bucket, gone (uncounted: the counter is reset after)."""
        s3 = self.client("s3")
        doomed = []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=self.bucket):
            doomed += [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        for i in range(0, len(doomed), 1000):
            s3.delete_objects(Bucket=self.bucket, Delete={"Objects": doomed[i : i + 1000], "Quiet": True})

    # -------------------------------------------------------------- history
    def history(self) -> tuple[int, int]:
        """(invalidations of the distribution, of them in progress)."""
        cf = self.client("cloudfront")
        count = busy = 0
        marker = ""
        while True:
            kwargs = {"DistributionId": self.distribution, "MaxItems": "1000"}
            if marker:
                kwargs["Marker"] = marker
            page = cf.list_invalidations(**kwargs)["InvalidationList"]
            items = page.get("Items") or []
            count += len(items)
            busy += sum(1 for i in items if i["Status"] != "Completed")
            marker = page.get("NextMarker", "")
            if not page.get("IsTruncated") or not marker:
                return count, busy

    def settle_history(self, timeout: float = 120) -> int:
        """Wait until no invalidation of the distribution is in progress; the number it has."""
        deadline = time.monotonic() + timeout
        while True:
            count, busy = self.history()
            if not busy:
                return count
            if time.monotonic() > deadline:
                raise BenchError(f"{busy} invalidations still in progress after {timeout:.0f}s")
            time.sleep(0.5)

    def seed(self, target: int) -> int:
        """Create invalidations (this month's, as all are: created now) until the distribution has ``target``."""
        have = self.settle_history()
        if have > target:
            raise BenchError(f"the distribution already has {have} invalidations, more than {target}: give --history in increasing order")
        need = target - have
        if need:
            log(f"seeding {need} invalidations ({have} → {target}), {len(SEED_PATHS)} paths each")
            t0 = time.monotonic()
            import boto3
            from botocore.exceptions import ClientError

            def work(indices: range) -> None:
                cf = boto3.client("cloudfront", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
                for i in indices:
                    batch = {"Paths": {"Quantity": len(SEED_PATHS), "Items": list(SEED_PATHS)}, "CallerReference": f"bench-seed-{target}-{i}"}
                    while True:
                        try:
                            inv_id = cf.create_invalidation(DistributionId=self.distribution, InvalidationBatch=batch)["Invalidation"]["Id"]
                            self.path_counts[inv_id] = len(SEED_PATHS)
                            break
                        except ClientError as exc:
                            if exc.response.get("Error", {}).get("Code") != "TooManyInvalidationsInProgress":
                                raise
                            time.sleep(0.25)

            with concurrent.futures.ThreadPoolExecutor(SEED_THREADS) as pool:
                for future in [pool.submit(work, range(k, need, SEED_THREADS)) for k in range(SEED_THREADS)]:
                    future.result()
            log(f"seeded in {time.monotonic() - t0:.1f}s")
        count = self.settle_history()
        if count != target:
            raise BenchError(f"the distribution has {count} invalidations after seeding, not {target}")
        return count

    def month_paths(self) -> int:
        """The paths the distribution requested this month (all of its invalidations: the emulator's are all this
        month's), read uncounted; the seeded ones by their known size."""
        cf = self.client("cloudfront")
        total, marker = 0, ""
        while True:
            kwargs = {"DistributionId": self.distribution, "MaxItems": "1000"}
            if marker:
                kwargs["Marker"] = marker
            page = cf.list_invalidations(**kwargs)["InvalidationList"]
            for item in page.get("Items") or []:
                if item["Id"] not in self.path_counts:
                    inv = cf.get_invalidation(DistributionId=self.distribution, Id=item["Id"])["Invalidation"]
                    self.path_counts[item["Id"]] = int(inv["InvalidationBatch"]["Paths"]["Quantity"])
                total += self.path_counts[item["Id"]]
            marker = page.get("NextMarker", "")
            if not page.get("IsTruncated") or not marker:
                return total

    # -------------------------------------------------------------- the bucket against the build
    def bucket_check(self, dist: Path, old: Path | None = None) -> dict[str, Any]:
        """Files of the build missing or with other bytes in the bucket, chunks the bucket's index.html
        references that the bucket lacks, and the previous build's hashed files still there."""
        from botocore.exceptions import ClientError

        s3 = self.client("s3")

        def body(key: str) -> bytes | None:
            try:
                return s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except ClientError:
                return None

        want = build_files(dist)
        stale = sorted(k for k, data in want.items() if body(k) != data)
        index = body("index.html") or b""
        refs = sorted(set(re.findall(rb'(?:src|href)="([^"/:]+\.(?:js|css))"', index)))
        missing = [r.decode() for r in refs if body(r.decode()) is None]
        kept = []
        if old is not None:
            gone = [k for k in build_files(old) if k not in want and HASHED.search(k)]
            kept = [k for k in gone if body(k) is not None]
            out_of = len(gone)
        else:
            out_of = 0
        return {"build": dist.name, "stale": stale, "missing_refs": missing, "old_hashed_kept": kept, "old_hashed": out_of, "whole": not stale and not missing}

    # -------------------------------------------------------------- Slipway
    def slipway(self, history: int, dist: Path, release: str, step: str, old: Path | None = None, rollback: bool = False) -> Result:
        """A publish of ``dist`` as ``release``, or (``rollback``) a return to the kept release ``release`` built from ``dist``."""
        extra: dict[str, str] = {"static_site_publish_summary_dir": str(self.summaries)}
        if rollback:
            playbook, extra["to"] = "rollback_frontend.yml", release
        else:
            playbook, extra["dist"], extra["release"] = "deploy_frontend.yml", str(dist), release
        cmd = [str(BIN / "ansible-playbook"), f"playbooks/{playbook}", "-i", str(self.inventory), "-e", json.dumps(extra)]
        month_paths = self.month_paths()
        self.counter(reset=True)
        log(f"H={history} slipway: {step}")
        code, lines, wall = self.execute_lines(cmd)
        calls = self.counter()
        out = "\n".join(line for _, line in lines)
        phases: dict[str, float] = {}
        for t, line in lines:
            for name, pattern in PHASES.items():
                if name not in phases and pattern.search(line):
                    phases[name] = round(t, 2)
        summaries = sorted(self.summaries.glob(f"site-*-{release}.json"))
        summary = json.loads(summaries[-1].read_text()) if summaries else {}
        plan = summary.get("plan") or {}
        inv = summary.get("invalidation") or {}
        created = inv.get("created") or {}
        inv_plan = inv.get("plan") or {}
        result = Result(
            history=history,
            tool="slipway",
            step=step,
            wall=wall,
            calls=calls,
            ok=code == 0 and summary.get("outcome") == ("rolled_back" if rollback else "published"),
            uploaded=len(plan.get("uploads") or []),
            deleted=(summary.get("deleted") or {}).get("files"),
            paths=list(created.get("paths") or []),
            billed=int(inv_plan.get("billed_paths") or 0) if created else 0,
            own_calls=summary.get("api_calls"),
            month_usage=inv.get("month_usage") or None,
            plan=inv_plan or None,
            true_month_paths=month_paths,
            phases=phases,
            verify_after_switch=((summary.get("verify") or {}).get("evidence") or {}).get("seconds_after_switch"),
            detail=summary.get("outcome", "no summary"),
        )
        if created:
            self.path_counts[created["id"]] = len(created.get("paths") or [])
        if code != 0 or not summary:
            self.notes.append(f"H={history} slipway {step}: ansible-playbook exited {code}:\n{out[-2500:]}")
        result.check = self.bucket_check(dist, old)
        return result

    # -------------------------------------------------------------- community.aws
    def community(self, history: int, paths: list[str]) -> Result:
        extra = {"distribution_id": self.distribution, "paths": paths, "caller_reference": f"bench-community-{history}-{time.time_ns()}"}
        cmd = [str(BIN / "ansible-playbook"), str(COMMUNITY_PLAYBOOK), "-i", str(self.inventory), "-e", json.dumps(extra)]
        self.counter(reset=True)
        log(f"H={history} community.aws.cloudfront_invalidation: {len(paths)} paths")
        code, out, wall = self.execute(cmd, check=False)
        calls = self.counter()
        if code != 0:
            self.notes.append(f"H={history} community.aws.cloudfront_invalidation: ansible-playbook exited {code}:\n{out[-2500:]}")
        m = re.search(r"invalidation (\S+) (\S+): (\d+) paths", out)
        return Result(
            history=history,
            tool="community.aws",
            step="cloudfront_invalidation of the same paths",
            wall=wall,
            calls=calls,
            ok=code == 0 and calls.get("cloudfront.CreateInvalidation", 0) == 1,
            paths=paths,
            billed=len(paths),
            detail=f"{m.group(1)} {m.group(2)}" if m else "?",
        )

    # -------------------------------------------------------------- awscli
    def awscli_ready(self) -> Path:
        aws = AWSCLI_VENV / "bin" / "aws"
        py = AWSCLI_VENV / "bin" / "python"
        pip = [str(AWSCLI_VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check"]
        if not aws.exists():
            log(f"creating {AWSCLI_VENV.name} with {AWSCLI_SPEC}")
            self.execute([sys.executable, "-m", "venv", "--clear", str(AWSCLI_VENV)], timeout=300)
            self.execute([*pip, AWSCLI_SPEC], timeout=600)
        # awscli 1.46 carries its own botocore (awscli.botocore); older releases depend on the botocore package.
        probe = "import awscli\ntry:\n    import awscli.botocore as b\nexcept ImportError:\n    import botocore as b\nprint(awscli.__version__, b.__version__)"
        version, botocore_v = self.execute([str(py), "-c", probe], timeout=60)[1].split()
        pinned = AWSCLI_SPEC.partition("==")[2]
        if pinned and version != pinned:
            self.execute([*pip, AWSCLI_SPEC], timeout=600)
            version, botocore_v = self.execute([str(py), "-c", probe], timeout=60)[1].split()
        if tuple(int(x) for x in re.findall(r"\d+", botocore_v)[:3]) < BOTOCORE_ENDPOINT_ENV:
            raise BenchError(f"awscli {version} comes with botocore {botocore_v}, which ignores AWS_ENDPOINT_URL: pick a newer one (SLIPWAY_BENCH_AWSCLI)")
        self.versions["awscli"] = f"awscli {version} (botocore {botocore_v})"
        return aws

    def fresh_build(self, dist: Path, name: str) -> Path:
        """A copy of the build whose files are all new, as a CI build's are (aws s3 sync compares size and time)."""
        dest = self.tmp / "builds" / name
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(dist, dest)  # copytree keeps times: set them to now
        now = time.time()
        for path in dest.rglob("*"):
            os.utime(path, (now, now))
        return dest

    def awscli(self, history: int, flags: tuple[str, ...], label: str) -> Result:
        aws = self.awscli_ready()
        env = dict(self.env, PATH=f"{AWSCLI_VENV / 'bin'}:{self.env.get('PATH', '')}", AWS_PAGER="", AWS_CONFIG_FILE=str(self.tmp / "aws-config"))
        target = f"s3://{self.bucket}"
        # The bucket as awscli left it after syncing v1 (uncounted), then a fresh v2 build.
        self.empty_bucket()
        self.execute([str(aws), "s3", "sync", str(self.fresh_build(V1, "awscli-v1")), target, "--delete", "--no-progress", *flags], env=env, timeout=300)
        time.sleep(1.1)  # S3 keeps whole seconds: the v2 build is newer than every object
        v2 = self.fresh_build(V2, "awscli-v2")
        self.counter(reset=True)
        log(f"H={history} awscli: s3 sync {label} + create-invalidation /*")
        sync = [str(aws), "s3", "sync", str(v2), target, "--delete", "--no-progress", *flags]
        code, out, sync_wall = self.execute(sync, env=env, timeout=300, check=False)
        inv = [str(aws), "cloudfront", "create-invalidation", "--distribution-id", self.distribution, "--paths", "/*", "--output", "json"]
        inv_code, inv_out, inv_wall = self.execute(inv, env=env, timeout=120, check=False)
        calls = self.counter()
        uploads = re.findall(r"^upload: ", out, re.MULTILINE)
        deletes = re.findall(r"^delete: ", out, re.MULTILINE)
        try:
            created = json.loads(inv_out)["Invalidation"]
            inv_text = f"{created['Id']} {created['Status']}"
        except (ValueError, KeyError):
            created, inv_text = None, "?"
        if code != 0 or inv_code != 0:
            self.notes.append(f"H={history} awscli {label}: sync exited {code}, create-invalidation {inv_code}:\n{out[-1500:]}\n{inv_out[-1000:]}")
        result = Result(
            history=history,
            tool="awscli",
            step=f"s3 sync v2 {label} + create-invalidation /*",
            wall=sync_wall + inv_wall,
            calls=calls,
            ok=code == 0 and inv_code == 0 and created is not None,
            uploaded=len(uploads),
            deleted=len(deletes),
            paths=["/*"],
            billed=1,
            detail=f"sync {sync_wall:.1f}s, invalidation {inv_wall:.1f}s; {inv_text}",
        )
        result.check = self.bucket_check(V2, V1)
        return result

    # -------------------------------------------------------------- one history size
    def scenario(self, history: int, awscli: bool, community: bool) -> list[Result]:
        self.empty_bucket()
        count = self.seed(history)
        results = [
            self.slipway(count, V1, f"h{history}-v1", "publish v1 (empty bucket)"),
            self.slipway(self.settle_history(), V2, f"h{history}-v2", "publish v2 on v1", old=V1),
        ]
        if community:
            paths = results[-1].paths or list(SEED_PATHS)
            results.append(self.community(self.settle_history(), paths))
        # What the v2 run read of the history is kept in the bucket: the next publish reads other ones.
        results.append(self.slipway(self.settle_history(), V1, f"h{history}-v1-again", "publish v1 again on v2 (warm cache)", old=V2))
        # Rollback: the kept v2 entry files copied back; how soon the edge serves the old index.
        results.append(self.slipway(self.settle_history(), V2, f"h{history}-v2", "rollback to v2", old=V1, rollback=True))
        if awscli:
            results.append(self.awscli(self.settle_history(), (), "--delete"))
            results.append(self.awscli(self.settle_history(), ("--size-only",), "--delete --size-only"))
        return results


# ------------------------------------------------------------------ report
def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, sep, *body])


def agreement(r: Result) -> str:
    if r.own_calls is None:
        return "-"
    ours = sum(r.own_calls.values())
    if ours == r.total:
        return f"{ours} (equal)"
    own: collections.Counter[str] = collections.Counter()
    for name, n in r.own_calls.items():
        own[S3_IAM_NAMES.get(name, name)] += n
    delta = diff_counts(r.calls, dict(own))
    return f"{ours} (emulator {r.total - ours:+d}: {', '.join(f'{k} {v:+d}' for k, v in delta.items())})"


def cost_text(r: Result) -> str:
    """Slipway's estimate of the request's cost against the cost from the month's true usage."""
    if not r.plan or r.true_month_paths is None:
        return "-"
    true_cost = paid(r.billed, r.true_month_paths) * PRICE_PER_PATH_USD
    return f"${float(r.plan.get('estimated_cost_usd') or 0):.3f} / ${true_cost:.3f}"


def bucket_text(r: Result) -> str:
    c = r.check or {}
    if not c:
        return "-"
    if c["whole"]:
        text = f"{c['build']} whole"
    else:
        text = f"BROKEN: {len(c['stale'])} stale ({', '.join(c['stale'][:3])})"
        if c["missing_refs"]:
            text += f", index refers to missing {', '.join(c['missing_refs'])}"
    if c["old_hashed"]:
        text += f"; old chunks kept {len(c['old_hashed_kept'])}/{c['old_hashed']}"
    return text


def usage_text(r: Result) -> str:
    u = r.month_usage or {}
    if not u:
        return "-"
    extra = {k: v for k, v in u.items() if k not in ("month", "invalidations", "paths", "in_progress", "in_progress_paths", "in_progress_wildcards")}
    return f"{u.get('invalidations')} inv / {u.get('paths')} paths" + (f" ({', '.join(f'{k}={v}' for k, v in extra.items())})" if extra else "")


def phases_text(r: Result) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in r.phases.items()) or "-"


def report(results: list[Result], setup_seconds: float, notes: list[str], versions: dict[str, str]) -> str:
    out = [
        f"Slipway site publishing benchmark — {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}, "
        f"{platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}); stack setup {setup_seconds:.0f}s",
        "  " + "; ".join(f"{k}: {v}" for k, v in versions.items()),
        "",
    ]
    rows = []
    for r in results:
        rows.append(
            [
                str(r.history),
                r.tool,
                r.step,
                f"{r.wall:.1f}",
                str(r.total),
                str(r.cf_reads),
                str(r.writes),
                "-" if r.uploaded is None else str(r.uploaded),
                str(r.object_writes),
                "-" if r.deleted is None else str(r.deleted),
                str(r.billed) + (f" ({', '.join(r.paths[:4])}{' …' if len(r.paths) > 4 else ''})" if r.paths else ""),
                bucket_text(r),
                "ok" if r.ok else "FAILED",
            ]
        )
    out.append(
        table(
            [
                "history",
                "tool",
                "step",
                "wall s",
                "API calls",
                "CF List+GetInvalidation",
                "writes",
                "build files uploaded",
                "S3 object writes",
                "deleted",
                "paths billed",
                "bucket after",
                "result",
            ],
            rows,
        )
    )
    out += ["", "Slipway: its own counter (summary api_calls), the month's usage it read against the true one, its cost estimate:", ""]
    out.append(
        table(
            ["history", "step", "emulator calls", "Slipway's api_calls", "month usage read", "true month paths", "est. / true cost"],
            [
                [
                    str(r.history),
                    r.step,
                    str(r.total),
                    agreement(r),
                    usage_text(r),
                    "-" if r.true_month_paths is None else str(r.true_month_paths),
                    cost_text(r),
                ]
                for r in results
                if r.tool == "slipway"
            ],
        )
    )
    out += ["", "Slipway: seconds from the playbook's start to each phase's line; the edge served the new shell this long after the switch:", ""]
    out.append(
        table(
            ["history", "step", "wall s", "phases (s since start)", "edge after switch s"],
            [
                [str(r.history), r.step, f"{r.wall:.1f}", phases_text(r), "-" if r.verify_after_switch is None else f"{r.verify_after_switch:.1f}"]
                for r in results
                if r.tool == "slipway"
            ],
        )
    )
    out += ["", "Calls by operation (emulator counter):", ""]
    ops = sorted({k for r in results for k in r.calls})
    short = [f"#{i + 1}" for i in range(len(results))]
    op_rows = [[op, *(str(r.calls.get(op, "")) for r in results)] for op in ops]
    op_rows.append(["total", *(str(r.total) for r in results)])
    out.append(table(["operation", *short], op_rows))
    out.append("")
    out.append("  " + "; ".join(f"{s} = H{r.history} {r.tool} {r.step}" for s, r in zip(short, results, strict=True)))
    by_step: dict[str, list[Result]] = collections.defaultdict(list)
    for r in results:
        by_step[f"{r.tool}: {r.step}"].append(r)
    out += ["", "As history grows (API calls, of them CloudFront reads / wall s):"]
    width = max(len(k) for k in by_step) if by_step else 0
    for name, rs in by_step.items():
        out.append(f"  {name.ljust(width)}  " + ", ".join(f"H={r.history}: {r.total}, {r.cf_reads} / {r.wall:.1f}s" for r in rs))
    if notes:
        out += ["", "Notes:"] + [f"  - {n}" for n in notes]
    return "\n".join(out)


def community_version() -> str:
    """community.aws as the venv's `ansible` package ships it."""
    import importlib.metadata

    import ansible_collections.community.aws as community

    manifest = Path(community.__path__[0]) / "MANIFEST.json"
    version = json.loads(manifest.read_text())["collection_info"]["version"] if manifest.exists() else "?"
    return f"community.aws {version} (ansible {importlib.metadata.version('ansible')}, ansible-core {importlib.metadata.version('ansible-core')})"


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False).stdout.strip()


def code_state() -> dict[str, str]:
    """Which Slipway is measured: the working tree's collection (collections/ links to the repository)."""
    path = "plugins/module_utils/site/cloudfront.py"
    return {
        "head": git("log", "-1", "--format=%h %s"),
        "cloudfront.py last commit": git("log", "-1", "--format=%h %s", "--", path),
        "cloudfront.py uncommitted changes": "yes" if git("status", "--porcelain", "--", path) else "no",
        "cloudfront.py sha256": sha256_file(ROOT / path)[:12],
    }


# ------------------------------------------------------------------ main
def parse_history(raw: str) -> tuple[int, ...]:
    sizes = tuple(int(x) for x in raw.split(",") if x.strip())
    if not sizes or list(sizes) != sorted(sizes) or sizes[0] < 0:
        raise argparse.ArgumentTypeError("a list of non-negative sizes in increasing order, e.g. 0,500,5000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--history", type=parse_history, default=HISTORY, help="past invalidations per scenario, increasing (default 0,500,5000)")
    parser.add_argument("--skip-awscli", action="store_true", help="do not install or run the aws s3 sync comparison")
    parser.add_argument("--skip-community", action="store_true", help="do not run community.aws.cloudfront_invalidation")
    parser.add_argument(
        "--foundation-rev",
        metavar="REV",
        default=os.environ.get("SLIPWAY_BENCH_FOUNDATION_REV"),
        help="take terraform/ and inventories/ from this git revision instead of the working tree",
    )
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary stack directory (the emulator is always stopped)")
    args = parser.parse_args(argv)

    if port_in_use(PORT):
        print(f"bench: port {PORT} is in use (a leftover bench emulator?); set SLIPWAY_BENCH_SITE_EMULATOR_PORT", file=sys.stderr)
        return 2

    def on_term(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    # Ctrl-C, SIGTERM and SIGHUP all tear down (SIGINT explicitly: a shell may start us with it ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)
    tmp = Path(tempfile.mkdtemp(prefix="slipway-site-bench-"))
    try:
        bench = Bench(tmp, args.foundation_rev)
    except EmulatorError as exc:  # a port inside the ephemeral range
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"bench: {exc}; set SLIPWAY_BENCH_SITE_EMULATOR_PORT / SLIPWAY_BENCH_SITE_LISTENER_BASE / SLIPWAY_BENCH_SITE_EDGE_PORT_BASE", file=sys.stderr)
        return 2
    if args.foundation_rev:
        bench.notes.append(f"foundation (terraform/, inventories/) from git revision {args.foundation_rev}, not the working tree")
    results: list[Result] = []
    began = time.monotonic()
    state = code_state()
    try:
        setup_seconds = bench.setup()
        if not args.skip_awscli:
            bench.awscli_ready()
        bench.versions["slipway"] = state["head"].split()[0] + (" + uncommitted cloudfront.py" if state["cloudfront.py uncommitted changes"] == "yes" else "")
        bench.versions["community.aws"] = community_version()
        # A first ansible-playbook run pays for cold caches: one uncounted publish, then the bucket is emptied
        # (a first publish invalidates nothing, so the history stays as it is).
        log("warm-up: one uncounted publish of v1")
        bench.execute(
            [
                str(BIN / "ansible-playbook"),
                "playbooks/deploy_frontend.yml",
                "-i",
                str(bench.inventory),
                "-e",
                json.dumps({"dist": str(V1), "release": "warm-up", "static_site_publish_summary_dir": str(bench.summaries)}),
            ]
        )
        for size in args.history:
            results += bench.scenario(size, awscli=not args.skip_awscli, community=not args.skip_community)
        if code_state()["cloudfront.py sha256"] != state["cloudfront.py sha256"]:
            bench.notes.append("plugins/module_utils/site/cloudfront.py changed while the bench ran: the scenarios did not all measure the same code")
        bench.notes.append(f"code measured: {state}")
        bench.notes.append(f"whole run {time.monotonic() - began:.0f}s")
        text = report(results, setup_seconds, bench.notes, bench.versions)
        print()
        print(text)
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        (RESULTS / f"site-bench-{stamp}.txt").write_text(text + "\n")
        (RESULTS / f"site-bench-{stamp}.json").write_text(
            json.dumps(
                {
                    "setup_seconds": setup_seconds,
                    "history_sizes": list(args.history),
                    "versions": bench.versions,
                    "code": state,
                    "results": [r.as_dict() for r in results],
                    "notes": bench.notes,
                },
                indent=1,
                default=str,
            )
        )
        log(f"written to {RESULTS}/site-bench-{stamp}.{{txt,json}}")
        return 0 if all(r.ok for r in results) else 1
    except KeyboardInterrupt:
        print("\nbench: interrupted; tearing down", file=sys.stderr)
        return 130
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not leave the emulator behind
        bench.teardown()
        if args.keep_temp:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
