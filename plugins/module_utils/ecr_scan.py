# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ECR scan gate: its policy (plain data in, a verdict and a table out) and the reads of the scan.

A finding blocks when its severity is at or above ``fail_on`` and no active
exception covers it, or when its severity has more findings (not excepted)
than ``max_counts`` allows. An exception names a finding (``id``, optionally
``package`` and a ``repository`` glob), who owns it and until when it holds
(``expires``, inclusive); an expired one covers nothing and is reported, an
active one that covers nothing is reported as unused.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import call
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, GateFailed, PreflightError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.release.waiting import wait_until

# Most severe first: the order of the table and of the threshold.
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED")
_RANK = {sev: i for i, sev in enumerate(SEVERITIES)}
EXCEPTION_KEYS = ("id", "package", "repository", "owner", "justification", "ticket", "expires")
BLOCKING = "BLOCKING"
EXCEPTED = "EXCEPTED"
BELOW = "below threshold"


class PolicyInputError(PreflightError):
    """The policy's input (threshold, limits, exceptions) is malformed."""


@dataclass(frozen=True)
class Finding:
    cve: str
    severity: str
    package: str
    version: str
    uri: str = ""


@dataclass(frozen=True)
class ScanException:
    id: str
    owner: str
    expires: dt.date
    package: str = ""
    repository: str = ""
    justification: str = ""
    ticket: str = ""

    def covers(self, finding: Finding, repository: str) -> bool:
        if self.id.upper() != finding.cve.upper():
            return False
        if self.package and self.package != finding.package:
            return False
        return not self.repository or fnmatch.fnmatchcase(repository, self.repository)

    def active(self, today: dt.date) -> bool:
        return self.expires >= today

    def as_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "owner": self.owner, "expires": self.expires.isoformat()}
        for key in ("package", "repository", "justification", "ticket"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Row:
    finding: Finding
    status: str  # BLOCKING, EXCEPTED or below threshold
    note: str = ""  # why: the exception's owner and expiry, an expired exception, a count limit
    exception: ScanException | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "cve": self.finding.cve,
            "severity": self.finding.severity,
            "package": self.finding.package,
            "version": self.finding.version,
            "uri": self.finding.uri,
            "status": self.status,
        }
        if self.note:
            out["note"] = self.note
        if self.exception is not None:
            out["exception"] = self.exception.as_dict()
        return out

    @property
    def label(self) -> str:
        return f"{self.status} ({self.note})" if self.note else self.status


@dataclass
class Evaluation:
    repository: str
    fail_on: str
    rows: list[Row] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    expired: list[ScanException] = field(default_factory=list)
    unused: list[ScanException] = field(default_factory=list)
    limit_breaches: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> list[Row]:
        return [r for r in self.rows if r.status == BLOCKING]

    @property
    def excepted(self) -> list[Row]:
        return [r for r in self.rows if r.status == EXCEPTED]

    @property
    def verdict(self) -> str:
        return "FAIL" if self.blocking else "PASS"


# ------------------------------------------------------------------ input
def check_severity(value: Any, what: str = "fail_on") -> str:
    sev = str(value or "").strip().upper()
    if sev not in _RANK:
        raise PolicyInputError(f"{what} {value!r} is not a severity. Fix: use one of {', '.join(SEVERITIES)}")
    return sev


def check_max_counts(raw: Any) -> dict[str, int]:
    if not raw:
        return {}
    if not isinstance(raw, dict):
        raise PolicyInputError(f"max_counts must be a mapping of severity to a count, e.g. {{MEDIUM: 10}}; got {raw!r}")
    out: dict[str, int] = {}
    for key, value in raw.items():
        sev = check_severity(key, "max_counts key")
        try:
            count = int(value)
        except (TypeError, ValueError):
            count = -1
        if count < 0:
            raise PolicyInputError(f"max_counts.{sev} {value!r} is not a count. Fix: a whole number 0 or more")
        out[sev] = count
    return out


