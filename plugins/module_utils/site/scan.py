# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The local side of a site publish: what an Angular ``dist`` directory holds.

Every file gets its bucket key, sha256, content type, and two flags the rest of
the package decides by: *hashed* (the name carries a content hash, so it can be
cached for a year and never needs invalidating) and *entry* (the files a
browser or the service worker asks for by a fixed name, uploaded last and
never cached without revalidation).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from dataclasses import dataclass, field

from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError

# Bucket keys under this prefix belong to Slipway (manifests, entry copies).
RESERVED_PREFIX = "_slipway/"

# Content types of what the Angular CLI emits; anything else is served as bytes.
CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".js": "application/javascript",
    ".mjs": "application/javascript",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".eot": "application/vnd.ms-fontobject",
    ".wasm": "application/wasm",
    ".pdf": "application/pdf",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# Files fetched by a fixed name: the app shell and the service worker's files.
ENTRY_NAMES = frozenset({"index.html", "ngsw.json", "ngsw-worker.js", "safety-worker.js", "worker-basic.min.js", "manifest.webmanifest"})

# A content hash in a file name: ``main-2YXE5NOA.js`` / ``chunk-ABCD2345.js``
# (the esbuild application builder: 8+ upper-case base32 characters) or
# ``main.3f2a9c1d8e7b6a50.js`` (the webpack browser builder: 16+ hex digits),
# followed by one or more extensions (``.js``, ``.js.map``).
_HASHED_RE = re.compile(r"^.+?[-.](?:[0-9a-f]{16,}|[0-9A-Z]{8,})(?:\.[A-Za-z0-9]+)+$")
_BASE32_RE = re.compile(r"[-.]([A-Z2-7]{8,})\.")
_HEX_RE = re.compile(r"[-.]([0-9a-f]{16,})\.")
# Copied verbatim by the CLI (angular.json "assets"): a hash-like name there is a coincidence.
_UNHASHED_DIRS = ("assets/",)


@dataclass(frozen=True)
class LocalFile:
    key: str
    path: str
    size: int
    sha256: str
    content_type: str
    hashed: bool
    entry: bool
    body: bytes | None = field(default=None, repr=False, compare=False)  # set when the upload differs from the file

    def read(self) -> bytes:
        if self.body is not None:
            return self.body
        with open(self.path, "rb") as fh:
            return fh.read()


@dataclass(frozen=True)
class Scan:
    root: str
    files: dict[str, LocalFile]

    @property
    def digest(self) -> str:
        """One sha256 over every key and its content: equal digests, equal sites."""
        h = hashlib.sha256()
        for key in sorted(self.files):
            h.update(f"{key}\0{self.files[key].sha256}\n".encode())
        return h.hexdigest()


def content_type(key: str) -> str:
    name = posixpath.basename(key).lower()
    return CONTENT_TYPES.get(posixpath.splitext(name)[1], DEFAULT_CONTENT_TYPE)


def is_hashed(key: str) -> bool:
    """Whether the name carries a content hash (and so never changes content under the same name)."""
    if key.startswith(_UNHASHED_DIRS):
        return False
    name = posixpath.basename(key)
    if not _HASHED_RE.match(name):
        return False
    return bool(_BASE32_RE.search(name) or _HEX_RE.search(name))


def is_entry(key: str) -> bool:
    """Fetched by a fixed name: index.html (also each i18n folder's), the service worker's files, the manifest."""
    return posixpath.basename(key) in ENTRY_NAMES and not key.startswith(_UNHASHED_DIRS)


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _refuse(problem: str, fix: str) -> PreflightError:
    return PreflightError(f"{problem}. Fix: {fix}")


def scan_dist(dist: str) -> Scan:
    """Walk ``dist`` and describe every file; refuses what cannot be published as is."""
    given = dist
    if not dist:
        raise _refuse("no dist directory given", "-e dist=PATH, the folder holding the build's index.html (e.g. dist/app/browser)")
    root = os.path.realpath(os.path.expanduser(dist))
    if not os.path.exists(root):
        raise _refuse(f"dist directory {given} does not exist", "build the app (ng build) and pass -e dist=PATH to its output folder")
    if not os.path.isdir(root):
        raise _refuse(f"dist {given} is not a directory", "pass the build's output folder, the one holding index.html")
    files: dict[str, LocalFile] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames) + sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            if os.path.islink(full):
                raise _refuse(
                    f"dist {given} holds a symlink: {rel} -> {os.readlink(full)}",
                    "publish real files only; make the build copy the file instead of linking it",
                )
            real = os.path.realpath(full)
            if os.path.commonpath([root, real]) != root:
                raise _refuse(f"{rel} resolves outside dist {given}", "publish only files inside the build output")
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            key = os.path.relpath(full, root).replace(os.sep, "/")
            if not os.path.isfile(full):
                raise _refuse(f"dist {given} holds {key}, which is not a regular file", "remove it from the build output")
            if "\\" in key or any(ord(c) < 32 for c in key):
                raise _refuse(f"the file name {key!r} cannot be a URL path", "rename it in the build")
            if key.startswith(RESERVED_PREFIX):
                raise _refuse(f"{key} is under {RESERVED_PREFIX}, which Slipway keeps for release manifests", "rename that folder in the build")
            files[key] = LocalFile(
                key=key,
                path=full,
                size=os.path.getsize(full),
                sha256=sha256_file(full),
                content_type=content_type(key),
                hashed=is_hashed(key),
                entry=is_entry(key),
            )
    if not files:
        raise _refuse(f"dist directory {given} is empty", "build the app first (ng build), then pass its output folder as -e dist=PATH")
    if "index.html" not in files:
        nested = sorted(k for k in files if posixpath.basename(k) == "index.html")
        hint = f"; it holds {nested[0]}, so try -e dist={os.path.join(given, posixpath.dirname(nested[0]))}" if nested else ""
        raise _refuse(f"dist {given} has no index.html at its top{hint}", "pass the folder that holds the app's index.html (e.g. dist/app/browser)")
    return Scan(root=root, files=dict(sorted(files.items())))


def with_marker(scan: Scan, marker_name: str = "slipway-site") -> Scan:
    """The scan with ``<meta name=... content=DIGEST>`` added to index.html, so the edge check can recognise it.

    The marker is the digest of the site *without* the marker: an unchanged
    dist gets the same marker, so an unchanged site is still unchanged.
    """
    index = scan.files["index.html"]
    digest = scan.digest
    html = index.read()
    tag = f'<meta name="{marker_name}" content="{digest}">'.encode()
    pos = html.lower().find(b"</head>")
    body = html[:pos] + tag + html[pos:] if pos >= 0 else tag + html
    marked = LocalFile(
        key=index.key,
        path=index.path,
        size=len(body),
        sha256=hashlib.sha256(body).hexdigest(),
        content_type=index.content_type,
        hashed=False,
        entry=True,
        body=body,
    )
    return Scan(root=scan.root, files={**scan.files, "index.html": marked})
