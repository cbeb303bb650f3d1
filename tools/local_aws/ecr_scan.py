"""ECR basic image scanning (see docs/emulator.md, "ECR basic image scanning").

moto 5.2.1 records that ``StartImageScan`` was called and nothing more: the scan
is never in progress, ``DescribeImageScanFindings`` answers a fixed HIGH finding
(``CVE-9999-9999`` in ``moto_fake``) for every scanned image unless a result was
queued through ``/moto-api``, it ignores ``maxResults``/``nextToken``, repository
``scanOnPush`` starts nothing, ``DescribeImages`` has no ``imageScanStatus`` or
``imageScanFindingsSummary``, and the once-per-24-hours quota is a calendar-day
check. Here, as in AWS basic scanning:

* a push of a new image into a repository with ``scanOnPush`` (or a registry
  scanning rule with frequency ``SCAN_ON_PUSH``) and ``StartImageScan`` put the
  image's scan ``IN_PROGRESS``; ``SLIPWAY_EMULATOR_ECR_SCAN_SECONDS`` (default 3)
  later it is ``COMPLETE`` with the findings seeded for that image (none when
  nothing was seeded), or ends as the seed says (``FAILED``,
  ``UNSUPPORTED_IMAGE``, ``FINDINGS_UNAVAILABLE``; a seed ``IN_PROGRESS`` keeps
  it in progress until another seed is posted);
* ``StartImageScan`` on an image scanned (or scan started) less than 24 hours
  ago answers ``LimitExceededException``; an unknown tag or digest
  ``ImageNotFoundException``;
* ``DescribeImageScanFindings`` answers ``ScanNotFoundException`` for an image
  never scanned, pages the findings by ``maxResults`` (1-1000, default 100) and
  ``nextToken``;
* ``DescribeImages`` reports ``imageScanStatus`` and, once complete,
  ``imageScanFindingsSummary``.

Seeds come through ``POST /_slipway/ecr/scan-findings`` (uncounted): ``{"repository":
NAME, "imageDigest": D | "imageTag": T, "status": "COMPLETE", "description": ...,
"findings": [{"name": "CVE-...", "severity": "HIGH", "package_name": ...,
"package_version": ..., "cvss2_score": ..., "uri": ..., "description": ...}]}``
(``attributes`` as AWS writes them may replace the package/score keys).
``GET`` lists the scans and seeds, ``DELETE`` forgets the seeds.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from . import routes
from .config import ACCOUNT_ID, REGION

PATH = "/_slipway/ecr/scan-findings"
SCAN_SECONDS_ENV = "SLIPWAY_EMULATOR_ECR_SCAN_SECONDS"
DEFAULT_SCAN_SECONDS = 3.0
QUOTA_SECONDS = 24 * 3600
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
# What a seed may end a scan with; IN_PROGRESS keeps it running.
SEED_STATUSES = ("COMPLETE", "FAILED", "UNSUPPORTED_IMAGE", "FINDINGS_UNAVAILABLE", "IN_PROGRESS")
DESCRIPTIONS = {
    "COMPLETE": "The scan was completed successfully.",
    "FAILED": "UnableToScan: the scan of the image failed.",
    "UNSUPPORTED_IMAGE": "UnsupportedImageError: The operating system and/or package manager are not supported.",
    "FINDINGS_UNAVAILABLE": "FindingsUnavailable: the findings of the image are not available.",
}
_SETTINGS = {"seconds": DEFAULT_SCAN_SECONDS}
_INSTALLED = False


def scan_seconds() -> float:
    raw = os.environ.get(SCAN_SECONDS_ENV, "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_SCAN_SECONDS
    except ValueError:
        return DEFAULT_SCAN_SECONDS


class SeedError(ValueError):
    """A seed the control endpoint refuses (answered 400 with the reason)."""


@dataclass
class Seed:
    status: str
    description: str | None
    findings: list[dict[str, Any]]


@dataclass
class Scan:
    started: float
    delay: float
    token_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    status: str = "IN_PROGRESS"
    description: str | None = None
    findings: list[dict[str, Any]] = field(default_factory=list)
    completed: float | None = None

    def finish(self, seed: Seed | None, at: float) -> None:
        if seed is not None and seed.status == "IN_PROGRESS":
            return
        self.status = seed.status if seed else "COMPLETE"
        self.description = (seed.description if seed else None) or DESCRIPTIONS[self.status]
        self.findings = list(seed.findings) if seed and self.status == "COMPLETE" else []
        self.completed = at
        self.token_id = uuid.uuid4().hex[:12]  # a token of the running scan does not page the result

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for finding in self.findings:
            counts[finding["severity"]] = counts.get(finding["severity"], 0) + 1
        return {sev: counts[sev] for sev in SEVERITIES if sev in counts}


class ScanState:
    """One backend's (account and Region's) scans and seeds, by (repository, digest)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.scans: dict[tuple[str, str], Scan] = {}
        self.seeds: dict[tuple[str, str], Seed] = {}

    def settle(self, key: tuple[str, str]) -> Scan | None:
        """The scan of ``key`` as of now: one whose time has come finishes with the seed of that moment."""
        with self.lock:
            scan = self.scans.get(key)
            if scan is not None and scan.status == "IN_PROGRESS" and time.time() >= scan.started + scan.delay:
                scan.finish(self.seeds.get(key), scan.started + scan.delay)
            return scan

    def start(self, key: tuple[str, str]) -> Scan:
        with self.lock:
            scan = Scan(started=time.time(), delay=_SETTINGS["seconds"])
            self.scans[key] = scan
            return scan