def parse_findings(raw: list[dict[str, Any]]) -> list[Finding]:
    """ECR basic scanning's findings (``name``, ``severity``, ``uri``, ``attributes``) as ``Finding``s."""
    findings = []
    for item in raw or []:
        attrs = {a.get("key"): a.get("value", "") for a in item.get("attributes") or []}
        severity = str(item.get("severity") or "UNDEFINED").upper()
        findings.append(
            Finding(
                cve=str(item.get("name", "")),
                severity=severity if severity in _RANK else "UNDEFINED",
                package=str(attrs.get("package_name") or ""),
                version=str(attrs.get("package_version") or ""),
                uri=str(item.get("uri") or ""),
            )
        )
    return findings


def _date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise PolicyInputError(f"{where}: expires {value!r} is not a date. Fix: write it as YYYY-MM-DD") from None


def parse_exceptions(raw: Any, source: str = "exceptions") -> list[ScanException]:
    """Exceptions from a list (or a mapping with a top-level ``exceptions`` list); every problem names the entry."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, dict):
        if "exceptions" not in raw:
            raise PolicyInputError(f"{source}: a mapping needs a top-level 'exceptions' list. Fix: exceptions: [{{id: CVE-..., owner: ..., expires: ...}}]")
        raw = raw["exceptions"] or []
    if not isinstance(raw, list):
        raise PolicyInputError(f"{source}: expected a list of exceptions, got {type(raw).__name__}")
    out = []
    for index, item in enumerate(raw):
        where = f"{source}[{index}]"
        if not isinstance(item, dict):
            raise PolicyInputError(f"{where}: expected a mapping with id, owner and expires, got {item!r}")
        where = f"{where} ({item.get('id', 'no id')})"
        unknown = sorted(set(item) - set(EXCEPTION_KEYS))
        if unknown:
            raise PolicyInputError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}. Fix: use only {', '.join(EXCEPTION_KEYS)}")
        missing = [k for k in ("id", "owner", "expires") if not str(item.get(k) or "").strip()]
        if missing:
            raise PolicyInputError(
                f"{where}: {' and '.join(missing)} missing. Fix: every exception needs an id, an owner and an expiry date (expires: YYYY-MM-DD)"
            )
        out.append(
            ScanException(
                id=str(item["id"]).strip(),
                owner=str(item["owner"]).strip(),
                expires=_date(item["expires"], where),
                package=str(item.get("package") or "").strip(),
                repository=str(item.get("repository") or "").strip(),
                justification=str(item.get("justification") or "").strip(),
                ticket=str(item.get("ticket") or "").strip(),
            )
        )
    return out


# ------------------------------------------------------------------ evaluation
def evaluate(
    findings: list[Finding],
    repository: str,
    fail_on: str = "HIGH",
    exceptions: list[ScanException] | None = None,
    max_counts: dict[str, int] | None = None,
    today: dt.date | None = None,
) -> Evaluation:
    today = today or dt.date.today()
    threshold = _RANK[check_severity(fail_on)]
    exceptions = exceptions or []
    ev = Evaluation(repository=repository, fail_on=SEVERITIES[threshold])
    ev.expired = [e for e in exceptions if not e.active(today)]
    active = [e for e in exceptions if e.active(today)]
    used: set[int] = set()
    rows: list[Row] = []
    for finding in sorted(findings, key=_order):
        ev.counts[finding.severity] = ev.counts.get(finding.severity, 0) + 1
        cover = next((i for i, e in enumerate(active) if e.covers(finding, repository)), None)
        if cover is not None:
            used.add(cover)
            exc = active[cover]
            rows.append(Row(finding, EXCEPTED, f"{exc.owner}, until {exc.expires.isoformat()}", exc))
            continue
        lapsed = next((e for e in ev.expired if e.covers(finding, repository)), None)
        lapsed_note = f"exception of {lapsed.owner} expired {lapsed.expires.isoformat()}" if lapsed else ""
        if _RANK[finding.severity] <= threshold:
            rows.append(Row(finding, BLOCKING, lapsed_note, lapsed))
        else:
            rows.append(Row(finding, BELOW, lapsed_note, lapsed))
    ev.counts = {sev: ev.counts[sev] for sev in SEVERITIES if sev in ev.counts}
    for sev, limit in sorted((max_counts or {}).items(), key=lambda kv: _RANK[kv[0]]):
        counted = [i for i, r in enumerate(rows) if r.finding.severity == sev and r.status != EXCEPTED]
        if len(counted) <= limit:
            continue
        ev.limit_breaches.append(f"{sev}: {len(counted)} findings not excepted, at most {limit} allowed")
        for i in counted:
            if rows[i].status == BELOW:
                rows[i] = Row(rows[i].finding, BLOCKING, f"more than {limit} {sev}", rows[i].exception)
    ev.rows = rows
    ev.unused = [e for i, e in enumerate(active) if i not in used]
    return ev


def _order(finding: Finding) -> tuple[int, str, str, str]:
    return (_RANK[finding.severity], finding.cve, finding.package, finding.version)


# ------------------------------------------------------------------ output
def table(ev: Evaluation) -> str:
    """The findings as a plain-text table, most severe first (deterministic)."""
    if not ev.rows:
        return "no findings"
    header = ("SEVERITY", "CVE", "PACKAGE", "VERSION", "STATUS")
    lines = [(r.finding.severity, r.finding.cve, r.finding.package or "-", r.finding.version or "-", r.label) for r in ev.rows]
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header) - 1)]

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]]).rstrip()

    return "\n".join([fmt(header), fmt((*("-" * w for w in widths), "-" * len(header[-1]))), *(fmt(row) for row in lines)])


def summary(ev: Evaluation, image: str) -> str:
    """One line: the verdict, its evidence and (on FAIL) the fix."""
    counts = ", ".join(f"{n} {sev}" for sev, n in ev.counts.items()) or "no findings"
    extra = []
    if ev.excepted:
        extra.append(f"{len(ev.excepted)} excepted")
    if ev.expired:
        extra.append("expired exceptions: " + ", ".join(f"{e.id} ({e.owner}, {e.expires.isoformat()})" for e in ev.expired))
    if ev.unused:
        extra.append("unused exceptions: " + ", ".join(e.id for e in ev.unused))
    tail = f"; {'; '.join(extra)}" if extra else ""
    if ev.verdict == "PASS":
        return f"PASS: {image}: {counts}; nothing blocking at or above {ev.fail_on}{tail}"
    names = ", ".join(f"{r.finding.cve} ({r.finding.severity}, {r.finding.package or '-'})" for r in ev.blocking[:5])
    more = f" and {len(ev.blocking) - 5} more" if len(ev.blocking) > 5 else ""
    limits = f"; over the limits: {'; '.join(ev.limit_breaches)}" if ev.limit_breaches else ""
    return (
        f"FAIL: {image}: {len(ev.blocking)} blocking finding(s) at or above {ev.fail_on}: {names}{more}{limits}{tail}. "
        "Fix: rebuild the image with the fixed packages, or add an exception (id, owner, expires) to the exceptions file"
    )


# ------------------------------------------------------------------ reading the scan (ECR basic scanning)
# The statuses a scan ends in; IN_PROGRESS and PENDING are waited for, every other one is an error.
WAITING_STATUSES = ("IN_PROGRESS", "PENDING")


class ScanError(SlipwayError):
    """The scan gives no verdict: it failed, never completed, is missing, or could not be read."""


def _image_id(image_digest: str | None, image_tag: str | None) -> dict[str, str]:
    return {"imageDigest": image_digest} if image_digest else {"imageTag": str(image_tag)}


def _target(repository: str, registry_id: str | None) -> dict[str, str]:
    return {"repositoryName": repository, **({"registryId": registry_id} if registry_id else {})}


def describe_image(client: Any, repository: str, image_digest: str | None, image_tag: str | None, registry_id: str | None = None) -> dict[str, Any]:
    """The image's details (its digest above all); a missing repository or image is a ScanError naming the fix."""
    try:
        details = call(client, "describe_images", imageIds=[_image_id(image_digest, image_tag)], **_target(repository, registry_id))["imageDetails"]
    except AwsError as exc:
        where = f"registry {registry_id}" if registry_id else "this account's registry"
        if exc.code == "RepositoryNotFoundException":
            raise ScanError(f"repository {repository!r} does not exist in {where}. Fix: check the repository name (-e repository=NAME) and region") from exc
        if exc.code == "ImageNotFoundException":
            what = f"digest {image_digest}" if image_digest else f"tag {image_tag!r}"
            raise ScanError(f"no image with {what} in repository {repository!r}. Fix: push the image first, or check the tag/digest") from exc
        raise ScanError(_read_failure(exc)) from exc
    if not details:
        raise ScanError(f"ECR returned no image for {_image_id(image_digest, image_tag)} in {repository!r}")
    return details[0]


