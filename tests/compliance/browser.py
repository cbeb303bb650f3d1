"""The HTML report in a real headless browser: Debian's ``chromium --headless --dump-dom``, then the rendered
DOM's findings table (rows, and which the filter script hid)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

INSTALL = "apt-get install -y chromium chromium-driver (.ci/run does it when chromium is missing)"


def chromium() -> str:
    """The browser's path; a failure (never a skip) saying how to install it when it is absent."""
    import pytest

    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail(f"chromium is not on this machine: the HTML report's browser test needs it. Fix: {INSTALL}", pytrace=False)
    return path


@dataclass(frozen=True)
class Row:
    control: str
    resource: str
    status: str
    severity: str
    service: str
    hidden: bool


class _Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[Row] = []
        self.body: dict[str, str | None] = {}
        self.shown = ""
        self._table = False
        self._tbody = False
        self._output = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "table":
            self._table = a.get("id") == "findings"
        elif tag == "tbody" and self._table:
            self._tbody = True
        elif tag == "tr" and self._tbody:
            fields = ("control", "resource", "status", "severity", "service")
            self.rows.append(Row(*(str(a.get(f"data-{k}")) for k in fields), hidden="hidden" in a))
        elif tag == "output" and a.get("id") == "shown":
            self._output = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = self._tbody = False
        elif tag == "output":
            self._output = False

    def handle_data(self, data: str) -> None:
        if self._output:
            self.shown += data


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    body: dict[str, str | None]
    shown: str

    @property
    def visible(self) -> list[tuple[str, str]]:
        return [(r.control, r.resource) for r in self.rows if not r.hidden]


def render(path: Path, fragment: str = "") -> Page:
    """The DOM after the page's script ran, as chromium renders ``file://PATH#FRAGMENT``."""
    exe = chromium()
    url = path.resolve().as_uri() + (f"#{fragment}" if fragment else "")
    profile = tempfile.mkdtemp(prefix="slipway-chromium-")
    try:
        cmd = [exe, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", url]
        env = {**os.environ, "HOME": profile}
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, check=False)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert proc.returncode == 0 and "<html" in proc.stdout, f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    parser = _Rows()
    parser.feed(proc.stdout)
    return Page(parser.rows, parser.body, parser.shown)
