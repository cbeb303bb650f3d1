"""Secrets Manager metadata moto 5.2.1 lacks, and a test-only clock for it (see docs/emulator.md,
"Secrets Manager metadata and dates").

* ``LastAccessedDate``: moto answers ``null`` always. AWS sets it when the secret's
  value is retrieved (``GetSecretValue``, ``BatchGetSecretValue``), truncated to the
  date (midnight UTC), and leaves it out of ``DescribeSecret``/``ListSecrets`` for a
  secret never retrieved. The emulator does the same.
* Managed rotation of service-owned secrets: moto creates the master-user secret of
  ``ManageMasterUserPassword`` (``OwningService: rds``) without any rotation. AWS's
  RDS turns managed rotation on, every 7 days by default, without a Lambda
  function; the emulator reports ``RotationEnabled: true``, ``RotationRules``
  ``{"AutomaticallyAfterDays": 7}`` and ``NextRotationDate`` (nothing rotates when
  that date passes, as for every scheduled rotation in the emulator).
* ``POST /_slipway/secrets/dates`` (uncounted, test-only): move a secret's dates into
  the past, so an audit can see an old, unused or overdue secret without waiting
  months. Body ``{"secret_id": NAME_OR_ARN, "back_days": N}`` moves every date the
  secret has (created, changed, last rotated, last accessed, next rotation, its
  versions' creation) N days back; ``"fields": [...]`` restricts it to some of
  ``CreatedDate``, ``LastChangedDate``, ``LastRotatedDate``, ``LastAccessedDate``,
  ``NextRotationDate``. ``GET /_slipway/secrets/dates?secret_id=…`` answers them.
"""

from __future__ import annotations

import functools
import time
import urllib.parse
from typing import Any

from .routes import json_answer, mount, read_json

PATH = "/_slipway/secrets/dates"
MANAGED_ROTATION_DAYS = {"rds": 7}
# DescribeSecret field -> the FakeSecret attribute holding it (epoch seconds).
FIELDS = {
    "CreatedDate": "created_date",
    "LastChangedDate": "last_changed_date",
    "LastRotatedDate": "last_rotation_date",
    "LastAccessedDate": "slipway_last_accessed",
    "NextRotationDate": "next_rotation_date",
}
_DAY = 86400
_INSTALLED = False


def _midnight(epoch: float) -> int:
    return int(epoch) - int(epoch) % _DAY


def _touch(backend: Any, secret_id: str) -> None:
    try:
        secret = backend.secrets[secret_id]
    except Exception:  # noqa: BLE001  moto raised (or will raise) its own not-found error
        return
    secret = getattr(secret, "source", secret)  # a replica's reads count on the primary here
    secret.slipway_last_accessed = _midnight(time.time())


def _find(secret_id: str) -> Any:
    from moto.secretsmanager.models import secretsmanager_backends

    for account in secretsmanager_backends.values():
        for backend in account.values():
            if backend._is_valid_identifier(secret_id):
                secret = backend.secrets[secret_id]
                return getattr(secret, "source", secret)
    return None


def _dates(secret: Any) -> dict[str, Any]:
    return {name: getattr(secret, attr, None) for name, attr in FIELDS.items()}


def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    try:
        if method == "GET":
            query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
            body = {"secret_id": (query.get("secret_id") or [""])[0]}
        elif method == "POST":
            body = read_json(environ)
        else:
            return json_answer(start_response, "405 Method Not Allowed", {"error": f"use GET or POST {PATH}"})
        if not isinstance(body, dict) or not body.get("secret_id"):
            raise ValueError('give secret_id, e.g. {"secret_id": "app/db", "back_days": 100}')
        secret = _find(str(body["secret_id"]))
        if secret is None:
            return json_answer(start_response, "404 Not Found", {"error": f"no secret {body['secret_id']!r}"})
        if method == "GET":
            return json_answer(start_response, "200 OK", {"secret": secret.arn, "dates": _dates(secret)})
        back = body.get("back_days")
        if isinstance(back, bool) or not isinstance(back, int | float) or not 0 < back <= 36500:
            raise ValueError(f"back_days must be a number of days in (0, 36500], got {back!r}")
        fields = body.get("fields") or list(FIELDS)
        unknown = sorted(set(fields) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; allowed: {', '.join(FIELDS)}")
        shift = int(float(back) * _DAY)
        for name in fields:
            value = getattr(secret, FIELDS[name], None)
            if value:
                setattr(secret, FIELDS[name], int(value) - shift)
        if "fields" not in body:
            for version in secret.versions.values():
                if version.get("createdate"):
                    version["createdate"] = int(version["createdate"]) - shift
        return json_answer(start_response, "200 OK", {"secret": secret.arn, "dates": _dates(secret)})
    except (ValueError, TypeError) as exc:
        return json_answer(start_response, "400 Bad Request", {"error": str(exc)})


def install() -> None:
    """Patch moto (class level, once) and mount the control endpoint. Call after
    ``lambdas.install`` (this wraps the ``FakeSecret.to_dict`` it leaves)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend

    orig_get = SecretsManagerBackend.get_secret_value

    @functools.wraps(orig_get)
    def get_secret_value(self: Any, secret_id: str, version_id: str, version_stage: str) -> Any:
        result = orig_get(self, secret_id, version_id, version_stage)
        _touch(self, secret_id)
        return result

    SecretsManagerBackend.get_secret_value = get_secret_value  # type: ignore[method-assign]

    orig_batch = SecretsManagerBackend.batch_get_secret_value

    @functools.wraps(orig_batch)
    def batch_get_secret_value(self: Any, *args: Any, **kwargs: Any) -> Any:
        values, errors, token = orig_batch(self, *args, **kwargs)
        for value in values:
            _touch(self, value.get("ARN") or value.get("Name"))
        return values, errors, token

    SecretsManagerBackend.batch_get_secret_value = batch_get_secret_value  # type: ignore[method-assign]

    orig_managed = SecretsManagerBackend.create_managed_secret

    @functools.wraps(orig_managed)
    def create_managed_secret(self: Any, service_name: str, *args: Any, **kwargs: Any) -> Any:
        secret = orig_managed(self, service_name, *args, **kwargs)
        days = MANAGED_ROTATION_DAYS.get(service_name)
        if days:
            secret.rotation_requested = True
            secret.rotation_enabled = True
            secret.rotation_lambda_arn = None
            secret.auto_rotate_after_days = days
            secret.slipway_rotation_rules = {"AutomaticallyAfterDays": days}
            secret.next_rotation_date = int(time.time()) + days * _DAY
        return secret

    SecretsManagerBackend.create_managed_secret = create_managed_secret  # type: ignore[method-assign]

    orig_to_dict = FakeSecret.to_dict

    @functools.wraps(orig_to_dict)
    def to_dict(self: Any) -> dict[str, Any]:
        out = orig_to_dict(self)
        accessed = getattr(self, "slipway_last_accessed", None)
        if accessed:
            out["LastAccessedDate"] = accessed
        else:
            out.pop("LastAccessedDate", None)
        if "RotationLambdaARN" in out and not out["RotationLambdaARN"]:
            out.pop("RotationLambdaARN")
        return out

    FakeSecret.to_dict = to_dict  # type: ignore[method-assign]
    mount(PATH, answer)
