# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one idiom Slipway uses to talk to AWS.

* ``Aws`` hands out botocore clients that share one session, one retry policy
  (botocore "standard" mode: jittered exponential backoff on throttling and
  5xx) and one call counter (every API operation, by name).
* ``call`` runs one API operation and turns any botocore failure into
  ``AwsError``, so callers never catch botocore exceptions themselves.
* ``paginate`` walks a paginator; a page that fails is retried by the client's
  retry policy, never the whole walk from page 1.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Iterator
from typing import Any

# botocore alone, not boto3: a client is botocore's either way, and boto3's session only adds its resource
# layer and s3transfer, which no Slipway code uses (and every process imports).
try:
    import botocore
    import botocore.config
    import botocore.exceptions
    import botocore.loaders
    import botocore.session

    HAS_BOTOCORE = True
except ImportError:  # pragma: no cover - reported by the module/action
    HAS_BOTOCORE = False

from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, SlipwayError

# One botocore data loader per process (per data path), shared by every session: it caches the service
# models, endpoint rules and partitions it has decoded. A session's own loader decodes them again, a few
# hundred milliseconds of JSON for a release's clients; see preload() for why that matters.
_LOADERS: dict[Any, Any] = {}
_LOADERS_LOCK = threading.Lock()

# Operations that change state; the call counter reports them separately so a
# test or a benchmark can prove that a dry run wrote nothing.
_READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Query", "Scan", "Head", "Lookup")


# The connection options of every Slipway module, under amazon.aws's names and
# aliases; documented once in plugins/doc_fragments/aws.py.
AWS_ARGUMENT_SPEC: dict[str, dict[str, Any]] = {
    "region": {"type": "str", "aliases": ["aws_region"]},
    "endpoint_url": {"type": "str", "aliases": ["aws_endpoint_url"]},
    "access_key": {"type": "str", "aliases": ["aws_access_key_id", "aws_access_key"], "no_log": True},
    "secret_key": {"type": "str", "aliases": ["aws_secret_access_key", "aws_secret_key"], "no_log": True},
    "session_token": {"type": "str", "aliases": ["aws_session_token"], "no_log": True},
    "profile": {"type": "str", "aliases": ["aws_profile"]},
}
AWS_MUTUALLY_EXCLUSIVE: list[list[str]] = [["profile", "access_key"], ["profile", "secret_key"], ["profile", "session_token"]]


