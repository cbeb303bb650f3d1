"""A test-only clock for stopped EC2 instances (see docs/emulator.md, "EC2 instance stop times").

AWS says when a user stopped an instance in its ``StateTransitionReason``
(``User initiated (2025-01-31 09:15:00 GMT)``); moto writes the same at the moment of
``StopInstances`` (spelled ``UTC``). Nothing can make a stop old without waiting, and
Security Hub EC2.4 (instances stopped longer than 30 days) needs one.
``POST /_slipway/ec2/instance-stop-dates`` (uncounted) moves the recorded stop of one
**stopped** instance into the past: body ``{"instance_id": "i-…", "back_days": N}``
(0 < N <= 36500); it answers the instance's state and new reason.
``GET /_slipway/ec2/instance-stop-dates?instance_id=…`` answers them. The instance is
looked up in every account and region of moto's EC2; an unknown one is 404, one that is
not stopped (or whose reason carries no time) is 409. ``DescribeInstances`` then answers
the moved time, as moto reads its own.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from typing import Any

from .routes import json_answer, mount, read_json

PATH = "/_slipway/ec2/instance-stop-dates"
_STOPPED_AT = re.compile(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (GMT|UTC)\)")
_INSTALLED = False


def _find(instance_id: str) -> Any:
    from moto.ec2.models import ec2_backends

    for account in list(ec2_backends.values()):
        for backend in list(account.values()):
            for reservation in list(backend.reservations.values()):
                for instance in reservation.instances:
                    if instance.id == instance_id:
                        return instance
    return None


def _describe(instance: Any) -> dict[str, Any]:
    return {"instance_id": instance.id, "state": instance._state.name, "state_transition_reason": instance._reason}


def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if method == "GET":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            body: Any = {"instance_id": (query.get("instance_id") or [""])[0]}
        elif method == "POST":
            body = read_json(environ)
        else:
            return json_answer(start_response, "405 Method Not Allowed", {"error": f"use GET or POST {PATH}"})
        if not isinstance(body, dict) or not body.get("instance_id"):
            raise ValueError('give instance_id, e.g. {"instance_id": "i-...", "back_days": 40}')
        instance = _find(str(body["instance_id"]))
        if instance is None:
            return json_answer(start_response, "404 Not Found", {"error": f"no instance {body['instance_id']!r}"})
        if method == "POST":
            back = body.get("back_days")
            if isinstance(back, bool) or not isinstance(back, int | float) or not 0 < back <= 36500:
                raise ValueError(f"back_days must be a number of days in (0, 36500], got {back!r}")
            found = _STOPPED_AT.search(str(instance._reason or ""))
            if instance._state.name != "stopped" or not found:
                return json_answer(start_response, "409 Conflict", {"error": "the instance is not stopped with a recorded stop time", **_describe(instance)})
            when = dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S") - dt.timedelta(days=float(back))
            instance._reason = instance._reason[: found.start()] + f"({when:%Y-%m-%d %H:%M:%S} {found.group(2)})" + instance._reason[found.end() :]
        return json_answer(start_response, "200 OK", _describe(instance))
    except (ValueError, TypeError) as exc:
        return json_answer(start_response, "400 Bad Request", {"error": str(exc)})


def install() -> None:
    """Mount the control endpoint (once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    mount(PATH, answer)