def _read_failure(exc: AwsError) -> str:
    if exc.code in ("AccessDeniedException", "AccessDenied", "UnauthorizedOperation"):
        return (
            f"access denied reading the scan ({exc.operation}: {exc.message}). "
            "Fix: grant ecr:DescribeImages and ecr:DescribeImageScanFindings (and ecr:StartImageScan with start_scan) on the repository"
        )
    return f"cannot read the scan: {exc}"


def findings_page(client: Any, repository: str, digest: str, registry_id: str | None = None, next_token: str | None = None) -> dict[str, Any] | None:
    """One page of DescribeImageScanFindings, or None when the image has no scan."""
    kwargs: dict[str, Any] = {"imageId": {"imageDigest": digest}, "maxResults": 1000, **_target(repository, registry_id)}
    if next_token:
        kwargs["nextToken"] = next_token
    try:
        return call(client, "describe_image_scan_findings", **kwargs)
    except AwsError as exc:
        if exc.code == "ScanNotFoundException":
            return None
        raise ScanError(_read_failure(exc)) from exc


def start_scan(client: Any, repository: str, digest: str, registry_id: str | None = None) -> str:
    """Start a basic scan; ``started``, or ``quota`` when ECR refuses one (a scan per image per 24 hours)."""
    try:
        call(client, "start_image_scan", imageId={"imageDigest": digest}, **_target(repository, registry_id))
    except AwsError as exc:
        if exc.code == "LimitExceededException":
            return "quota"
        if exc.code in ("AccessDeniedException", "AccessDenied"):
            raise ScanError(f"access denied starting a scan ({exc.message}). Fix: grant ecr:StartImageScan, or enable scan on push on the repository") from exc
        raise ScanError(f"cannot start a scan: {exc}") from exc
    return "started"