def state(backend: Any) -> ScanState:
    st = backend.__dict__.get("_slipway_ecr_scan")
    if st is None:
        st = backend.__dict__.setdefault("_slipway_ecr_scan", ScanState())
    return st


def _ts(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)


def _source_updated(scan: Scan) -> dt.datetime:
    # The vulnerability database's last refresh: the top of the hour before the scan finished.
    done = _ts(scan.completed or scan.started)
    return done.replace(minute=0, second=0)


def _status(scan: Scan) -> dict[str, Any]:
    body = {"status": scan.status}
    if scan.description:
        body["description"] = scan.description
    return body


# ---------------------------------------------------------------- seeds
def _attributes(raw: dict[str, Any]) -> list[dict[str, str]]:
    if raw.get("attributes") is not None:
        attrs = raw["attributes"]
        if not isinstance(attrs, list) or not all(isinstance(a, dict) and "key" in a for a in attrs):
            raise SeedError("a finding's attributes must be a list of {key, value}")
        return [{"key": str(a["key"]), **({"value": str(a["value"])} if a.get("value") is not None else {})} for a in attrs]
    attrs = []
    names = (("package_version", "package_version"), ("package_name", "package_name"), ("cvss2_vector", "CVSS2_VECTOR"), ("cvss2_score", "CVSS2_SCORE"))
    for key, name in names:
        if raw.get(key) is not None:
            attrs.append({"key": name, "value": str(raw[key])})
    return attrs


def _finding(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str) or not raw["name"]:
        raise SeedError(f"every finding needs a name (the CVE id): {raw!r}")
    severity = str(raw.get("severity", "")).upper()
    if severity not in SEVERITIES:
        raise SeedError(f"finding {raw['name']}: severity {raw.get('severity')!r} is not one of {', '.join(SEVERITIES)}")
    finding: dict[str, Any] = {
        "name": raw["name"],
        "uri": raw.get("uri") or f"https://cve.mitre.org/cgi-bin/cvename.cgi?name={raw['name']}",
        "severity": severity,
        "attributes": _attributes(raw),
    }
    if raw.get("description"):
        finding["description"] = str(raw["description"])
    return finding


def parse_seed(body: Any) -> tuple[str, dict[str, str], Seed, str, str]:
    """``(repository, imageId, seed, account, region)`` of a POST body."""
    if not isinstance(body, dict):
        raise SeedError("the body must be a JSON object")
    repo = body.get("repository")
    if not isinstance(repo, str) or not repo:
        raise SeedError("repository is required")
    image_id = {k: body[k] for k in ("imageDigest", "imageTag") if body.get(k)}
    if not image_id:
        raise SeedError("imageDigest or imageTag is required")
    status = str(body.get("status", "COMPLETE")).upper()
    if status not in SEED_STATUSES:
        raise SeedError(f"status {body.get('status')!r} is not one of {', '.join(SEED_STATUSES)}")
    findings = body.get("findings") or []
    if not isinstance(findings, list):
        raise SeedError("findings must be a list")
    if findings and status != "COMPLETE":
        raise SeedError(f"findings only come with status COMPLETE (a {status} scan has none)")
    seed = Seed(status, body.get("description"), [_finding(f) for f in findings])
    return repo, image_id, seed, str(body.get("registryId") or ACCOUNT_ID), str(body.get("region") or REGION)


