# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The reports, all rendered from one JSON document (``build``), byte-identical for the same evidence.

* JSON: OCSF-shaped Compliance Findings (class 2003), one per control and resource;
* Markdown, a self-contained HTML page (summaries, the findings table, an inline filter script),
  JUnit XML, SARIF 2.1.0 and the console summary, derived from it.

Order is stable everywhere (severity, control, region, resource); the only time
is ``metadata.generated_at``.
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import os
import tempfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

SEVERITY_ORDER = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL")
SEVERITY_ID = {"INFORMATIONAL": 1, "LOW": 2, "MEDIUM": 3, "HIGH": 4, "CRITICAL": 5}
STATUS_ORDER = ("FAIL", "ERROR", "PASS", "NOT_APPLICABLE")
# OCSF compliance.status_id: 1 Pass, 3 Fail, 99 Other (ERROR, NOT_APPLICABLE)
OCSF_STATUS = {"PASS": (1, "Pass"), "FAIL": (3, "Fail"), "ERROR": (99, "Error"), "NOT_APPLICABLE": (99, "Not applicable")}
OCSF_VERSION = "1.3.0"
INFORMATION_URI = "https://github.com/slipway/slipway/blob/main/docs/compliance.md"
FILES = {
    "json": "compliance_report.json",
    "markdown": "compliance_report.md",
    "html": "compliance_report.html",
    "junit": "compliance_report.xml",
    "sarif": "compliance_report.sarif",
}


def finding_uid(control: str, resource: str) -> str:
    return hashlib.sha256(f"{control}|{resource}".encode()).hexdigest()[:32]


def _sort_key(f: dict[str, Any]) -> tuple[Any, ...]:
    return (SEVERITY_ORDER.index(f["severity"]), f["control"], f["region"], f["resource"])


def build(
    results: list[dict[str, Any]],
    controls: list[dict[str, Any]],
    context: dict[str, Any],
) -> dict[str, Any]:
    """The JSON report. ``results``: the framework's results with ``severity``, ``title``, ``remediation``,
    ``frameworks`` and any ``exception``/``exception_expired``; ``controls``: the evaluated controls' metadata
    (parameters as applied); ``context``: ``generated_at``, ``account``, ``regions``, ``collection`` (per
    service and region: actions, listing error, resources), ``exceptions`` (expired, unmatched), ``diff``."""
    findings = []
    for r in sorted(results, key=_sort_key):
        status_id, status_name = OCSF_STATUS[r["status"]]
        sev = r["severity"]
        finding: dict[str, Any] = {
            "class_uid": 2003,
            "class_name": "Compliance Finding",
            "category_uid": 2,
            "activity_id": 1,
            "type_uid": 200301,
            "severity_id": SEVERITY_ID[sev],
            "severity": sev.capitalize(),
            "status": r["status"],
            "status_detail": r["reason"],
            "finding_info": {"uid": finding_uid(r["control"], r["resource"]), "title": r["title"], "desc": r["reason"]},
            "compliance": {"control": r["control"], "standards": list(r["frameworks"]), "status_id": status_id, "status": status_name},
            "resources": [{"uid": r["resource"], "type": r["resource_type"], "region": r["region"], "cloud_partition": "aws", "group": {"name": r["service"]}}],
            "cloud": {"provider": "AWS", "account": {"uid": context.get("account")}, "region": r["region"]},
            "remediation": {"desc": r["remediation"]},
            "evidences": [{"data": r["evidence"]}] if r["evidence"] else [],
        }
        if r.get("unavailable_actions"):
            finding["unavailable_actions"] = list(r["unavailable_actions"])
        if r.get("exception"):
            finding["exception"] = r["exception"]
        if r.get("exception_expired"):
            finding["exception_expired"] = r["exception_expired"]
        findings.append(finding)
    return {
        "metadata": {
            "product": {"name": "Slipway compliance report", "vendor_name": "Slipway"},
            "version": OCSF_VERSION,
            "generated_at": context["generated_at"],
        },
        "account": context.get("account"),
        "regions": list(context.get("regions") or []),
        "summary": summarize(findings, context),
        "controls": sorted(controls, key=lambda c: (SEVERITY_ORDER.index(c["severity"]), c["id"])),
        "collection": context.get("collection") or [],
        "exceptions": context.get("exceptions") or {"expired": [], "unmatched": []},
        "diff": context.get("diff") or {"baseline": False, "new": [], "resolved": [], "still_failing": []},
        "iac": context.get("iac"),
        "findings": findings,
    }


