"""Secrets Manager rotation function for PostgreSQL credentials (single user or alternating users).

Secrets Manager invokes it once per step with ``{"Step", "SecretId", "ClientRequestToken"}``;
the step runs in the shared core, plugins/module_utils/secrets/pg_rotation.py, which
tools/package-lambdas copies into the zip as ``pg_rotation_core.py`` next to pg8000 and its
pure-Python dependencies. From the repository (the tests) the core is imported from plugins/.

Environment:

- ``GRANTS``: JSON list of what testSecret checks, e.g.
  ``[{"privilege": "SELECT, INSERT", "table": "public.orders"}, {"privilege": "CONNECT", "database": "app"}]``
- ``OWNER_ROLE``: the owner role of an alternating pair (when the secret has no ``ownerrole``)
- ``STRATEGY``: ``single`` or ``alternating`` (default: alternating when the secret has ``masterarn``)
- ``CA_FILE``: the CA bundle for ``sslmode`` verify-ca / verify-full (a path, relative to the function's directory allowed)
- ``EXCLUDE_CHARACTERS``, ``PASSWORD_LENGTH``: for GetRandomPassword
- ``CONNECT_TIMEOUT``: seconds (default 5)
- ``SECRETS_MANAGER_ENDPOINT``: the Secrets Manager endpoint (a VPC endpoint; AWS's templates' name)
- ``LOG_LEVEL``: default INFO. Nothing logged carries a password or a secret string.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import boto3


def _load_core() -> Any:
    try:
        import pg_rotation_core  # the copy in the deployment zip

        return pg_rotation_core
    except ImportError:
        pass
    try:  # the repository, with the collection importable (the tests)
        from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation

        return pg_rotation
    except ImportError:
        pass
    path = Path(__file__).resolve().parents[2] / "plugins" / "module_utils" / "secrets" / "pg_rotation.py"
    spec = importlib.util.spec_from_file_location("pg_rotation_core", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"the rotation core is neither in the zip (pg_rotation_core.py) nor at {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["pg_rotation_core"] = module
    spec.loader.exec_module(module)
    return module


core = _load_core()
LOG = logging.getLogger("slipway.pg_rotation")
HERE = Path(__file__).resolve().parent


def _configure_logging() -> None:
    level = getattr(logging, os.environ.get("LOG_LEVEL", "INFO").upper(), logging.INFO)
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:  # outside Lambda (Lambda's runtime installs one)
        logging.basicConfig(level=level)
    LOG.setLevel(level)
    # Their DEBUG output carries request bodies (the secret string): never below WARNING.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _connect() -> Any:
    cafile = os.environ.get("CA_FILE")
    if not cafile:
        return core.default_connect
    path = Path(cafile)
    if not path.is_absolute():
        path = HERE / path

    def connect(**kwargs: Any) -> Any:
        return core.default_connect(cafile=str(path), **kwargs)

    return connect


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    _configure_logging()
    missing = [key for key in ("Step", "SecretId", "ClientRequestToken") if not (isinstance(event, dict) and event.get(key))]
    if missing:
        raise core.ConfigurationError(f"the rotation event lacks {', '.join(missing)} (Secrets Manager sends Step, SecretId, ClientRequestToken)")
    step, secret_id, token = event["Step"], event["SecretId"], event["ClientRequestToken"]
    endpoint = os.environ.get("SECRETS_MANAGER_ENDPOINT") or None
    sm = boto3.client("secretsmanager", endpoint_url=endpoint)
    LOG.info("%s: secret %s version %s", step, secret_id, token)
    try:
        return core.rotate_step(
            sm,
            secret_id,
            token,
            step,
            connect=_connect(),
            grants=os.environ.get("GRANTS") or None,
            log=LOG,
            strategy=os.environ.get("STRATEGY") or None,
            owner_role=os.environ.get("OWNER_ROLE") or None,
            exclude_characters=os.environ.get("EXCLUDE_CHARACTERS") or None,
            password_length=int(os.environ.get("PASSWORD_LENGTH") or core.PASSWORD_LENGTH),
            timeout=float(os.environ.get("CONNECT_TIMEOUT") or 5),
        )
    except core.RotationError as exc:
        LOG.error("%s failed for secret %s version %s: %s: %s", step, secret_id, token, type(exc).__name__, exc)
        raise
    except Exception as exc:  # noqa: BLE001  a bug: report where, never the text (it might hold a value)
        frames = traceback.extract_tb(exc.__traceback__)
        where = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
        LOG.error("%s failed for secret %s version %s: unexpected %s at %s", step, secret_id, token, type(exc).__name__, where)
        raise core.RotationError(
            f"{step}: unexpected {type(exc).__name__} at {where} (message withheld: it may hold a secret value)", secret_id=secret_id, step=step
        ) from None
