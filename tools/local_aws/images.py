"""Image manifests that carry the behaviour of an emulated container image."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

A_BEHAVIOUR = "dev.slipway.behaviour"
A_ERROR_RATE = "dev.slipway.error-rate"
A_LATENCY = "dev.slipway.latency-ms"
A_VERSION = "org.opencontainers.image.version"

BEHAVIOURS = ("healthy", "unhealthy", "crash")
TAG_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
SERVICE_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")


@dataclass(frozen=True)
class Behaviour:
    kind: str = "healthy"  # healthy | unhealthy | crash
    error_rate: float = 0.0
    latency_ms: int = 0
    version: str = ""

    def label(self) -> str:
        parts = [self.kind]
        if self.error_rate:
            parts.append(f"error-rate={self.error_rate:g}")
        if self.latency_ms:
            parts.append(f"latency-ms={self.latency_ms}")
        return ",".join(parts)


def _sha(data: str | bytes) -> str:
    if isinstance(data, str):
        data = data.encode()
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build_manifest(service: str, tag: str, behaviour: Behaviour) -> str:
    """An OCI image manifest whose annotations declare the behaviour.

    The layer digest derives from service, tag and behaviour, so the same tag
    pushed with another behaviour is a different image."""
    seed = f"{service}:{tag}:{behaviour.label()}"
    config_blob = json.dumps(
        {"architecture": "amd64", "os": "linux", "config": {"Labels": {A_VERSION: tag}}},
        sort_keys=True,
    )
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": OCI_CONFIG,
            "digest": _sha(config_blob + seed),
            "size": len(config_blob),
        },
        "layers": [
            {
                "mediaType": OCI_LAYER,
                "digest": _sha("layer:" + seed),
                "size": 1024 + len(seed),
            }
        ],
        "annotations": {
            A_BEHAVIOUR: behaviour.kind,
            A_ERROR_RATE: f"{behaviour.error_rate:g}",
            A_LATENCY: str(behaviour.latency_ms),
            A_VERSION: tag,
        },
    }
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"))


def manifest_digest(manifest: str) -> str:
    return _sha(manifest)


def behaviour_from_manifest(manifest: str, fallback_version: str = "") -> Behaviour:
    """Read the behaviour annotations; anything missing means a healthy image."""
    try:
        ann = json.loads(manifest).get("annotations") or {}
    except (ValueError, AttributeError):
        ann = {}
    kind = ann.get(A_BEHAVIOUR, "healthy")
    if kind not in BEHAVIOURS:
        kind = "healthy"
    try:
        rate = min(1.0, max(0.0, float(ann.get(A_ERROR_RATE, 0) or 0)))
    except ValueError:
        rate = 0.0
    try:
        latency = max(0, int(float(ann.get(A_LATENCY, 0) or 0)))
    except ValueError:
        latency = 0
    return Behaviour(kind, rate, latency, ann.get(A_VERSION) or fallback_version)


@dataclass(frozen=True)
class ImageRef:
    registry: str
    repository: str
    tag: str | None
    digest: str | None

    def __str__(self) -> str:
        base = f"{self.registry}/{self.repository}" if self.registry else self.repository
        if self.digest:
            return f"{base}@{self.digest}"
        return f"{base}:{self.tag or 'latest'}"


def parse_image(image: str) -> ImageRef:
    """Split `[registry/]repo[:tag][@digest]`."""
    rest = image.strip()
    digest = None
    if "@" in rest:
        rest, digest = rest.split("@", 1)
    registry = ""
    first, sep, remainder = rest.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    tag = None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        rest, tag = rest[:colon], rest[colon + 1 :]
    if not tag and not digest:
        tag = "latest"
    return ImageRef(registry, rest, tag, digest)


def is_emulated_ecr(registry: str, account: str, region: str) -> bool:
    return registry == f"{account}.dkr.ecr.{region}.amazonaws.com"