def summarize(findings: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
    by_status = dict.fromkeys(STATUS_ORDER, 0)
    by_severity: dict[str, dict[str, int]] = {s: dict.fromkeys(STATUS_ORDER, 0) for s in SEVERITY_ORDER}
    by_service: dict[str, dict[str, int]] = {}
    suppressed = 0
    for f in findings:
        st = f["status"]
        by_status[st] += 1
        by_severity[f["severity"].upper()][st] += 1
        by_service.setdefault(f["resources"][0]["group"]["name"], dict.fromkeys(STATUS_ORDER, 0))[st] += 1
        suppressed += 1 if f.get("exception") else 0
    return {
        "results": len(findings),
        "by_status": by_status,
        "by_severity": by_severity,
        "by_service": dict(sorted(by_service.items())),
        "suppressed": suppressed,
        "unreadable": sorted({m["action"] for c in context.get("collection") or [] for m in ([c["listing"]] if c.get("listing") else [])}),
    }


def stable_json(value: Any, indent: int = 2, depth: int = 2) -> str:
    """JSON with sorted keys, containers indented down to ``depth`` levels and deeper ones on one line each.

    ``json.dumps`` with ``indent`` runs Python's pure encoder, about ten times slower than its C encoder; a report
    of a thousand resources spent a second in it. Here only the outer levels (a few lines) are laid out in Python;
    each deeper value (a finding, a SARIF result) is one C-encoded line. The same value gives the same text."""

    def enc(v: Any, level: int) -> str:
        if level >= depth or not isinstance(v, dict | list) or not v:
            return json.dumps(v, sort_keys=True, default=str)
        pad, close = " " * (indent * (level + 1)), " " * (indent * level)
        if isinstance(v, dict):
            rows = [f"{pad}{json.dumps(str(k))}: {enc(v[k], level + 1)}" for k in sorted(v)]
            return "{\n" + ",\n".join(rows) + "\n" + close + "}"
        return "[\n" + ",\n".join(f"{pad}{enc(x, level + 1)}" for x in v) + "\n" + close + "]"

    return enc(value, 0)


def to_json(report: dict[str, Any]) -> str:
    """The report as JSON: one finding per line (see ``stable_json``)."""
    return stable_json(report, indent=2, depth=2) + "\n"


# ------------------------------------------------------------------ Markdown
def _md(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(report: dict[str, Any]) -> str:
    s = report["summary"]
    lines = [
        "# Compliance report",
        "",
        f"Account `{report['account']}`, regions {', '.join(report['regions'])}; generated {report['metadata']['generated_at']}.",
        "",
        "## Summary by severity",
        "",
        "| severity | " + " | ".join(STATUS_ORDER) + " |",
        "|---|" + "---|" * len(STATUS_ORDER),
    ]
    lines += [f"| {sev} | " + " | ".join(str(s["by_severity"][sev][st]) for st in STATUS_ORDER) + " |" for sev in SEVERITY_ORDER]
    lines += ["", "## Summary by service", "", "| service | " + " | ".join(STATUS_ORDER) + " |", "|---|" + "---|" * len(STATUS_ORDER)]
    lines += [f"| {svc} | " + " | ".join(str(c[st]) for st in STATUS_ORDER) + " |" for svc, c in s["by_service"].items()]
    lines += ["", "## Findings", "", "| status | severity | control | region | resource | reason | remediation |", "|---|---|---|---|---|---|---|"]
    for f in sorted(report["findings"], key=lambda f: STATUS_ORDER.index(f["status"])):
        status = f["status"] + (" (exception)" if f.get("exception") else "")
        lines.append(
            f"| {status} | {f['severity']} | {f['compliance']['control']} | {f['resources'][0]['region']} | `{_md(f['resources'][0]['uid'])}` "
            f"| {_md(f['status_detail'])} | {_md(f['remediation']['desc']) if f['status'] == 'FAIL' else ''} |"
        )
    lines += _iac_markdown(report.get("iac"))
    d = report["diff"]
    lines += ["", "## Changes since the previous report", ""]
    if not d["baseline"]:
        lines.append("No previous report: every finding is new.")
    for key in ("new", "resolved", "still_failing"):
        lines.append(f"- {key.replace('_', ' ')}: {len(d[key])}" + "".join(f"\n  - {r['control']} `{r['resource']}`" for r in d[key]))
    ex = report["exceptions"]
    lines += ["", "## Exceptions", ""]
    lines += [f"- expired: #{e['index']} {e['control']} ({e['owner']}, {e['ticket']}, expired {e['expires']})" for e in ex["expired"]] or ["- expired: none"]
    lines += [f"- unmatched: #{e['index']} {e['control']} ({e['owner']}, {e['ticket']})" for e in ex["unmatched"]] or ["- unmatched: none"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ HTML
def _h(text: Any) -> str:
    return _html.escape("" if text is None else str(text), quote=True)


_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.num{text-align:right}
tr.FAIL td.status{color:#a00;font-weight:bold}
tr.ERROR td.status{color:#a60;font-weight:bold}
tr.PASS td.status{color:#070}
tr[hidden]{display:none}
code{font-size:12px;word-break:break-all}
pre{white-space:pre-wrap;font-size:12px;margin:0}
#filters label{margin-right:1em}
"""

# The filter: the page's hash or query (``#severity=HIGH&status=FAIL&service=s3&q=text``, values
# comma-separated) presets it, so a headless browser's --dump-dom shows the filtered table; each
# row not matching gets the ``hidden`` attribute; the body's data-filter says what was applied.
_SCRIPT = """
(function () {
  "use strict";
  var keys = ["severity", "service", "status"];
  var form = document.getElementById("filters");
  function wanted() {
    var out = {};
    keys.forEach(function (k) { out[k] = form.elements[k].value; });
    out.q = form.elements.q.value.trim().toLowerCase();
    return out;
  }
  function apply() {
    var w = wanted(), shown = 0;
    var rows = document.querySelectorAll("#findings tbody tr");
    rows.forEach(function (row) {
      var ok = keys.every(function (k) {
        return !w[k] || w[k].split(",").indexOf(row.getAttribute("data-" + k)) >= 0;
      }) && (!w.q || row.textContent.toLowerCase().indexOf(w.q) >= 0);
      if (ok) { row.removeAttribute("hidden"); shown += 1; } else { row.setAttribute("hidden", ""); }
    });
    document.getElementById("shown").textContent = String(shown);
    var state = keys.concat(["q"]).filter(function (k) { return w[k]; })
      .map(function (k) { return k + "=" + encodeURIComponent(w[k]); }).join("&");
    document.body.setAttribute("data-filter", state || "none");
    return state;
  }
  function preset() {
    var text = (location.hash || "").replace(/^#/, "") || (location.search || "").replace(/^\\?/, "");
    text.split("&").forEach(function (pair) {
      var i = pair.indexOf("="), k, v;
      if (i < 0) { return; }
      try {
        k = decodeURIComponent(pair.slice(0, i));
        v = decodeURIComponent(pair.slice(i + 1).replace(/\\+/g, " "));
      } catch (e) { return; }
      if (!form.elements[k]) { return; }
      var el = form.elements[k];
      if (k === "severity" || k === "status") { v = v.toUpperCase(); }
      if (el.tagName === "SELECT" && v.indexOf(",") >= 0) {
        var opt = document.createElement("option");
        opt.value = v; opt.textContent = v; el.appendChild(opt);
      }
      el.value = v;
    });
  }
  preset();
  apply();
  form.addEventListener("input", function () {
    var state = apply();
    if (window.history && history.replaceState) { history.replaceState(null, "", state ? "#" + state : location.pathname); }
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
})();
"""


def _counts_table(title: str, first: str, rows: list[tuple[str, dict[str, int]]], table_id: str) -> list[str]:
    out = [
        f"<h2>{_h(title)}</h2>",
        f'<table id="{table_id}">',
        "<thead><tr><th>" + _h(first) + "</th>" + "".join(f"<th>{_h(s)}</th>" for s in STATUS_ORDER) + "</tr></thead>",
        "<tbody>",
    ]
    for name, counts in rows:
        cells = "".join(f'<td class="num">{int(counts[s])}</td>' for s in STATUS_ORDER)
        out.append(f'<tr data-key="{_h(name)}"><th>{_h(name)}</th>{cells}</tr>')
    out += ["</tbody>", "</table>"]
    return out


def _select(name: str, label: str, values: list[str]) -> str:
    opts = "".join(f'<option value="{_h(v)}">{_h(v)}</option>' for v in values)
    return f'<label>{_h(label)} <select name="{name}"><option value="">all</option>{opts}</select></label>'


def html(report: dict[str, Any]) -> str:
    """One self-contained page: the summaries by severity and by service, the findings table (one row per
    result) with a filter by severity, service, status and text; no external asset."""
    s = report["summary"]
    meta = report["metadata"]
    findings = sorted(report["findings"], key=lambda f: STATUS_ORDER.index(f["status"]))
    services = list(s["by_service"])
    counts = ", ".join(f"{k} {v}" for k, v in s["by_status"].items())
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Compliance report {_h(report['account'])}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        '<body data-filter="">',
        "<h1>Compliance report</h1>",
        f"<p>Account <code>{_h(report['account'])}</code>, regions {_h(', '.join(report['regions']))}; "
        f'generated <time id="generated-at">{_h(meta["generated_at"])}</time>. '
        f"{int(s['results'])} result(s) over {len(report['controls'])} control(s): {_h(counts)}; suppressed by an exception: {int(s['suppressed'])}.</p>",
    ]
    out += _counts_table("Summary by severity", "severity", [(sev, s["by_severity"][sev]) for sev in SEVERITY_ORDER], "by-severity")
    out += _counts_table("Summary by service", "service", list(s["by_service"].items()), "by-service")
    out += [
        "<h2>Findings</h2>",
        '<form id="filters">',
        _select("severity", "severity", list(SEVERITY_ORDER)),
        _select("service", "service", services),
        _select("status", "status", list(STATUS_ORDER)),
        '<label>text <input name="q" type="search" value=""></label>',
        f'<span>shown: <output id="shown">{len(findings)}</output> of {len(findings)}</span>',
        "</form>",
        '<table id="findings">',
        "<thead><tr><th>control</th><th>title</th><th>severity</th><th>status</th><th>resource</th><th>region</th>"
        "<th>reason / evidence</th><th>remediation</th></tr></thead>",
        "<tbody>",
    ]
    for f in findings:
        res = f["resources"][0]
        control = f["compliance"]["control"]
        status = f["status"]
        sev = f["severity"].upper()
        label = status + (" (exception)" if f.get("exception") else "")
        detail = [_h(f["status_detail"])]
        if f.get("unavailable_actions"):
            detail.append("<br>actions: " + _h(", ".join(f["unavailable_actions"])))
        if f.get("exception"):
            e = f["exception"]
            detail.append(f"<br>exception {_h(e.get('ticket'))} ({_h(e.get('owner'))}) until {_h(e.get('expires'))}: {_h(e.get('justification'))}")
        if f["evidences"]:
            data = stable_json(f["evidences"][0]["data"], indent=1, depth=2)
            detail.append(f"<details><summary>evidence</summary><pre>{_h(data)}</pre></details>")
        attrs = (
            f'class="{_h(status)}" data-control="{_h(control)}" data-resource="{_h(res["uid"])}" data-severity="{_h(sev)}" '
            f'data-service="{_h(res["group"]["name"])}" data-status="{_h(status)}" data-region="{_h(res["region"])}"'
        )
        out.append(
            f"<tr {attrs}><td>{_h(control)}</td><td>{_h(f['finding_info']['title'])}</td><td>{_h(sev)}</td>"
            f'<td class="status">{_h(label)}</td><td><code>{_h(res["uid"])}</code></td><td>{_h(res["region"])}</td>'
            f"<td>{''.join(detail)}</td><td>{_h(f['remediation']['desc']) if status == 'FAIL' else ''}</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    out += _iac_html(report.get("iac"))
    d = report["diff"]
    out += ["<h2>Changes since the previous report</h2>", "<ul>"]
    if not d["baseline"]:
        out.append("<li>No previous report: every finding is new.</li>")
    for key in ("new", "resolved", "still_failing"):
        items = "".join(f"<li>{_h(r['control'])} <code>{_h(r['resource'])}</code></li>" for r in d[key])
        out.append(f"<li>{_h(key.replace('_', ' '))}: {len(d[key])}" + (f"<ul>{items}</ul>" if items else "") + "</li>")
    out.append("</ul>")
    ex = report["exceptions"]
    out += ["<h2>Exceptions</h2>", "<ul>"]
    out += [
        f"<li>expired: #{_h(e['index'])} {_h(e['control'])} ({_h(e['owner'])}, {_h(e['ticket'])}, expired {_h(e['expires'])})</li>" for e in ex["expired"]
    ] or ["<li>expired: none</li>"]
    out += [f"<li>unmatched: #{_h(e['index'])} {_h(e['control'])} ({_h(e['owner'])}, {_h(e['ticket'])})</li>" for e in ex["unmatched"]] or [
        "<li>unmatched: none</li>"
    ]
    out += ["</ul>", f"<script>{_SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(out) + "\n"


def _iac_html(section: dict[str, Any] | None) -> list[str]:
    if not section:
        return []
    c = section["summary"]["by_status"]
    out = [
        "<h2>Infrastructure as code (checkov)</h2>",
        f"<p>checkov {_h(section['version'] or '(version unknown)')}: {int(c['FAIL'])} failed, {int(c['SKIPPED'])} skipped, {int(c['PASS'])} passed; "
        f"{int(section['summary']['resources'])} resource(s), {int(section['summary']['parsing_errors'])} file(s) not parsed.</p>",
        '<table id="iac">',
        "<thead><tr><th>status</th><th>check</th><th>title</th><th>resource</th><th>file</th><th>reason</th></tr></thead>",
        "<tbody>",
    ]
    for k in section["checks"]:
        where = f"{k['file']}:{k['lines'][0]}-{k['lines'][-1]}" if k["lines"] else str(k["file"])
        out.append(
            f'<tr class="{_h(k["status"])}" data-check="{_h(k["check_id"])}" data-resource="{_h(k["resource"])}" data-status="{_h(k["status"])}">'
            f'<td class="status">{_h(k["status"])}</td><td>{_h(k["check_id"])}</td><td>{_h(k["title"])}</td><td><code>{_h(k["resource"])}</code></td>'
            f"<td><code>{_h(where)}</code></td><td>{_h(k['reason'] or '')}</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    return out


def _iac_markdown(section: dict[str, Any] | None) -> list[str]:
    if not section:
        return []
    c = section["summary"]["by_status"]
    lines = [
        "",
        "## Infrastructure as code (checkov)",
        "",
        f"checkov {section['version'] or '(version unknown)'}: {c['FAIL']} failed, {c['SKIPPED']} skipped, {c['PASS']} passed; "
        f"{section['summary']['resources']} resource(s), {section['summary']['parsing_errors']} file(s) not parsed.",
        "",
        "| status | check | resource | file | reason |",
        "|---|---|---|---|---|",
    ]
    for k in section["checks"]:
        where = f"{k['file']}:{k['lines'][0]}" if k["lines"] else str(k["file"])
        lines.append(f"| {k['status']} | {k['check_id']} {_md(k['title'])} | `{_md(k['resource'])}` | `{_md(where)}` | {_md(k['reason'] or '')} |")
    return lines


# ------------------------------------------------------------------ JUnit
def junit(report: dict[str, Any]) -> str:
    """One test suite per control, one case per resource: FAIL a failure, ERROR an error,
    NOT_APPLICABLE and excepted FAILs skipped."""
    by_control: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        by_control.setdefault(f["compliance"]["control"], []).append(f)
    total = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = []
    for control in sorted(by_control):
        stats = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        cases = []
        for f in by_control[control]:
            stats["tests"] += 1
            msg = f["status_detail"]
            if f["status"] == "FAIL" and not f.get("exception"):
                stats["failures"] += 1
                body = f"<failure message={quoteattr(msg)} type={quoteattr(f['severity'].upper())}>{escape(f['remediation']['desc'])}</failure>"
            elif f["status"] == "ERROR":
                stats["errors"] += 1
                body = f'<error message={quoteattr(msg)} type="unevaluated">{escape(", ".join(f.get("unavailable_actions") or []))}</error>'
            elif f["status"] == "NOT_APPLICABLE" or f.get("exception"):
                stats["skipped"] += 1
                why = msg if f["status"] == "NOT_APPLICABLE" else f"exception {f['exception']['ticket']} until {f['exception']['expires']}: {msg}"
                body = f"<skipped message={quoteattr(why)}/>"
            else:
                body = ""
            name = f["resources"][0]["uid"]
            cases.append(f"    <testcase classname={quoteattr(control)} name={quoteattr(name)}>{body}</testcase>")
        for k in total:
            total[k] += stats[k]
        attrs = " ".join(f'{k}="{v}"' for k, v in stats.items())
        suites.append(f"  <testsuite name={quoteattr(control)} {attrs}>\n" + "\n".join(cases) + "\n  </testsuite>")
    section = report.get("iac")
    if section:
        stats = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        cases = []
        for k in section["checks"]:
            stats["tests"] += 1
            if k["status"] == "FAIL":
                stats["failures"] += 1
                where = f"{k['file']}:{k['lines'][0]}" if k["lines"] else str(k["file"])
                body = f'<failure message={quoteattr(str(k["title"]))} type="IAC">{escape(where)}</failure>'
            elif k["status"] == "SKIPPED":
                stats["skipped"] += 1
                body = f"<skipped message={quoteattr(str(k['reason'] or 'skipped'))}/>"
            else:
                body = ""
            cases.append(f"    <testcase classname={quoteattr('iac.' + str(k['check_id']))} name={quoteattr(str(k['resource']))}>{body}</testcase>")
        for key in total:
            total[key] += stats[key]
        attrs = " ".join(f'{k}="{v}"' for k, v in stats.items())
        suites.append(f'  <testsuite name="iac:checkov" {attrs}>\n' + "\n".join(cases) + "\n  </testsuite>")
    attrs = " ".join(f'{k}="{v}"' for k, v in total.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="compliance-report" {attrs}>\n' + "\n".join(suites) + "\n</testsuites>\n"


# ------------------------------------------------------------------ SARIF
_LEVEL = {"CRITICAL": "error", "HIGH": "error", "MEDIUM": "warning", "LOW": "note", "INFORMATIONAL": "note"}
_SECURITY_SEVERITY = {"CRITICAL": "9.5", "HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0", "INFORMATIONAL": "0.0"}
_KIND = {"PASS": "pass", "FAIL": "fail", "ERROR": "review", "NOT_APPLICABLE": "notApplicable"}


def sarif(report: dict[str, Any]) -> dict[str, Any]:
    """SARIF 2.1.0: a rule per control, a result per control and resource (kind pass / fail /
    review for ERROR / notApplicable); excepted FAILs carry an accepted external suppression."""
    rules = [
        {
            "id": c["id"],
            "name": c["id"].replace(".", ""),
            "shortDescription": {"text": c["title"]},
            "fullDescription": {"text": f"{c['title']} ({c['resource_type']})"},
            "help": {"text": c["remediation"]},
            "defaultConfiguration": {"level": _LEVEL[c["severity"]]},
            "properties": {
                "security-severity": _SECURITY_SEVERITY[c["severity"]],
                "tags": ["security", "compliance", *c["frameworks"]],
                "parameters": c["parameters"],
            },
        }
        for c in sorted(report["controls"], key=lambda c: c["id"])
    ]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = []
    for f in report["findings"]:
        control = f["compliance"]["control"]
        res: dict[str, Any] = {
            "ruleId": control,
            "ruleIndex": index[control],
            "kind": _KIND[f["status"]],
            "level": _LEVEL[f["severity"].upper()] if f["status"] == "FAIL" else "none",
            "message": {"text": f"{f['status']}: {f['status_detail']}"},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": f["resources"][0]["uid"], "kind": "resource"}]}],
            "partialFingerprints": {"slipwayFinding/v1": f["finding_info"]["uid"]},
            "properties": {"region": f["resources"][0]["region"], "status": f["status"]},
        }
        if f.get("exception"):
            e = f["exception"]
            why = f"{e['justification']} ({e['ticket']}, {e['owner']}, until {e['expires']})"
            res["suppressions"] = [{"kind": "external", "status": "accepted", "justification": why}]
        results.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "slipway-compliance-report", "informationUri": INFORMATION_URI, "rules": rules}},
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


# ------------------------------------------------------------------ console
def console(report: dict[str, Any], verdict: str) -> list[str]:
    s = report["summary"]
    counts = ", ".join(f"{k} {v}" for k, v in s["by_status"].items())
    lines = [f"compliance report: {s['results']} result(s) over {len(report['controls'])} control(s); {counts}"]
    for sev in SEVERITY_ORDER:
        row = s["by_severity"][sev]
        if any(row.values()):
            lines.append(f"  {sev:<13} " + "  ".join(f"{k} {row[k]}" for k in STATUS_ORDER))
    for f in report["findings"]:
        if f["status"] in ("FAIL", "ERROR") and not f.get("exception"):
            lines.append(f"  {f['status']:<5} {f['severity'].upper():<8} {f['compliance']['control']:<16} {f['resources'][0]['uid']}: {f['status_detail']}")
    d = report["diff"]
    first = "" if d["baseline"] else " (no previous report)"
    lines.append(f"  changes: {len(d['new'])} new, {len(d['resolved'])} resolved, {len(d['still_failing'])} still failing{first}")
    section = report.get("iac")
    if section:
        c = section["summary"]["by_status"]
        lines.append(f"  IaC (checkov): {c['FAIL']} failed, {c['SKIPPED']} skipped, {c['PASS']} passed, {section['summary']['parsing_errors']} not parsed")
        lines += [f"  FAIL  IAC      {k['check_id']:<16} {k['resource']} ({k['file']}): {k['title']}" for k in section["checks"] if k["status"] == "FAIL"]
    ex = report["exceptions"]
    if ex["expired"] or ex["unmatched"]:
        lines.append(f"  exceptions: {len(ex['expired'])} expired, {len(ex['unmatched'])} unmatched")
    lines.append(verdict)
    return lines


def write(output_dir: str, report: dict[str, Any]) -> dict[str, str]:
    """Every report file, each written atomically; their paths."""
    os.makedirs(output_dir, exist_ok=True)
    texts = {
        "json": to_json(report),
        "markdown": markdown(report),
        "html": html(report),
        "junit": junit(report),
        "sarif": stable_json(sarif(report), indent=2, depth=4) + "\n",
    }
    paths = {}
    for key, text in texts.items():
        path = os.path.join(output_dir, FILES[key])
        fd, tmp = tempfile.mkstemp(dir=output_dir, prefix=".compliance-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
        paths[key] = path
    return paths
