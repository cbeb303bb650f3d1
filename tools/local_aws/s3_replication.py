"""S3 replication (SRR/CRR), asynchronous, with a lag (see docs/emulator.md, "S3 replication").

moto 5.2.1 stores a bucket's replication configuration and replicates nothing. This plane does what the S3 User
Guide ("Replicating objects within and across Regions") describes, for live replication:

* ``PutBucketReplication``: versioning must be Enabled on the source (moto checks that) and on each destination,
  which must exist (``InvalidRequest``, as AWS answers); a rule with a ``Filter`` must say
  ``DeleteMarkerReplication``; a tag filter excludes delete-marker replication. The configuration is kept as given
  and ``GetBucketReplication`` answers it (moto answers every rule with an empty filter and delete-marker
  replication off). A bucket with a configuration cannot leave versioning Enabled (``InvalidBucketState``).
* A new object version in a source bucket (PutObject, CopyObject, CompleteMultipartUpload, POST upload) that an
  Enabled rule covers (prefix, tags, ``Filter.And``; for SSE-KMS objects only when
  ``SourceSelectionCriteria.SseKmsEncryptedObjects`` is Enabled) is ``PENDING`` at once
  (``x-amz-replication-status`` on HeadObject/GetObject), and is queued. Per destination bucket, the rule with the
  highest ``Priority`` among the matching ones applies. Objects written before the configuration have no status
  and are never replicated (AWS: S3 Batch Replication); replicas are not replicated again.
* After the lag (``SLIPWAY_S3_REPLICATION_LAG`` seconds, default 1) the worker copies the version to each
  destination: same key, same version id, content, ETag, checksum, metadata, content type, tags, last-modified;
  storage class ``Destination.StorageClass`` or the source's; status ``REPLICA``. The source becomes
  ``COMPLETED`` -- or ``FAILED`` (never retried, as in AWS) when a destination is missing or not versioned or the
  rule's IAM role does not exist.
* A delete without a version id on the source (a delete marker) is replicated when the rule has
  ``DeleteMarkerReplication`` Enabled; deleting a version is never replicated.
* ``GET /_slipway/s3/replication`` (uncounted): ``paused``, ``lag_seconds``, ``pending`` (queue length),
  ``oldest_pending_age_seconds``, the queue itself and the counts replicated / failed.
  ``POST`` with ``{"paused": true|false}`` and/or ``{"lag_seconds": N}`` changes them (a paused queue keeps
  growing, as replication that is broken without failing does: the objects stay PENDING).
"""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from typing import Any

from .routes import json_answer, mount, read_json

LOG = logging.getLogger("local_aws.s3_replication")
PATH = "/_slipway/s3/replication"
PENDING, COMPLETED, FAILED, REPLICA = "PENDING", "COMPLETED", "FAILED", "REPLICA"
_INSTALLED = False


def _lag_from_env() -> float:
    raw = os.environ.get("SLIPWAY_S3_REPLICATION_LAG", "1")
    try:
        value = float(raw)
    except ValueError:
        LOG.warning("SLIPWAY_S3_REPLICATION_LAG=%r is not a number of seconds; using 1", raw)
        return 1.0
    return max(0.0, value)


