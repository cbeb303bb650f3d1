"""Test doubles for the site package: a CloudFront that behaves as AWS documents it, an edge in front of the moto bucket."""

from __future__ import annotations

import datetime
import hashlib
import pathlib
from typing import Any

from botocore.exceptions import ClientError

SECURITY = {
    "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": "default-src 'self'",
}


def make_dist(root: pathlib.Path, files: dict[str, str | bytes]) -> str:
    for key, content in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(root)


def letter(version: str) -> str:
    """A base32 character for a small version number, so names stay hash-shaped."""
    return chr(ord("A") + int(version)) if version.isdigit() else version


def angular_files(version: str = "1", chunks: tuple[str, ...] = ("AAAA2222", "BBBB3333")) -> dict[str, str]:
    """An esbuild-shaped Angular build: hashed main/polyfills/styles/chunks, the shell, the service worker files, assets."""
    main = f"main-MAIN{letter(version)}XYZ.js"
    files = {
        main: f"console.log('main {version}')",
        "polyfills-POLY2345.js": "polyfills",
        "styles-STYL2345.css": "body{}",
        "favicon.ico": "ico",
        "assets/logo.png": "png",
        "assets/i18n/en.json": '{"hello": "Hello"}',
        "ngsw.json": f'{{"version": "{version}"}}',
        "ngsw-worker.js": "worker",
        "manifest.webmanifest": "{}",
    }
    for c in chunks:
        files[f"chunk-{c}.js"] = f"chunk {c}"
    files["index.html"] = f'<html><head><script src="{main}"></script></head><body>v{version}</body></html>'
    return files


class FakeCloudFront:
    """CreateInvalidation is idempotent per CallerReference; ListInvalidations is newest first; completion after ``polls`` reads."""

    def __init__(self, polls: int = 1, too_many: int = 0, clock=None) -> None:
        self.polls = polls
        self.too_many = too_many
        self.compress = True
        self.clock = clock or (lambda: datetime.datetime.now(datetime.UTC))
        self.items: list[dict[str, Any]] = []  # oldest first
        self.created = 0
        self.reads: dict[str, int] = {}

    def _error(self, code: str, op: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": code}}, op)

    def add(self, paths: list[str], created: datetime.datetime, status: str = "Completed") -> dict[str, Any]:
        inv = {
            "Id": f"I{len(self.items):05d}",
            "Status": status,
            "CreateTime": created,
            "InvalidationBatch": {"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": f"old-{len(self.items)}"},
        }
        self.items.append(inv)
        return inv

    def create_invalidation(self, **kw: Any) -> dict[str, Any]:
        batch = kw["InvalidationBatch"]
        if self.too_many:
            self.too_many -= 1
            raise self._error("TooManyInvalidationsInProgress", "CreateInvalidation")
        ref = batch["CallerReference"]
        for inv in self.items:
            if inv["InvalidationBatch"]["CallerReference"] == ref:
                if inv["InvalidationBatch"]["Paths"]["Items"] != batch["Paths"]["Items"]:
                    raise self._error("InvalidationBatchAlreadyExists", "CreateInvalidation")
                return {"Invalidation": inv}
        self.created += 1
        inv = {"Id": f"I{len(self.items):05d}", "Status": "InProgress", "CreateTime": self.clock(), "InvalidationBatch": batch}
        self.items.append(inv)
        return {"Invalidation": inv}

    def get_distribution_config(self, **kw: Any) -> dict[str, Any]:
        return {"DistributionConfig": {"DefaultCacheBehavior": {"TargetOriginId": "s3", "Compress": self.compress}}, "ETag": "E1"}

    def get_invalidation(self, **kw: Any) -> dict[str, Any]:
        inv = next((i for i in self.items if i["Id"] == kw["Id"]), None)
        if inv is None:
            raise self._error("NoSuchInvalidation", "GetInvalidation")
        self.reads[inv["Id"]] = self.reads.get(inv["Id"], 0) + 1
        if self.reads[inv["Id"]] >= self.polls:
            inv["Status"] = "Completed"
        return {"Invalidation": inv}

    def list_invalidations(self, **kw: Any) -> dict[str, Any]:
        marker, size = kw.get("Marker", ""), int(kw.get("MaxItems", "100"))
        newest = list(reversed(self.items))
        start = next((n + 1 for n, i in enumerate(newest) if i["Id"] == marker), 0) if marker else 0
        page = newest[start : start + size]
        more = start + size < len(newest)
        self.pages = getattr(self, "pages", 0) + 1
        return {
            "InvalidationList": {
                "Items": [{"Id": i["Id"], "CreateTime": i["CreateTime"], "Status": i["Status"]} for i in page],
                "IsTruncated": more,
                "NextMarker": page[-1]["Id"] if more else "",
                "Quantity": len(page),
            }
        }


class FakeEdge:
    """Serves the moto bucket as the edge would: the object's bytes and Cache-Control plus the response-headers policy."""

    def __init__(self, s3: Any, bucket: str, headers: dict[str, str] | None = None) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.headers = SECURITY if headers is None else headers
        self.stale: bytes | None = None  # when set, / answers this instead (a cache that was not invalidated)
        self.requests: list[str] = []

    def __call__(self, url: str) -> tuple[int, dict[str, str], bytes]:
        path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
        self.requests.append(path)
        key = "index.html" if path in ("/", "") else path.lstrip("/")
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError:
            return 404, dict(self.headers), b""
        body = obj["Body"].read()
        if key == "index.html" and self.stale is not None:
            body = self.stale
        headers = {**self.headers, "cache-control": obj.get("CacheControl", "")}
        if obj.get("ContentEncoding"):
            headers["content-encoding"] = obj["ContentEncoding"]
        return 200, headers, body


def sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()