def _view(key: tuple[str, str], scan: Scan | None, seed: Seed | None) -> dict[str, Any]:
    view: dict[str, Any] = {"repository": key[0], "imageDigest": key[1]}
    if scan is not None:
        view["scan"] = {
            "status": scan.status,
            "startedAt": _ts(scan.started).isoformat(),
            "completedAt": _ts(scan.completed).isoformat() if scan.completed else None,
            "findingSeverityCounts": scan.counts(),
        }
    if seed is not None:
        view["seed"] = {"status": seed.status, "findings": len(seed.findings)}
    return view


def _answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    from moto.ecr.models import ecr_backends

    method = environ.get("REQUEST_METHOD", "GET")
    query = dict(p.split("=", 1) for p in (environ.get("QUERY_STRING") or "").split("&") if "=" in p)
    if method == "POST":
        try:
            repo_name, image_id, seed, account, region = parse_seed(routes.read_json(environ))
        except (SeedError, ValueError) as exc:
            return routes.json_answer(start_response, "400 Bad Request", {"error": str(exc)})
        backend = ecr_backends[account][region]
        repo = backend.repositories.get(repo_name)
        if repo is None:
            return routes.json_answer(start_response, "404 Not Found", {"error": f"no repository {repo_name!r} in {account}/{region}: create it first"})
        try:
            image = repo._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
        except Exception:  # noqa: BLE001  moto's ImageNotFoundException
            return routes.json_answer(start_response, "404 Not Found", {"error": f"no image {image_id} in {repo_name!r}: push it first"})
        st = state(backend)
        key = (repo_name, image.image_digest)
        with st.lock:
            scan = st.settle(key)
            st.seeds[key] = seed
            if scan is not None and (scan.status != "IN_PROGRESS" or time.time() >= scan.started + scan.delay):
                # A finished scan (or one an earlier seed keeps in progress) takes the new seed at once,
                # so a test can set the result of an image already scanned.
                scan.finish(seed, time.time())
            return routes.json_answer(start_response, "200 OK", _view(key, scan, seed))
    backend = ecr_backends[query.get("registryId", ACCOUNT_ID)][query.get("region", REGION)]
    st = state(backend)
    if method == "DELETE":
        with st.lock:
            cleared = len(st.seeds)
            st.seeds.clear()
        return routes.json_answer(start_response, "200 OK", {"cleared": cleared})
    if method == "GET":
        with st.lock:
            keys = sorted(set(st.scans) | set(st.seeds))
            items = [_view(k, st.settle(k), st.seeds.get(k)) for k in keys]
        return routes.json_answer(start_response, "200 OK", {"scan_seconds": _SETTINGS["seconds"], "images": items})
    return routes.json_answer(start_response, "405 Method Not Allowed", {"error": f"{method} not allowed; use GET, POST or DELETE"})


# ---------------------------------------------------------------- the API
def _scan_on_push(backend: Any, repo: Any) -> bool:
    if (repo.image_scanning_configuration or {}).get("scanOnPush"):
        return True
    registry = backend.registry_scanning_configuration
    return registry.get("scanType") == "BASIC" and (repo.scanning_config or {}).get("scanFrequency") == "SCAN_ON_PUSH"


def _decode_token(token: str, scan: Scan) -> int:
    from moto.ecr.exceptions import InvalidParameterException

    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        if data["scan"] != scan.token_id or not isinstance(data["offset"], int) or data["offset"] < 0:
            raise ValueError(token)
        return data["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise InvalidParameterException("Invalid parameter at 'nextToken' failed to satisfy constraint: 'The nextToken is not valid'") from None


def _encode_token(scan: Scan, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"scan": scan.token_id, "offset": offset}).encode()).decode()