class Queue:
    """The replication queue: entries due ``lag`` seconds after they were queued, worked FIFO by one thread."""

    def __init__(self, lag: float) -> None:
        self.lock = threading.Lock()
        self.lag = lag
        self.paused = False
        self.entries: list[dict[str, Any]] = []
        self.replicated = 0
        self.failed = 0
        self.wake = threading.Event()

    def add(self, entry: dict[str, Any]) -> None:
        entry["queued_at"] = time.time()
        with self.lock:
            self.entries.append(entry)
        self.wake.set()

    def due(self) -> list[dict[str, Any]]:
        now = time.time()
        with self.lock:
            if self.paused:
                return []
            ready = [e for e in self.entries if now - e["queued_at"] >= self.lag]
            self.entries = [e for e in self.entries if now - e["queued_at"] < self.lag]
        return ready

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.replicated = self.failed = 0

    def report(self) -> dict[str, Any]:
        now = time.time()
        with self.lock:
            ages = [now - e["queued_at"] for e in self.entries]
            queue = [
                {
                    "kind": e["kind"],
                    "bucket": e["bucket"],
                    "key": e["key"],
                    "version_id": e["version_id"],
                    "destinations": [d["bucket"] for d in e["destinations"]],
                    "rules": [d["rule"] for d in e["destinations"]],
                    "age_seconds": round(now - e["queued_at"], 3),
                }
                for e in self.entries
            ]
            return {
                "paused": self.paused,
                "lag_seconds": self.lag,
                "pending": len(self.entries),
                "oldest_pending_age_seconds": round(max(ages), 3) if ages else None,
                "replicated": self.replicated,
                "failed": self.failed,
                "queue": queue,
            }


QUEUE = Queue(_lag_from_env())
# Per request thread: the object versions created by the request (judged once its tags and metadata are set),
# and whether the worker itself is writing (a replica is never judged).
_LOCAL = threading.local()


# ------------------------------------------------------------------ the configuration
def _s3_error(code: str, message: str) -> Exception:
    from moto.s3.exceptions import S3ClientError

    return S3ClientError(code, message)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _tags(value: Any) -> list[dict[str, str]]:
    return [{"Key": str(t.get("Key") or ""), "Value": str(t.get("Value") or "")} for t in _as_list(value) if isinstance(t, dict)]


def normalize_rule(raw: dict[str, Any]) -> dict[str, Any]:
    """One rule of the XML body (xmltodict) in the API's shape (what GetBucketReplication answers)."""
    rule: dict[str, Any] = {"ID": raw.get("ID"), "Status": raw.get("Status") or "Disabled"}
    try:
        rule["Priority"] = int(raw.get("Priority") or 0)
    except (TypeError, ValueError) as exc:
        raise _s3_error("MalformedXML", f"Priority {raw.get('Priority')!r} is not an integer") from exc
    if "Filter" in raw:
        flt = raw.get("Filter") or {}
        out: dict[str, Any] = {}
        if isinstance(flt, dict):
            if "And" in flt:
                both = flt.get("And") or {}
                out["And"] = {"Prefix": both.get("Prefix") or "", "Tags": _tags(both.get("Tag"))}
            elif "Tag" in flt:
                out["Tag"] = _tags(flt.get("Tag"))[0]
            elif "Prefix" in flt:
                out["Prefix"] = flt.get("Prefix") or ""
        rule["Filter"] = out
    else:
        rule["Prefix"] = raw.get("Prefix") or ""
    dest = raw.get("Destination") or {}
    rule["Destination"] = {k: v for k, v in dest.items() if v is not None}
    for name in ("DeleteMarkerReplication", "SourceSelectionCriteria", "ExistingObjectReplication"):
        if raw.get(name) is not None:
            rule[name] = raw[name]
    return rule


