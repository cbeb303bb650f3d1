# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The site bucket: the only part of the site package that calls S3."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.aws import Aws, call, paginate
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.site.plan import PREFIX, RELEASES_PREFIX, RemoteObject

# The object metadata key that carries a file's sha256 (x-amz-meta-sha256 on the wire).
SHA_META = "sha256"
_MISSING = ("NoSuchKey", "404", "NotFound")


def encode(body: bytes, encoding: str) -> bytes:
    """``body`` as stored: gzip (no timestamp, so the same file gives the same bytes) or brotli."""
    if not encoding:
        return body
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=9, mtime=0)
    if encoding == "br":
        try:
            import brotli  # pylint: disable=import-outside-toplevel
        except ImportError:
            raise PreflightError("precompress br needs the Python package brotli on the controller. Fix: pip install brotli, or precompress: gzip") from None
        return brotli.compress(body, quality=11)
    raise PreflightError(f"unknown content encoding {encoding!r}")


class SiteBucket:
    def __init__(self, aws: Aws, bucket: str) -> None:
        self.bucket = bucket
        self.s3 = aws.client("s3")

    def listing(self, prefix: str = "") -> dict[str, str]:
        """Every key under ``prefix`` with its ETag."""
        kwargs: dict[str, Any] = {"Bucket": self.bucket}
        if prefix:
            kwargs["Prefix"] = prefix
        return {o["Key"]: o.get("ETag", "").strip('"') for o in paginate(self.s3, "list_objects_v2", "Contents", **kwargs)}

    def site_listing(self) -> dict[str, str]:
        return {k: v for k, v in self.listing().items() if not k.startswith(PREFIX)}

    def manifest_ids(self) -> list[str]:
        ids = []
        for key in self.listing(RELEASES_PREFIX):
            rest = key[len(RELEASES_PREFIX) :]
            if "/" not in rest and rest.endswith(".json"):
                ids.append(rest[: -len(".json")])
        return sorted(ids)

    def get_json(self, key: str) -> dict[str, Any] | None:
        try:
            body = call(self.s3, "get_object", Bucket=self.bucket, Key=key)["Body"].read()
        except AwsError as exc:
            if exc.code in _MISSING:
                return None
            raise
        return json.loads(body)

    def put_json(self, key: str, data: dict[str, Any]) -> None:
        call(
            self.s3,
            "put_object",
            Bucket=self.bucket,
            Key=key,
            Body=json.dumps(data, indent=1, sort_keys=True).encode(),
            ContentType="application/json",
            CacheControl="no-store",
        )

    def head(self, key: str) -> RemoteObject | None:
        try:
            resp = call(self.s3, "head_object", Bucket=self.bucket, Key=key)
        except AwsError as exc:
            if exc.code in _MISSING:
                return None
            raise
        return RemoteObject(
            sha256=resp.get("Metadata", {}).get(SHA_META),
            content_type=resp.get("ContentType", ""),
            cache_control=resp.get("CacheControl", ""),
            etag=resp.get("ETag", "").strip('"'),
            content_encoding=resp.get("ContentEncoding", ""),
        )

    def put_file(self, key: str, body: bytes, sha256: str, content_type: str, cache_control: str, content_encoding: str = "") -> str:
        """Upload one file with how it is served and its sha256 (of the file, before any encoding); returns the ETag."""
        extra = {"ContentEncoding": content_encoding} if content_encoding else {}
        resp = call(
            self.s3,
            "put_object",
            Bucket=self.bucket,
            Key=key,
            Body=encode(body, content_encoding),
            ContentType=content_type,
            CacheControl=cache_control,
            Metadata={SHA_META: sha256},
            **extra,
        )
        return resp.get("ETag", "").strip('"')

    def copy(self, source: str, key: str) -> str:
        """Server-side copy with the source's Content-Type, Cache-Control and metadata; returns the ETag."""
        resp = call(self.s3, "copy_object", Bucket=self.bucket, Key=key, CopySource={"Bucket": self.bucket, "Key": source}, MetadataDirective="COPY")
        return resp.get("CopyObjectResult", {}).get("ETag", "").strip('"')

    def delete(self, keys: Iterable[str]) -> list[str]:
        """Delete keys in batches of 1,000; returns the ones S3 refused (with their errors)."""
        keys = list(keys)
        errors = []
        for i in range(0, len(keys), 1000):
            batch = keys[i : i + 1000]
            resp = call(self.s3, "delete_objects", Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
            errors += [f"{e.get('Key')}: {e.get('Code')}" for e in resp.get("Errors", [])]
        return errors