def install() -> None:
    """Replace moto's ECR scanning (class level, once; the state lives on each backend, so resets drop it)."""
    global _INSTALLED
    _SETTINGS["seconds"] = scan_seconds()
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.ecr.exceptions import InvalidParameterException, LimitExceededException, ScanNotFoundException
    from moto.ecr.models import ECRBackend
    from moto.ecr.responses import ECRResponse

    def start_image_scan(self: Any, registry_id: str, repository_name: str, image_id: dict[str, str]) -> dict[str, Any]:
        repo = self._get_repository(repository_name, registry_id)
        image = repo._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
        st = state(self)
        key = (repo.name, image.image_digest)
        with st.lock:
            previous = st.scans.get(key)
            if previous is not None and time.time() - previous.started < QUOTA_SECONDS:
                raise LimitExceededException()
            scan = st.start(key)
        image.last_scan = dt.datetime.now()
        return {
            "registryId": repo.registry_id,
            "repositoryName": repo.name,
            "imageId": {"imageDigest": image.image_digest, **({"imageTag": image.image_tag} if image.image_tag else {})},
            "imageScanStatus": _status(scan),
        }

    def describe_image_scan_findings(
        self: Any, registry_id: str, repository_name: str, image_id: dict[str, Any], max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        repo = self._get_repository(repository_name, registry_id)
        image = repo._get_image(image_id.get("imageTag"), image_id.get("imageDigest"))
        scan = state(self).settle((repo.name, image.image_digest))
        if scan is None:
            raise ScanNotFoundException(
                image_id=f"{{imageDigest:'{image_id.get('imageDigest') or 'null'}', imageTag:'{image_id.get('imageTag') or 'null'}'}}",
                repository_name=repo.name,
                registry_id=repo.registry_id,
            )
        if max_results is not None and not 1 <= int(max_results) <= 1000:
            raise InvalidParameterException("Invalid parameter at 'maxResults' failed to satisfy constraint: 'Member must have value between 1 and 1000'")
        answer: dict[str, Any] = {
            "registryId": repo.registry_id,
            "repositoryName": repo.name,
            "imageId": {"imageDigest": image.image_digest, **({"imageTag": image_id["imageTag"]} if image_id.get("imageTag") else {})},
            "imageScanStatus": _status(scan),
        }
        if scan.status != "COMPLETE":
            return answer
        offset = _decode_token(next_token, scan) if next_token else 0
        size = int(max_results or 100)
        page = scan.findings[offset : offset + size]
        answer["imageScanFindings"] = {
            "imageScanCompletedAt": _ts(scan.completed or scan.started),
            "vulnerabilitySourceUpdatedAt": _source_updated(scan),
            "findingSeverityCounts": scan.counts(),
            "findings": page,
        }
        if offset + size < len(scan.findings):
            answer["nextToken"] = _encode_token(scan, offset + size)
        return answer

    ECRBackend.start_image_scan = start_image_scan  # type: ignore[method-assign]
    ECRBackend.describe_image_scan_findings = describe_image_scan_findings  # type: ignore[method-assign]

    def response_describe_image_scan_findings(self: Any) -> Any:
        from moto.core.responses import ActionResult

        return ActionResult(
            self.ecr_backend.describe_image_scan_findings(
                registry_id=self._get_param("registryId"),
                repository_name=self._get_param("repositoryName"),
                image_id=self._get_param("imageId") or {},
                max_results=self._get_param("maxResults"),
                next_token=self._get_param("nextToken"),
            )
        )

    ECRResponse.describe_image_scan_findings = response_describe_image_scan_findings  # type: ignore[method-assign]

    orig_put = ECRBackend.put_image

    @functools.wraps(orig_put)
    def put_image(self: Any, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        image = orig_put(self, repository_name, *args, **kwargs)
        repo = self.repositories.get(repository_name)
        if repo is not None and _scan_on_push(self, repo):
            st = state(self)
            key = (repo.name, image.image_digest)
            with st.lock:
                if key not in st.scans:  # a new tag on an image already pushed is no new push
                    st.start(key)
                    image.last_scan = dt.datetime.now()
        return image

    ECRBackend.put_image = put_image  # type: ignore[method-assign]

    orig_delete = ECRBackend.batch_delete_image

    @functools.wraps(orig_delete)
    def batch_delete_image(self: Any, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        answer = orig_delete(self, repository_name, *args, **kwargs)
        repo = self.repositories.get(repository_name)
        if repo is not None:
            present = {i.image_digest for i in repo.images}
            st = state(self)
            with st.lock:
                for key in [k for k in st.scans if k[0] == repo.name and k[1] not in present]:
                    del st.scans[key]  # a deleted image pushed again is a new image, scanned anew
        return answer

    ECRBackend.batch_delete_image = batch_delete_image  # type: ignore[method-assign]

    orig_describe = ECRBackend.describe_images

    @functools.wraps(orig_describe)
    def describe_images(self: Any, repository_name: str, *args: Any, **kwargs: Any) -> Any:
        images = orig_describe(self, repository_name, *args, **kwargs)
        st = state(self)
        for image in images:
            scan = st.settle((repository_name, image.image_digest))
            image.image_scan_status = _status(scan) if scan else None
            image.image_scan_findings_summary = (
                {
                    "imageScanCompletedAt": _ts(scan.completed or scan.started),
                    "vulnerabilitySourceUpdatedAt": _source_updated(scan),
                    "findingSeverityCounts": scan.counts(),
                }
                if scan and scan.status == "COMPLETE"
                else None
            )
        return images

    ECRBackend.describe_images = describe_images  # type: ignore[method-assign]
    routes.mount(PATH, _answer)
