"""A test-only clock for IAM access keys (see docs/emulator.md, "IAM access key dates").

moto stamps an access key's ``CreateDate`` when it is created and has no way to
make a key old; AWS has none either, and a rotation audit (Security Hub IAM.3:
active keys older than 90 days) cannot be shown a 100-day-old key without waiting
100 days. ``POST /_slipway/iam/access-key-dates`` (uncounted) moves one key's
``CreateDate`` into the past: body ``{"access_key_id": "AKIA…", "back_days": N}``
(0 < N <= 36500); it answers the key's user, status and new ``CreateDate``.
``GET /_slipway/iam/access-key-dates?access_key_id=…`` answers them. The key is
looked up in every account and partition of moto's IAM; a key of no user is 404.
Everything the API answers (``ListAccessKeys``, the credential report) then reads
the moved date, as moto reads its own.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Any

from .routes import json_answer, mount, read_json

PATH = "/_slipway/iam/access-key-dates"
_INSTALLED = False


def _find(key_id: str) -> Any:
    from moto.iam.models import iam_backends

    for account in list(iam_backends.values()):
        for backend in list(account.values()):
            for user in list(backend.users.values()):
                for key in user.access_keys:
                    if key.access_key_id == key_id:
                        return key
    return None


def _describe(key: Any) -> dict[str, Any]:
    return {"access_key_id": key.access_key_id, "user": key.user_name, "status": key.status, "create_date": key.create_date.isoformat()}


def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if method == "GET":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            body: Any = {"access_key_id": (query.get("access_key_id") or [""])[0]}
        elif method == "POST":
            body = read_json(environ)
        else:
            return json_answer(start_response, "405 Method Not Allowed", {"error": f"use GET or POST {PATH}"})
        if not isinstance(body, dict) or not body.get("access_key_id"):
            raise ValueError('give access_key_id, e.g. {"access_key_id": "AKIA...", "back_days": 100}')
        key = _find(str(body["access_key_id"]))
        if key is None:
            return json_answer(start_response, "404 Not Found", {"error": f"no access key {body['access_key_id']!r} of any user"})
        if method == "POST":
            back = body.get("back_days")
            if isinstance(back, bool) or not isinstance(back, int | float) or not 0 < back <= 36500:
                raise ValueError(f"back_days must be a number of days in (0, 36500], got {back!r}")
            key.create_date = key.create_date - dt.timedelta(days=float(back))
        return json_answer(start_response, "200 OK", _describe(key))
    except (ValueError, TypeError) as exc:
        return json_answer(start_response, "400 Bad Request", {"error": str(exc)})


def install() -> None:
    """Mount the control endpoint (once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    mount(PATH, answer)