def wait_for_scan(client: Any, repository: str, digest: str, timeout: float, interval: float, registry_id: str | None = None) -> dict[str, Any]:
    """The first page once the scan is no longer in progress; a deadline passed is a ScanError."""
    last: dict[str, Any] = {}

    def check() -> dict[str, Any] | None:
        page = findings_page(client, repository, digest, registry_id)
        if page is None:
            raise ScanError(f"the scan of {repository}@{digest} disappeared while waiting for it")
        last["status"] = (page.get("imageScanStatus") or {}).get("status", "")
        return None if last["status"] in WAITING_STATUSES else page

    try:
        return wait_until(check, timeout, interval, "ECR scan", max_interval=max(interval, min(interval * 3, 30)))
    except GateFailed as exc:
        raise ScanError(
            f"the scan of {repository}@{digest} is still {last.get('status') or 'IN_PROGRESS'} after {timeout:g}s (the deadline); "
            "an unfinished scan is no pass. Fix: run the gate again later, or raise timeout_seconds"
        ) from exc


def all_findings(client: Any, repository: str, digest: str, first: dict[str, Any], registry_id: str | None = None) -> list[dict[str, Any]]:
    """Every finding of a complete scan, following nextToken from the first page."""
    out = list((first.get("imageScanFindings") or {}).get("findings") or [])
    token = first.get("nextToken")
    while token:
        page = findings_page(client, repository, digest, registry_id, token)
        if page is None:
            raise ScanError(f"the scan of {repository}@{digest} disappeared while reading its findings")
        out.extend((page.get("imageScanFindings") or {}).get("findings") or [])
        token = page.get("nextToken")
    return out
