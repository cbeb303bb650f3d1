"""Forward integration events from the Slipway EventBridge bus to a queue.

EventBridge invokes the function asynchronously with one event. The event is
checked (envelope fields, allowed source, detail object and size) and sent to
``TARGET_QUEUE_URL`` as a compact JSON message with the source and detail type
as message attributes, so consumers can filter without parsing the body.

An invalid event raises ``InvalidEventError``: Lambda retries the asynchronous
invocation and then puts the event on the function's dead-letter queue, where
it can be inspected instead of silently disappearing.

Environment:
    TARGET_QUEUE_URL  queue to forward to (required)
    ALLOWED_SOURCES   comma-separated source prefixes accepted (default: any)
    MAX_DETAIL_BYTES  largest accepted serialised detail (default 200000;
                      SQS takes 262144 bytes per message in all)
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

LOG = logging.getLogger()
LOG.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

REQUIRED_FIELDS = ("id", "detail-type", "source", "account", "time", "region", "detail")
DEFAULT_MAX_DETAIL_BYTES = 200_000

_sqs = None


class InvalidEventError(ValueError):
    """The event cannot be forwarded; retrying will not help."""


def _client():
    global _sqs  # one client per execution environment
    if _sqs is None:
        _sqs = boto3.client("sqs")
    return _sqs


def _allowed_sources() -> list[str]:
    raw = os.environ.get("ALLOWED_SOURCES", "")
    return [prefix.strip() for prefix in raw.split(",") if prefix.strip()]


def validate(event: Any) -> dict[str, Any]:
    """Return the event if it is a forwardable EventBridge event, else raise InvalidEventError."""
    if not isinstance(event, dict):
        raise InvalidEventError(f"event must be an object, got {type(event).__name__}")
    missing = [field for field in REQUIRED_FIELDS if field not in event]
    if missing:
        raise InvalidEventError(f"event lacks {', '.join(missing)}")
    for field in ("id", "detail-type", "source"):
        if not isinstance(event[field], str) or not event[field].strip():
            raise InvalidEventError(f"{field} must be a non-empty string")
    prefixes = _allowed_sources()
    if prefixes and not any(event["source"].startswith(prefix) for prefix in prefixes):
        raise InvalidEventError(f"source {event['source']!r} is not one of {prefixes}")
    if not isinstance(event["detail"], dict):
        raise InvalidEventError("detail must be an object")
    limit = int(os.environ.get("MAX_DETAIL_BYTES", DEFAULT_MAX_DETAIL_BYTES))
    size = len(json.dumps(event["detail"], separators=(",", ":")).encode())
    if size > limit:
        raise InvalidEventError(f"detail is {size} bytes, more than {limit}")
    return event


def to_message(event: dict[str, Any]) -> dict[str, Any]:
    """The SendMessage arguments (without QueueUrl) for a validated event."""
    body = {
        "id": event["id"],
        "source": event["source"],
        "detail_type": event["detail-type"],
        "time": event["time"],
        "account": event["account"],
        "region": event["region"],
        "detail": event["detail"],
    }
    return {
        "MessageBody": json.dumps(body, separators=(",", ":"), sort_keys=True),
        "MessageAttributes": {
            "source": {"DataType": "String", "StringValue": event["source"]},
            "detail_type": {"DataType": "String", "StringValue": event["detail-type"]},
            "event_id": {"DataType": "String", "StringValue": event["id"]},
        },
    }


def handler(event: Any, context: Any) -> dict[str, Any]:
    queue_url = os.environ.get("TARGET_QUEUE_URL")
    if not queue_url:
        # A configuration error: let it fail loudly rather than drop events.
        raise RuntimeError("TARGET_QUEUE_URL is not set")
    try:
        validated = validate(event)
    except InvalidEventError as exc:
        event_id = event.get("id") if isinstance(event, dict) else None
        LOG.error("rejecting event %s: %s", event_id, exc)
        raise
    response = _client().send_message(QueueUrl=queue_url, **to_message(validated))
    LOG.info("forwarded event %s (%s/%s) as message %s", validated["id"], validated["source"], validated["detail-type"], response["MessageId"])
    return {"forwarded": True, "event_id": validated["id"], "message_id": response["MessageId"]}