def rule_prefix_and_tags(rule: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
    if "Filter" not in rule:
        return rule.get("Prefix") or "", []
    flt = rule["Filter"]
    if "And" in flt:
        return flt["And"].get("Prefix") or "", flt["And"].get("Tags") or []
    if "Tag" in flt:
        return "", [flt["Tag"]]
    return flt.get("Prefix") or "", []


def dest_bucket_name(rule: dict[str, Any]) -> str:
    arn = str((rule.get("Destination") or {}).get("Bucket") or "")
    return arn.split(":::", 1)[1] if arn.startswith("arn:") and ":::" in arn else arn


def validate(backend: Any, rules: list[dict[str, Any]]) -> None:
    """What AWS refuses in a PutBucketReplication body (InvalidRequest / MalformedXML), before it is stored."""
    from moto.s3.exceptions import MissingBucket

    if not rules:
        raise _s3_error("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
    seen = set()
    for rule in rules:
        arn = str((rule.get("Destination") or {}).get("Bucket") or "")
        if not arn.startswith("arn:aws") or ":::" not in arn:
            raise _s3_error("InvalidArgument", f"Invalid Destination Bucket ARN: {arn!r}")
        if "Filter" in rule and not rule.get("DeleteMarkerReplication"):
            raise _s3_error("InvalidRequest", "DeleteMarkerReplication must be specified for this version of Cross Region Replication configuration schema.")
        tags = rule_prefix_and_tags(rule)[1]
        if tags and (rule.get("DeleteMarkerReplication") or {}).get("Status") == "Enabled":
            raise _s3_error("InvalidRequest", "Delete marker replication is not supported if any Tag filter is specified.")
        if rule["Status"] not in ("Enabled", "Disabled"):
            raise _s3_error("MalformedXML", f"Status must be Enabled or Disabled, got {rule['Status']!r}")
        if rule.get("ID") in seen:
            raise _s3_error("InvalidArgument", f"Rule Id must be unique. Found same ID for more than one rule: {rule['ID']}")
        seen.add(rule.get("ID"))
        try:
            dest = backend.get_bucket(dest_bucket_name(rule))
        except MissingBucket:
            raise _s3_error("InvalidRequest", "Destination bucket must exist.") from None
        if not dest.is_versioned:
            raise _s3_error("InvalidRequest", "Destination bucket must have versioning enabled.")


def _config(bucket: Any) -> dict[str, Any] | None:
    return getattr(bucket, "slipway_replication", None) if getattr(bucket, "replication", None) else None


def _tags_of(backend: Any, key: Any) -> list[dict[str, str]]:
    return list(backend.tagger.list_tags_for_resource(key.arn).get("Tags", []))


def _assign(backend: Any, bucket: Any, key: Any, delete_marker: bool = False) -> list[dict[str, Any]]:
    """The destinations a new version in ``bucket`` goes to: per destination, the highest-priority matching rule."""
    config = _config(bucket)
    if not config:
        return []
    tags = None if delete_marker else {t["Key"]: t["Value"] for t in _tags_of(backend, key)}
    best: dict[str, dict[str, Any]] = {}
    for rule in config["Rules"]:
        if rule["Status"] != "Enabled":
            continue
        prefix, want = rule_prefix_and_tags(rule)
        if not key.name.startswith(prefix):
            continue
        if delete_marker:
            if want or (rule.get("DeleteMarkerReplication") or {}).get("Status") != "Enabled":
                continue
        else:
            if any(tags.get(t["Key"]) != t["Value"] for t in want):
                continue
            kms = ((rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects") or {}).get("Status")
            if getattr(key, "encryption", None) == "aws:kms" and kms != "Enabled":
                continue
        dest = dest_bucket_name(rule)
        if dest not in best or rule["Priority"] > best[dest]["Priority"]:
            best[dest] = rule
    return [
        {"bucket": dest, "rule": rule.get("ID"), "storage_class": (rule.get("Destination") or {}).get("StorageClass"), "role": config.get("Role")}
        for dest, rule in best.items()
    ]


def judge(backend: Any, bucket_name: str, key: Any) -> None:
    """A new version of ``bucket_name``: PENDING and queued when a rule covers it."""
    if getattr(key, "slipway_replication_status", None) == REPLICA:
        return
    try:
        bucket = backend.get_bucket(bucket_name)
    except Exception:  # noqa: BLE001  the bucket went away
        return
    destinations = _assign(backend, bucket, key)
    if not destinations:
        return
    key.slipway_replication_status = PENDING
    key.slipway_replication_destinations = {d["bucket"]: PENDING for d in destinations}
    QUEUE.add(
        {
            "kind": "object",
            "account": backend.account_id,
            "partition": key.partition,
            "bucket": bucket_name,
            "key": key.name,
            "version_id": key.version_id,
            "ref": key,
            "destinations": destinations,
        }
    )


# ------------------------------------------------------------------ the worker
def _backend(account: str, partition: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account][partition]


def _role_exists(account: str, partition: str, role_arn: str | None) -> bool:
    from moto.iam.models import iam_backends

    if not role_arn:
        return False
    try:
        iam_backends[account][partition].get_role(role_arn.rsplit("/", 1)[-1])
    except Exception:  # noqa: BLE001  NoSuchEntity
        return False
    return True


def _still_there(bucket: Any, name: str, ref: Any) -> bool:
    return any(v is ref for v in bucket.keys.getlist(name, []))


def _replicate_object(entry: dict[str, Any]) -> None:
    from moto.s3.exceptions import MissingBucket

    backend = _backend(entry["account"], entry["partition"])
    src = entry["ref"]
    try:
        source_bucket = backend.get_bucket(entry["bucket"])
    except MissingBucket:
        return
    if not _still_there(source_bucket, entry["key"], src):
        return  # the version was deleted before it was replicated: nothing to copy (as in AWS)
    statuses = src.slipway_replication_destinations
    for dest in entry["destinations"]:
        reason = None
        try:
            target = backend.get_bucket(dest["bucket"])
        except MissingBucket:
            target, reason = None, f"destination bucket {dest['bucket']} does not exist"
        if target is not None and not target.is_versioned:
            reason = f"destination bucket {dest['bucket']} is not versioned"
        if reason is None and not _role_exists(entry["account"], entry["partition"], dest.get("role")):
            reason = f"the replication role {dest.get('role')} does not exist"
        if reason is not None:
            LOG.warning("replication of s3://%s/%s (%s) FAILED: %s", entry["bucket"], entry["key"], entry["version_id"], reason)
            statuses[dest["bucket"]] = FAILED
            continue
        _write_replica(backend, src, target, dest.get("storage_class"))
        statuses[dest["bucket"]] = COMPLETED
    if FAILED in statuses.values():
        src.slipway_replication_status = FAILED
        QUEUE.failed += 1
    else:
        src.slipway_replication_status = COMPLETED
        QUEUE.replicated += 1


def _write_replica(backend: Any, src: Any, target: Any, storage_class: str | None) -> None:
    _LOCAL.replicating = True
    try:
        replica = backend.put_object(
            target.name,
            src.name,
            src.value,
            storage=storage_class or src.storage_class,
            etag=src.etag.strip('"'),
            multipart=src.multipart,
            encryption=src.encryption,
            kms_key_id=src.kms_key_id,
            bucket_key_enabled=src.bucket_key_enabled,
            checksum_value=src.checksum_value,
            disable_notification=True,
        )
    finally:
        _LOCAL.replicating = False
    replica._version_id = src.version_id  # AWS keeps the version id in the replica
    replica.last_modified = src.last_modified
    replica.set_metadata(dict(src.metadata), replace=True)
    replica.checksum_algorithm = src.checksum_algorithm
    replica.checksum_type = src.checksum_type
    replica.checksum_parts = src.checksum_parts
    replica.website_redirect_location = src.website_redirect_location
    replica.slipway_replication_status = REPLICA
    tags = _tags_of(backend, src)
    if tags:
        backend.tagger.tag_resource(replica.arn, tags)


def _replicate_delete_marker(entry: dict[str, Any]) -> None:
    from moto.s3.exceptions import MissingBucket
    from moto.s3.models import FakeDeleteMarker

    backend = _backend(entry["account"], entry["partition"])
    marker = entry["ref"]
    for dest in entry["destinations"]:
        try:
            target = backend.get_bucket(dest["bucket"])
        except MissingBucket:
            continue
        if not target.is_versioned:
            continue
        versions = target.keys.getlist(entry["key"], [])
        replica = FakeDeleteMarker(key=versions[-1] if versions else marker.key)
        replica._version_id = marker.version_id
        replica.last_modified = marker.last_modified
        target.keys.setlist(entry["key"], [*versions, replica])
    QUEUE.replicated += 1


def work_once() -> int:
    done = 0
    for entry in QUEUE.due():
        try:
            if entry["kind"] == "object":
                _replicate_object(entry)
            else:
                _replicate_delete_marker(entry)
        except Exception:
            LOG.exception("replication of s3://%s/%s failed", entry["bucket"], entry["key"])
        done += 1
    return done


def _loop() -> None:
    while True:
        QUEUE.wake.wait(0.1)
        QUEUE.wake.clear()
        try:
            work_once()
        except Exception:
            LOG.exception("replication worker tick failed")


# ------------------------------------------------------------------ the control endpoint
def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "GET":
        return json_answer(start_response, "200 OK", QUEUE.report())
    if method != "POST":
        return json_answer(start_response, "405 Method Not Allowed", {"error": f"use GET or POST {PATH}"})
    try:
        body = read_json(environ)
        if not isinstance(body, dict) or not ({"paused", "lag_seconds"} & set(body)):
            raise ValueError('give "paused" (true/false) and/or "lag_seconds" (a number >= 0), e.g. {"paused": true}')
        unknown = sorted(set(body) - {"paused", "lag_seconds"})
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; allowed: paused, lag_seconds")
        if "paused" in body and not isinstance(body["paused"], bool):
            raise ValueError(f"paused must be true or false, got {body['paused']!r}")
        lag = body.get("lag_seconds")
        if "lag_seconds" in body and (isinstance(lag, bool) or not isinstance(lag, int | float) or not 0 <= lag <= 86400):
            raise ValueError(f"lag_seconds must be a number of seconds in [0, 86400], got {lag!r}")
    except ValueError as exc:
        return json_answer(start_response, "400 Bad Request", {"error": str(exc)})
    with QUEUE.lock:
        if "paused" in body:
            QUEUE.paused = body["paused"]
        if "lag_seconds" in body:
            QUEUE.lag = float(lag)
    QUEUE.wake.set()
    LOG.info("replication control: %s", body)
    return json_answer(start_response, "200 OK", QUEUE.report())


# ------------------------------------------------------------------ installing the patches
def install() -> None:
    """Patch moto's S3 (class level, once), start the worker and mount the control endpoint."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.core.responses import ActionResult
    from moto.moto_api._internal.models import MotoAPIBackend
    from moto.s3.models import FakeKey, S3Backend
    from moto.s3.responses import S3Response

    orig_put_repl = S3Backend.put_bucket_replication

    @functools.wraps(orig_put_repl)
    def put_bucket_replication(self: Any, bucket_name: str, replication: dict[str, Any]) -> None:
        rules = [normalize_rule(r) for r in _as_list(replication.get("Rule")) if isinstance(r, dict)]
        validate(self, rules)
        orig_put_repl(self, bucket_name, replication)
        stored = replication["Rule"]  # moto gave each rule an ID (random) when it had none
        for rule, raw in zip(rules, stored, strict=False):
            rule["ID"] = raw["ID"]
            if "Filter" in rule or raw.get("Priority") is not None:
                rule["Priority"] = int(raw["Priority"])
        self.get_bucket(bucket_name).slipway_replication = {"Role": replication.get("Role"), "Rules": rules}

    S3Backend.put_bucket_replication = put_bucket_replication  # type: ignore[method-assign]

    orig_del_repl = S3Backend.delete_bucket_replication

    @functools.wraps(orig_del_repl)
    def delete_bucket_replication(self: Any, bucket_name: str) -> None:
        orig_del_repl(self, bucket_name)
        self.get_bucket(bucket_name).slipway_replication = None

    S3Backend.delete_bucket_replication = delete_bucket_replication  # type: ignore[method-assign]

    def get_bucket_replication(self: Any) -> Any:
        self.data["Action"] = "GetBucketReplication"
        bucket = self.backend.get_bucket(self.bucket_name)
        config = _config(bucket)
        if not config:
            from moto.s3.exceptions import ReplicationConfigurationNotFoundError

            raise ReplicationConfigurationNotFoundError(bucket_name=self.bucket_name)
        return self.serialized(ActionResult({"ReplicationConfiguration": config}))

    S3Response.get_bucket_replication = get_bucket_replication  # type: ignore[method-assign]

    orig_versioning = S3Backend.put_bucket_versioning

    @functools.wraps(orig_versioning)
    def put_bucket_versioning(self: Any, bucket_name: str, status: str) -> None:
        if status != "Enabled" and _config(self.get_bucket(bucket_name)):
            raise _s3_error("InvalidBucketState", "A replication configuration is present on this bucket, so the versioning state cannot be changed.")
        orig_versioning(self, bucket_name, status)

    S3Backend.put_bucket_versioning = put_bucket_versioning  # type: ignore[method-assign]

    orig_put_object = S3Backend.put_object

    @functools.wraps(orig_put_object)
    def put_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        key = orig_put_object(self, bucket_name, key_name, *args, **kwargs)
        if getattr(_LOCAL, "replicating", False) or not _config(self.get_bucket(bucket_name)):
            return key
        if getattr(_LOCAL, "depth", 0) > 0:
            _LOCAL.created.append((self, bucket_name, key))  # judged when the request has set its tags and metadata
        else:
            judge(self, bucket_name, key)
        return key

    S3Backend.put_object = put_object  # type: ignore[method-assign]

    orig_marker = S3Backend._set_delete_marker

    @functools.wraps(orig_marker)
    def set_delete_marker(self: Any, bucket_name: str, key_name: str) -> Any:
        marker = orig_marker(self, bucket_name, key_name)
        bucket = self.get_bucket(bucket_name)
        if not getattr(_LOCAL, "replicating", False) and _config(bucket):
            destinations = _assign(self, bucket, marker, delete_marker=True)
            if destinations:
                QUEUE.add(
                    {
                        "kind": "delete_marker",
                        "account": self.account_id,
                        "partition": bucket.partition,
                        "bucket": bucket_name,
                        "key": key_name,
                        "version_id": marker.version_id,
                        "ref": marker,
                        "destinations": destinations,
                    }
                )
        return marker

    S3Backend._set_delete_marker = set_delete_marker  # type: ignore[method-assign]

    def request_scope(orig: Any) -> Any:
        @functools.wraps(orig)
        def entry(self: Any, *args: Any, **kwargs: Any) -> Any:
            outer = getattr(_LOCAL, "depth", 0) == 0
            if outer:
                _LOCAL.created = []
            _LOCAL.depth = getattr(_LOCAL, "depth", 0) + 1
            try:
                return orig(self, *args, **kwargs)
            finally:
                _LOCAL.depth -= 1
                if outer:
                    created, _LOCAL.created = _LOCAL.created, []
                    for backend, bucket_name, key in created:
                        try:
                            judge(backend, bucket_name, key)
                        except Exception:
                            LOG.exception("judging s3://%s/%s for replication failed", bucket_name, key.name)

        return entry

    S3Response.key_response = request_scope(S3Response.key_response)  # type: ignore[method-assign]
    S3Response.bucket_response = request_scope(S3Response.bucket_response)  # type: ignore[method-assign]

    orig_response_dict = FakeKey.response_dict.fget

    def response_dict(self: Any) -> dict[str, Any]:
        res = orig_response_dict(self)
        status = getattr(self, "slipway_replication_status", None)
        if status:
            res["x-amz-replication-status"] = status
        return res

    FakeKey.response_dict = property(response_dict)  # type: ignore[method-assign,assignment]

    orig_reset = MotoAPIBackend.reset

    @functools.wraps(orig_reset)
    def reset(self: Any) -> None:
        orig_reset(self)
        QUEUE.clear()

    MotoAPIBackend.reset = reset  # type: ignore[method-assign]

    threading.Thread(target=_loop, name="s3-replication", daemon=True).start()
    mount(PATH, answer)
    LOG.info("S3 replication: lag %ss", QUEUE.lag)