def argument_spec(**module_options: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A module's own options plus the connection options (which they may not redefine)."""
    clash = sorted(set(module_options) & set(AWS_ARGUMENT_SPEC))
    if clash:
        raise ValueError(f"options {clash} are connection options; they come from AWS_ARGUMENT_SPEC")
    return {**module_options, **{k: dict(v) for k, v in AWS_ARGUMENT_SPEC.items()}}


def _shared_loader(session: Any) -> Any:
    data_path = session.get_config_variable("data_path")
    with _LOADERS_LOCK:
        if data_path not in _LOADERS:
            _LOADERS[data_path] = botocore.loaders.create_loader(data_path)
        return _LOADERS[data_path]


def preload(*services: str) -> None:
    """Decode the models of ``services`` (and the endpoint data every client needs) into this process's shared
    loader, without a request or credentials.

    Ansible imports an action plugin in the controller before it forks the workers that run it: a plugin that
    calls this at import has the models decoded once, and every worker, a fork, starts with them. Otherwise
    each worker decodes them again: in a release train, four releases and four plans at once on the same cores.
    Never fails: without botocore, or on any error, the workers decode the models themselves as before.
    """
    if not HAS_BOTOCORE:
        return
    try:
        session = botocore.session.Session()
        session.register_component("data_loader", _shared_loader(session))
        unsigned = botocore.config.Config(signature_version=botocore.UNSIGNED)  # no credentials looked up
        for service in services:
            session.create_client(service, region_name="us-east-1", config=unsigned)
    except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # an optimisation, never a failure
        return


def is_write(operation: str) -> bool:
    return not operation.startswith(_READ_PREFIXES)


class CallCounter:
    """Counts API operations as ``service.Operation``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()

    def record(self, service: str, operation: str) -> None:
        with self._lock:
            self.calls[f"{service}.{operation}"] += 1

    @property
    def writes(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.calls.items()) if is_write(k.split(".", 1)[1])}

    def as_dict(self) -> dict[str, int]:
        return dict(sorted(self.calls.items()))

    @property
    def total(self) -> int:
        return sum(self.calls.values())


class Aws:
    """Session, clients and the call counter for one run."""

    def __init__(
        self,
        region: str | None = None,
        endpoint_url: str | None = None,
        profile: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        max_attempts: int = 8,
        connect_timeout: float = 5,
        read_timeout: float = 30,
        retry_mode: str = "standard",
        max_pool_connections: int = 10,
    ) -> None:
        if not HAS_BOTOCORE:
            raise SlipwayError("botocore is required (boto3 brings it): install the pinned requirements (make setup)")
        self.endpoint_url = endpoint_url or None
        self.counter = CallCounter()
        # What boto3.session.Session does with the same arguments: the profile, then the Region and the keys
        # given here over those the environment and the profile name.
        self._session = botocore.session.Session(profile=profile or None)
        self._session.register_component("data_loader", _shared_loader(self._session))
        if region:
            self._session.set_config_variable("region", region)
        if access_key or secret_key or session_token:
            self._session.set_credentials(access_key, secret_key, session_token)
        self.region = self._session.get_config_variable("region")
        if not self.region:
            raise SlipwayError("no AWS region: set `region` (or AWS_REGION / AWS_DEFAULT_REGION)")
        # "standard" everywhere; "adaptive" (a client-side rate limiter on top) for readers that fan out
        # over many calls at once, such as the compliance collector.
        self._config = botocore.config.Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_pool_connections=max_pool_connections,
            user_agent_extra="slipway",
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_params(cls, params: dict[str, Any], **options: Any) -> Aws:
        """The connection a module's parameters describe (see AWS_ARGUMENT_SPEC)."""
        if params.get("profile") and any(params.get(k) for k in ("access_key", "secret_key", "session_token")):
            raise SlipwayError("give either `profile` or `access_key`/`secret_key`/`session_token`, not both")
        return cls(**{k: params.get(k) for k in AWS_ARGUMENT_SPEC}, **options)

    def warm_model_lists(self) -> None:
        """List botocore's available models once, in this thread, before threads of this connection start.

        Every new client, and a client's first ``can_paginate``, asks the shared loader which services have a model
        of each kind; the loader caches the answer, but only once it has scanned its data directories (a few
        thousand ``stat`` calls). Threads that start at the same moment would each miss the cache and scan again.
        Never fails: an unwarmed loader only costs time."""
        try:
            loader = self._session.get_component("data_loader")
            for kind in ("service-2", "endpoint-rule-set-1", "paginators-1"):
                loader.list_available_services(kind)
        except Exception:  # noqa: BLE001  # pylint: disable=broad-exception-caught  # an optimisation, never a failure
            return

    def client(self, service: str, region: str | None = None) -> Any:
        """The client of ``service`` in ``region`` (default the run's Region); every call is counted."""
        key = service if not region or region == self.region else f"{service}@{region}"
        made = self._clients.get(key)
        if made is not None:  # the common case, without the lock: a reader's threads ask for it on every call
            return made
        with self._lock:
            if key not in self._clients:
                client = self._session.create_client(service, config=self._config, endpoint_url=self.endpoint_url, region_name=region or self.region)
                name = client.meta.service_model.service_name
                client.meta.events.register(
                    "before-call",
                    lambda model, **_kw: self.counter.record(name, model.name),
                )
                self._clients[key] = client
            return self._clients[key]


def _describe(exc: Exception) -> tuple[str, str]:
    if isinstance(exc, botocore.exceptions.ClientError):
        err = exc.response.get("Error", {})
        return err.get("Code", "ClientError"), err.get("Message", str(exc))
    if isinstance(exc, botocore.exceptions.EndpointConnectionError):
        return "EndpointConnectionError", str(exc)
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return "NoCredentials", "no AWS credentials found (profile, environment or instance role)"
    return type(exc).__name__, str(exc)


def call(client: Any, operation: str, **kwargs: Any) -> dict[str, Any]:
    """Run one API operation; failures become ``AwsError``."""
    try:
        return getattr(client, operation)(**kwargs)
    except botocore.exceptions.BotoCoreError as exc:
        code, message = _describe(exc)
        raise AwsError(operation, code, message) from exc
    except botocore.exceptions.ClientError as exc:
        code, message = _describe(exc)
        raise AwsError(operation, code, message) from exc


def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Yield the items under ``key`` from every page of ``operation``."""
    try:
        for page in client.get_paginator(operation).paginate(**kwargs):
            yield from page.get(key, [])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
        code, message = _describe(exc)
        raise AwsError(operation, code, message) from exc


def probe_endpoint(aws: Aws) -> None:
    """Fail early, before any write, when the AWS endpoint cannot be reached."""
    try:
        call(aws.client("sts"), "get_caller_identity")
    except AwsError as exc:
        where = aws.endpoint_url or f"AWS in {aws.region}"
        if exc.code == "EndpointConnectionError":
            hint = "start the local emulator (tools/local-aws up)" if aws.endpoint_url else "check network access"
            raise SlipwayError(f"cannot reach {where}: {exc.message}. Fix: {hint}") from exc
        raise SlipwayError(f"cannot use {where}: {exc}. Fix: check credentials and endpoint") from exc
