"""The ECR scan gate's policy (plugins/module_utils/ecr_scan.py): plain data, no AWS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ansible_collections.slipway.aws.plugins.module_utils import ecr_scan as es
from ansible_collections.slipway.aws.plugins.modules import ecr_scan_gate

TODAY = dt.date(2026, 6, 15)


def finding(cve: str, severity: str, package: str = "openssl", version: str = "1.1.1") -> dict:
    """A finding as DescribeImageScanFindings returns it."""
    return {
        "name": cve,
        "uri": f"https://cve.example/{cve}",
        "severity": severity,
        "attributes": [{"key": "package_version", "value": version}, {"key": "package_name", "value": package}, {"key": "CVSS2_SCORE", "value": "7.5"}],
    }


def run(
    raw: list[dict], fail_on: str = "HIGH", exceptions: list[dict] | None = None, max_counts: dict | None = None, repo: str = "slipway/user"
) -> es.Evaluation:
    return es.evaluate(es.parse_findings(raw), repo, fail_on, es.parse_exceptions(exceptions or []), es.check_max_counts(max_counts), today=TODAY)


def statuses(ev: es.Evaluation) -> dict[str, str]:
    return {r.finding.cve: r.status for r in ev.rows}


# ------------------------------------------------------------------ thresholds
def test_parse_findings_reads_package_and_version_from_attributes() -> None:
    (f,) = es.parse_findings([finding("CVE-1", "high", "zlib", "1.2")])
    assert (f.cve, f.severity, f.package, f.version) == ("CVE-1", "HIGH", "zlib", "1.2")


def test_no_findings_pass() -> None:
    ev = run([])
    assert ev.verdict == "PASS"
    assert es.table(ev) == "no findings"
    assert ev.counts == {}


@pytest.mark.parametrize(
    ("fail_on", "blocking"),
    [
        ("CRITICAL", {"CVE-C"}),
        ("HIGH", {"CVE-C", "CVE-H"}),
        ("MEDIUM", {"CVE-C", "CVE-H", "CVE-M"}),
        ("LOW", {"CVE-C", "CVE-H", "CVE-M", "CVE-L"}),
        ("INFORMATIONAL", {"CVE-C", "CVE-H", "CVE-M", "CVE-L", "CVE-I"}),
        ("UNDEFINED", {"CVE-C", "CVE-H", "CVE-M", "CVE-L", "CVE-I", "CVE-U"}),
    ],
)
def test_threshold_blocks_at_or_above(fail_on: str, blocking: set[str]) -> None:
    raw = [finding(f"CVE-{s[0]}", s) for s in es.SEVERITIES]
    ev = run(raw, fail_on=fail_on)
    assert {r.finding.cve for r in ev.blocking} == blocking
    assert ev.verdict == "FAIL"
    assert all(st == es.BELOW for cve, st in statuses(ev).items() if cve not in blocking)


def test_below_threshold_passes() -> None:
    ev = run([finding("CVE-M", "MEDIUM"), finding("CVE-L", "LOW")], fail_on="HIGH")
    assert ev.verdict == "PASS"
    assert ev.counts == {"MEDIUM": 1, "LOW": 1}


def test_bad_threshold_names_the_choices() -> None:
    with pytest.raises(es.PolicyInputError, match=r"fail_on 'SEVERE'.*CRITICAL, HIGH, MEDIUM"):
        run([], fail_on="SEVERE")


def test_max_counts_blocks_findings_below_the_threshold() -> None:
    raw = [finding(f"CVE-M{i}", "MEDIUM") for i in range(3)]
    assert run(raw, max_counts={"MEDIUM": 3}).verdict == "PASS"
    ev = run(raw, max_counts={"medium": 2})
    assert ev.verdict == "FAIL"
    assert len(ev.blocking) == 3
    assert ev.limit_breaches == ["MEDIUM: 3 findings not excepted, at most 2 allowed"]
    assert "more than 2 MEDIUM" in es.table(ev)


def test_max_counts_do_not_count_excepted_findings() -> None:
    raw = [finding("CVE-M1", "MEDIUM"), finding("CVE-M2", "MEDIUM")]
    exc = [{"id": "CVE-M1", "owner": "a@x", "expires": "2026-12-31"}]
    assert run(raw, max_counts={"MEDIUM": 1}, exceptions=exc).verdict == "PASS"


@pytest.mark.parametrize("bad", [{"SEVERE": 1}, {"LOW": -1}, {"LOW": "many"}, ["LOW"]])
def test_bad_max_counts(bad: object) -> None:
    with pytest.raises(es.PolicyInputError):
        es.check_max_counts(bad)


# ------------------------------------------------------------------ exceptions
def test_active_exception_excepts_with_owner_and_expiry() -> None:
    exc = [{"id": "cve-2024-1", "owner": "team-a@example.com", "expires": "2026-06-15", "justification": "not reachable", "ticket": "SEC-1"}]
    ev = run([finding("CVE-2024-1", "CRITICAL")], exceptions=exc)
    assert ev.verdict == "PASS"
    (row,) = ev.excepted
    assert row.label == "EXCEPTED (team-a@example.com, until 2026-06-15)"
    assert row.as_dict()["exception"]["ticket"] == "SEC-1"
    assert ev.unused == [] and ev.expired == []


def test_expired_exception_no_longer_applies_and_is_listed() -> None:
    exc = [{"id": "CVE-2024-1", "owner": "team-a", "expires": dt.date(2026, 6, 14)}]
    ev = run([finding("CVE-2024-1", "HIGH")], exceptions=exc)
    assert ev.verdict == "FAIL"
    assert [e.id for e in ev.expired] == ["CVE-2024-1"]
    assert ev.blocking[0].label == "BLOCKING (exception of team-a expired 2026-06-14)"
    assert "expired exceptions: CVE-2024-1 (team-a, 2026-06-14)" in es.summary(ev, "img")


def test_unused_exception_is_reported() -> None:
    exc = [{"id": "CVE-0000-1", "owner": "o", "expires": "2027-01-01"}, {"id": "CVE-2024-1", "owner": "o", "expires": "2027-01-01"}]
    ev = run([finding("CVE-2024-1", "HIGH")], exceptions=exc)
    assert ev.verdict == "PASS"
    assert [e.id for e in ev.unused] == ["CVE-0000-1"]


def test_exception_package_and_repository_glob_narrow_it() -> None:
    raw = [finding("CVE-1", "HIGH", package="openssl"), finding("CVE-1", "HIGH", package="libssl")]
    exc = [{"id": "CVE-1", "package": "openssl", "repository": "slipway/*", "owner": "o", "expires": "2027-01-01"}]
    ev = run(raw, exceptions=exc)
    assert {(r.finding.package, r.status) for r in ev.rows} == {("openssl", es.EXCEPTED), ("libssl", es.BLOCKING)}
    other = run(raw, exceptions=exc, repo="other/user")
    assert len(other.blocking) == 2
    assert [e.id for e in other.unused] == ["CVE-1"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "CVE-1", "expires": "2027-01-01"}, r"\[0\] \(CVE-1\): owner missing"),
        ({"id": "CVE-1", "owner": "o"}, r"expires missing"),
        ({"id": "CVE-1", "owner": " ", "expires": ""}, r"owner and expires missing"),
        ({"owner": "o", "expires": "2027-01-01"}, r"id missing"),
        ({"id": "CVE-1", "owner": "o", "expires": "31/12/2027"}, r"expires '31/12/2027' is not a date. Fix: write it as YYYY-MM-DD"),
        ({"id": "CVE-1", "owner": "o", "expiry": "2027-01-01"}, r"unknown key\(s\) expiry"),
        ("CVE-1", r"expected a mapping"),
    ],
)
def test_malformed_exception_is_bad_input(entry: object, message: str) -> None:
    with pytest.raises(es.PolicyInputError, match=message):
        es.parse_exceptions([entry])


def test_exceptions_file_yaml_mapping_or_list(tmp_path: Path) -> None:
    path = tmp_path / "exc.yml"
    path.write_text("exceptions:\n  - id: CVE-1\n    owner: o\n    expires: 2027-01-01\n")
    (exc,) = ecr_scan_gate.load_exceptions(str(path))
    assert exc.expires == dt.date(2027, 1, 1)
    path.write_text('[{"id": "CVE-2", "owner": "o", "expires": "2027-01-02"}]')
    assert [e.id for e in ecr_scan_gate.load_exceptions(str(path))] == ["CVE-2"]
    with pytest.raises(es.PolicyInputError, match="does not exist"):
        ecr_scan_gate.load_exceptions(str(tmp_path / "missing.yml"))
    path.write_text("other: []\n")
    with pytest.raises(es.PolicyInputError, match="top-level 'exceptions' list"):
        ecr_scan_gate.load_exceptions(str(path))


# ------------------------------------------------------------------ the table
def test_table_is_ordered_by_severity_then_cve_whatever_the_input_order() -> None:
    raw = [
        finding("CVE-2024-0002", "LOW", "zlib", "1.2"),
        finding("CVE-2024-0009", "CRITICAL", "glibc", "2.31"),
        finding("CVE-2024-0001", "HIGH", "openssl", "1.1.1"),
        finding("CVE-2023-0005", "HIGH", "curl", "7.0"),
        finding("CVE-2024-0003", "MEDIUM", "bash", "5.0"),
    ]
    exc = [{"id": "CVE-2024-0001", "owner": "sec@example.com", "expires": "2026-07-01"}]
    tables = {es.table(run(order, exceptions=exc)) for order in (raw, list(reversed(raw)))}
    assert len(tables) == 1
    lines = tables.pop().splitlines()
    assert lines[0].split() == ["SEVERITY", "CVE", "PACKAGE", "VERSION", "STATUS"]
    assert set(lines[1]) <= {"-", " "}
    body = [line.split(None, 4) for line in lines[2:]]
    assert [(b[0], b[1]) for b in body] == [
        ("CRITICAL", "CVE-2024-0009"),
        ("HIGH", "CVE-2023-0005"),
        ("HIGH", "CVE-2024-0001"),
        ("MEDIUM", "CVE-2024-0003"),
        ("LOW", "CVE-2024-0002"),
    ]
    assert [b[4] for b in body] == ["BLOCKING", "BLOCKING", "EXCEPTED (sec@example.com, until 2026-07-01)", "below threshold", "below threshold"]
    # columns line up: every status starts at the same offset
    assert len({line.index(b[4]) for line, b in zip(lines[2:], body, strict=True)}) == 1


def test_summary_names_the_blocking_findings_and_the_fix() -> None:
    ev = run([finding("CVE-9", "HIGH", "openssl")])
    line = es.summary(ev, "slipway/user@sha256:ab")
    assert line.startswith("FAIL: slipway/user@sha256:ab: 1 blocking finding(s) at or above HIGH: CVE-9 (HIGH, openssl)")
    assert "Fix:" in line and "\n" not in line
