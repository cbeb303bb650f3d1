# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rotation of PostgreSQL credentials held in Secrets Manager.

One implementation of Secrets Manager's four-step rotation protocol, used two
ways: by the rotation Lambda (lambdas/pg_rotation/handler.py, which calls
``rotate_step`` once per step Secrets Manager invokes it with) and by the
on-call path (``rotate_all``: the four steps in a row, with resume and cleanup).
This file is standalone -- standard library, boto3 (a client is passed in) and
pg8000 (imported when a connection is made) -- so tools/package-lambdas copies
it into the Lambda's zip unchanged.

The secret (AWS's key names)::

    {"engine": "postgres", "host": ..., "port": 5432, "username": ..., "password": ...,
     "dbname": ..., "sslmode": "require", "masterarn": ..., "ownerrole": ...}

``port`` defaults to 5432 and ``dbname`` to ``postgres``. ``ssl`` (true) or
``sslmode`` (``require``, ``verify-ca``, ``verify-full``) make TLS a requirement
that testSecret checks in ``pg_stat_ssl``. With ``masterarn`` (the secret of a
role that may CREATE/ALTER ROLE) the strategy is alternating users.

Strategies
----------
single user
    setSecret logs in with AWSCURRENT and changes that role's password. The
    role-level checks (grants) run on that session *before* the change, and a
    failed testSecret puts the AWSCURRENT password back, so a failure at any
    step leaves AWSCURRENT working.
alternating users
    Two login roles, ``NAME`` and ``NAME_clone`` (AWS's naming), both members
    of one owner role (``ownerrole`` in the secret, or ``owner_role=``). Each
    rotation switches the secret to the other login role and gives it a new
    password, logged in as the master secret's role; the role AWSCURRENT names
    is never touched. Both login roles get ``ALTER ROLE ... SET role =
    owner``: every session runs as the owner role, so every object either
    creates is owned by the owner role and stays usable by both, whatever
    the number of rotations. Objects created before this model was set up
    must be reassigned once (``REASSIGN OWNED BY app TO app_owner``).

Passwords
---------
New passwords come from GetRandomPassword (as AWS's templates do), without
characters that break connection strings or shells. The database never sees
one in plain text: ``ALTER ROLE ... PASSWORD`` carries a SCRAM-SHA-256
verifier computed here (what libpq's PQencryptPasswordConn does), so a server
that logs statements logs no password. No password and no secret string ever
goes into a log line or an exception message: errors from boto3 and pg8000
are translated into :class:`RotationError` subclasses built from codes and
names only, with their causes suppressed.

Staging labels
--------------
createSecret puts the new version with AWSPENDING; finishSecret moves
AWSCURRENT to it (Secrets Manager moves AWSPREVIOUS) and removes AWSPENDING.
A version that is AWSPENDING and not AWSCURRENT is a rotation in progress
(``rotation_state``): a new rotation is refused (:class:`RotationInProgress`)
until it is resumed (same token: every step is idempotent) or cleaned up
(``cleanup``: the database put back to AWSCURRENT, the label removed).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import ssl
import stringprep
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

CURRENT = "AWSCURRENT"
PENDING = "AWSPENDING"
PREVIOUS = "AWSPREVIOUS"
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
# Secrets Manager sends the steps under these names too (its docs list both spellings).
_STEP_ALIASES = {"create_secret": "createSecret", "set_secret": "setSecret", "test_secret": "testSecret", "finish_secret": "finishSecret"}
SINGLE = "single"
ALTERNATING = "alternating"
ENGINES = ("postgres", "postgresql", "aurora-postgresql")
REQUIRED_KEYS = ("engine", "host", "username", "password")
CLONE_SUFFIX = "_clone"
MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1
# Left out of generated passwords: quotes, backslash, and what URLs, libpq
# connection strings and shells give a meaning to.
EXCLUDE_CHARACTERS = "/@\"'\\:?#[]%&=+ `$;<>{}|^,~"
PASSWORD_LENGTH = 32
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
TLS_REQUIRED = ("require", "verify-ca", "verify-full")
_AUTH_SQLSTATES = ("28P01", "28000")

# Privileges a grant check may name, by object kind, and the function that checks them.
GRANT_KINDS = {
    "table": ("has_table_privilege", ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")),
    "sequence": ("has_sequence_privilege", ("USAGE", "SELECT", "UPDATE")),
    "schema": ("has_schema_privilege", ("USAGE", "CREATE")),
    "database": ("has_database_privilege", ("CONNECT", "CREATE", "TEMPORARY", "TEMP")),
}

LOG = logging.getLogger("slipway.pg_rotation")


# ------------------------------------------------------------------ errors
class RotationError(Exception):
    """A rotation failed or was refused. The message names the secret, the step and the fix, never a secret value."""

    def __init__(self, message: str, *, secret_id: str | None = None, step: str | None = None) -> None:
        super().__init__(message)
        self.secret_id = secret_id
        self.step = step
        self.detail = message  # without the step prefix


class SecretNotFound(RotationError):
    """The secret (or the version asked for) does not exist."""


class SecretFormatError(RotationError):
    """The secret's value is not the JSON object expected (a key missing, a bad value)."""


class ConfigurationError(RotationError):
    """The rotation's own settings (grants, owner role, strategy) are wrong."""


class DatabaseUnreachable(RotationError):
    """No connection to PostgreSQL at host:port."""


class AuthenticationFailed(RotationError):
    """PostgreSQL refused the login."""


class DatabaseCommandFailed(RotationError):
    """A statement failed (permission, missing role or database...)."""


class TestFailed(RotationError):
    """testSecret: the new credentials log in but lack what the application needs."""

    __test__ = False  # not a pytest test class


class RotationInProgress(RotationError):
    """Another rotation of the secret is under way (or was left half done)."""


class InvalidRotationState(RotationError):
    """The version named by the token is not in a state the step can work on."""


class SecretsManagerError(RotationError):
    """A Secrets Manager call failed for another reason."""


# ------------------------------------------------------------------ redaction
class _Redactor:
    """Every secret value seen during one call; ``clean`` blanks them out of a text meant for a message."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def add(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 4:
            self._values.add(value)

    def clean(self, text: str) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            text = text.replace(value, "********")
        return text


# ------------------------------------------------------------------ the secret
class Credentials:
    """One parsed version of a PostgreSQL secret. ``repr`` and ``str`` never show the password."""

    def __init__(self, data: dict[str, Any], version_id: str, label: str) -> None:
        self.data = data
        self.version_id = version_id
        self.label = label  # "AWSCURRENT", "AWSPENDING version <id>", "master secret": for messages

    @property
    def host(self) -> str:
        return str(self.data["host"])

    @property
    def port(self) -> int:
        return int(self.data.get("port") or 5432)

    @property
    def username(self) -> str:
        return str(self.data["username"])

    @property
    def password(self) -> str:
        return str(self.data["password"])

    @property
    def dbname(self) -> str:
        return str(self.data.get("dbname") or "postgres")

    @property
    def sslmode(self) -> str:
        mode = self.data.get("sslmode")
        if mode:
            return str(mode)
        ssl_flag = self.data.get("ssl")
        if ssl_flag is True or str(ssl_flag).lower() in ("true", "1", "yes", "on"):
            return "require"
        return "prefer"

    @property
    def tls_required(self) -> bool:
        return self.sslmode in TLS_REQUIRED

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"

    def same_target(self, other: Credentials) -> bool:
        return (self.host, self.port, self.dbname) == (other.host, other.port, other.dbname)

    def __repr__(self) -> str:
        return f"Credentials({self.label}, user={self.username!r}, {self.where}/{self.dbname}, password=********)"

    __str__ = __repr__


def parse_secret(text: Any, secret_id: str, version_id: str, label: str, *, step: str | None = None, need: Iterable[str] = ()) -> Credentials:
    """The secret string of one version as :class:`Credentials`, or :class:`SecretFormatError` naming what is wrong."""
    where = f"secret {secret_id!r} ({label})"
    if not isinstance(text, str):
        raise SecretFormatError(f"{where} has no SecretString (a binary secret?): expected a JSON object", secret_id=secret_id, step=step)
    try:
        data = json.loads(text)
    except ValueError:
        raise SecretFormatError(f"{where} is not JSON: expected a JSON object with keys {', '.join(REQUIRED_KEYS)}", secret_id=secret_id, step=step) from None
    if not isinstance(data, dict):
        raise SecretFormatError(f"{where} is JSON but not an object: expected keys {', '.join(REQUIRED_KEYS)}", secret_id=secret_id, step=step) from None
    for key in (*REQUIRED_KEYS, *need):
        if data.get(key) in (None, ""):
            expected = ", ".join((*REQUIRED_KEYS, *need))
            raise SecretFormatError(f"{where} has no {key!r} key (or it is empty); expected keys {expected}", secret_id=secret_id, step=step)
    engine = str(data["engine"]).lower()
    if engine not in ENGINES:
        raise SecretFormatError(f"{where}: engine {data['engine']!r} is not PostgreSQL (one of {', '.join(ENGINES)})", secret_id=secret_id, step=step)
    try:
        port = int(data.get("port") or 5432)
    except (TypeError, ValueError):
        raise SecretFormatError(f"{where}: 'port' is not a number", secret_id=secret_id, step=step) from None
    if not 0 < port < 65536:
        raise SecretFormatError(f"{where}: 'port' {port} is out of range", secret_id=secret_id, step=step)
    for key in ("username", "password", "host", "dbname"):
        if key in data and not isinstance(data[key], str):
            raise SecretFormatError(f"{where}: {key!r} is not a string", secret_id=secret_id, step=step)
    creds = Credentials(data, version_id, label)
    if creds.sslmode not in SSLMODES:
        raise SecretFormatError(f"{where}: 'sslmode' is not one of {', '.join(SSLMODES)}", secret_id=secret_id, step=step)
    if len(creds.username.encode()) > MAX_IDENTIFIER:
        raise SecretFormatError(f"{where}: username is longer than {MAX_IDENTIFIER} bytes", secret_id=secret_id, step=step)
    return creds


def partner_username(username: str) -> str:
    """The other login role of an alternating pair: ``app`` <-> ``app_clone`` (AWS's naming)."""
    if username.endswith(CLONE_SUFFIX) and len(username) > len(CLONE_SUFFIX):
        return username[: -len(CLONE_SUFFIX)]
    return username + CLONE_SUFFIX


# ------------------------------------------------------------------ passwords in SQL
def _saslprep(password: str) -> str:
    """RFC 4013 SASLprep as PostgreSQL applies it before hashing; like the server, the raw string when it fails."""
    mapped = "".join("" if stringprep.in_table_b1(c) else (" " if stringprep.in_table_c12(c) else c) for c in password)
    normal = unicodedata.normalize("NFKC", mapped)
    prohibited = (
        stringprep.in_table_c12,
        stringprep.in_table_c21_c22,
        stringprep.in_table_c3,
        stringprep.in_table_c4,
        stringprep.in_table_c5,
        stringprep.in_table_c6,
        stringprep.in_table_c7,
        stringprep.in_table_c8,
        stringprep.in_table_c9,
        stringprep.in_table_a1,
    )
    if not normal or any(check(c) for c in normal for check in prohibited):
        return password
    if any(stringprep.in_table_d1(c) for c in normal):
        if any(stringprep.in_table_d2(c) for c in normal) or not (stringprep.in_table_d1(normal[0]) and stringprep.in_table_d1(normal[-1])):
            return password
    return normal


def scram_verifier(password: str, *, iterations: int = 4096, salt: bytes | None = None) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (``ALTER ROLE ... PASSWORD`` accepts it as is)."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", _saslprep(password).encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()

    def b64(raw: bytes) -> str:
        return base64.b64encode(raw).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def quote_ident(name: str) -> str:
    if "\x00" in name:
        raise ValueError("identifier contains a NUL byte")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    if "\x00" in text:
        raise ValueError("literal contains a NUL byte")
    return "'" + text.replace("'", "''") + "'"


# ------------------------------------------------------------------ connections
def default_connect(*, host: str, port: int, user: str, password: str, database: str, sslmode: str, timeout: float, cafile: str | None = None) -> Any:
    """A pg8000.native connection. ``sslmode`` as libpq's: disable, allow/prefer (TLS when the server offers it),
    require (TLS, certificate not checked), verify-ca / verify-full (checked against ``cafile`` or the system's CAs)."""
    # Imported here: importing this module needs no driver (ansible-test's import test, a controller without it).
    import pg8000.native  # pylint: disable=import-outside-toplevel

    context: Any
    if sslmode == "disable":
        context = False
    elif sslmode in ("allow", "prefer"):
        context = None  # pg8000: TLS if the server accepts it, else plain
    elif sslmode == "require":
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=cafile)
        context.check_hostname = sslmode == "verify-full"
    return pg8000.native.Connection(
        user, password=password, host=host, port=port, database=database, ssl_context=context, timeout=timeout, application_name="slipway-rotation"
    )


def _sqlstate(exc: BaseException) -> str | None:
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], dict):
        code = args[0].get("C")
        return str(code) if code else None
    return None


def _server_message(exc: BaseException, redactor: _Redactor) -> str:
    """The server's primary message (field M), which names objects, never statement text; redacted anyway."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], dict):
        return redactor.clean(str(args[0].get("M", "")))[:300]
    return type(exc).__name__


def _network_reason(exc: BaseException) -> str:
    for candidate in (exc, exc.__cause__, exc.__context__):
        if isinstance(candidate, OSError) and candidate.strerror:
            return candidate.strerror
        if isinstance(candidate, TimeoutError):
            return "timed out"
    return type(exc).__name__


# ------------------------------------------------------------------ grants
def normalise_grants(grants: Any) -> list[dict[str, str]]:
    """``grants`` as a list of ``{"privilege": P, KIND: NAME}`` (KIND one of table, sequence, schema, database), checked.

    A comma-separated privilege ("SELECT, INSERT") is one check per privilege."""
    if grants in (None, ""):
        return []
    if isinstance(grants, str):
        try:
            grants = json.loads(grants)
        except ValueError:
            raise ConfigurationError("grants: not a JSON list") from None
    if not isinstance(grants, list):
        raise ConfigurationError("grants: expected a list of {privilege, table|sequence|schema|database}")
    result = []
    for index, grant in enumerate(grants):
        if not isinstance(grant, dict) or not isinstance(grant.get("privilege"), str):
            raise ConfigurationError(f"grants[{index}]: expected an object with a 'privilege' string")
        kinds = [k for k in GRANT_KINDS if k in grant]
        if len(kinds) != 1 or not isinstance(grant[kinds[0]], str) or not grant[kinds[0]]:
            raise ConfigurationError(f"grants[{index}]: name exactly one of {', '.join(GRANT_KINDS)} (a string)")
        kind = kinds[0]
        allowed = GRANT_KINDS[kind][1]
        for privilege in (p.strip().upper() for p in grant["privilege"].split(",")):
            if privilege not in allowed:
                raise ConfigurationError(f"grants[{index}]: privilege {privilege!r} does not apply to a {kind} (one of {', '.join(allowed)})")
            result.append({"privilege": privilege, "kind": kind, "name": grant[kind]})
    return result


def describe_grant(grant: dict[str, str]) -> str:
    return f"{grant['privilege']} on {grant['kind']} {grant['name']}"


# ------------------------------------------------------------------ one rotation's context
class _Rotation:
    """What one step of one rotation works with: the client, the settings, the secrets read so far."""

    def __init__(
        self,
        sm: Any,
        secret_id: str,
        *,
        connect: Callable[..., Any] | None,
        grants: Any,
        log: logging.Logger | None,
        strategy: str | None,
        owner_role: str | None,
        exclude_characters: str,
        password_length: int,
        timeout: float,
        refuse_concurrent: bool,
    ) -> None:
        self.sm = sm
        self.secret_id = secret_id
        self.connect_fn = connect or default_connect
        self.grants = normalise_grants(grants)
        self.log = log or LOG
        self.strategy_override = strategy
        self.owner_role_override = owner_role
        self.exclude_characters = exclude_characters
        self.password_length = password_length
        self.timeout = timeout
        self.refuse_concurrent = refuse_concurrent
        self.redactor = _Redactor()
        self.step: str | None = None
        if strategy not in (None, SINGLE, ALTERNATING):
            raise ConfigurationError(f"strategy {strategy!r}: one of {SINGLE!r}, {ALTERNATING!r} (or none: alternating when the secret has 'masterarn')")

    # -------------------------------------------------------------- errors
    def fail(self, cls: type[RotationError], message: str) -> RotationError:
        prefix = f"{self.step}: " if self.step else ""
        detail = self.redactor.clean(message)
        error = cls(prefix + detail, secret_id=self.secret_id, step=self.step)
        error.detail = detail
        return error

    # -------------------------------------------------------------- Secrets Manager
    def sm_call(self, operation: str, secret_id: str | None = None, **kwargs: Any) -> dict[str, Any]:
        """One Secrets Manager call; botocore's failures become RotationErrors without their text's values."""
        target = secret_id or self.secret_id
        method = getattr(self.sm, re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower())
        try:
            return method(**kwargs)
        except Exception as exc:  # noqa: BLE001  boto3's ClientError and transport errors, translated below
            response = getattr(exc, "response", None)
            code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
            if code == "ResourceNotFoundException":
                what = f"version {kwargs['VersionId']} ({kwargs.get('VersionStage', 'any label')}) of secret" if kwargs.get("VersionId") else "secret"
                raise self.fail(SecretNotFound, f"{what} {target!r} not found ({operation}): check the name or ARN, the region and the endpoint") from None
            if code in ("AccessDeniedException", "AccessDenied"):
                raise self.fail(
                    SecretsManagerError, f"{operation} on secret {target!r}: access denied; the caller's IAM policy must allow secretsmanager:{operation}"
                ) from None
            if code:
                message = response.get("Error", {}).get("Message", "") if isinstance(response, dict) else ""
                raise self.fail(SecretsManagerError, f"{operation} on secret {target!r} failed: {code}: {self.redactor.clean(str(message))[:300]}") from None
            if type(exc).__name__ == "ParamValidationError":  # its text may quote a parameter's value: only the names
                names = ", ".join(sorted(set(re.findall(r"parameter (\w+)", str(exc))))) or "?"
                raise self.fail(SecretsManagerError, f"{operation} on secret {target!r}: invalid parameter(s) {names}") from None
            raise self.fail(SecretsManagerError, f"{operation} on secret {target!r} failed: {type(exc).__name__} (is the endpoint reachable?)") from None

    def describe(self) -> dict[str, Any]:
        return self.sm_call("DescribeSecret", SecretId=self.secret_id)

    def read(
        self, *, stage: str, version_id: str | None = None, secret_id: str | None = None, label: str | None = None, need: Iterable[str] = ()
    ) -> Credentials:
        kwargs: dict[str, Any] = {"SecretId": secret_id or self.secret_id, "VersionStage": stage}
        if version_id:
            kwargs["VersionId"] = version_id
        response = self.sm_call("GetSecretValue", secret_id, **kwargs)
        text = response.get("SecretString")
        self.redactor.add(text)
        creds = parse_secret(text, secret_id or self.secret_id, response.get("VersionId", version_id or "?"), label or stage, step=self.step, need=need)
        self.redactor.add(creds.password)
        return creds

    def current(self) -> Credentials:
        return self.read(stage=CURRENT, need=("masterarn",) if self.strategy_override == ALTERNATING else ())

    def pending(self, token: str) -> Credentials:
        try:
            return self.read(stage=PENDING, version_id=token, label=f"AWSPENDING version {token}")
        except (SecretNotFound, SecretsManagerError):
            stages = (self.describe().get("VersionIdsToStages") or {}).get(token)
            if stages is not None and PENDING not in stages:
                raise self.fail(
                    InvalidRotationState, f"version {token} of secret {self.secret_id!r} is no longer AWSPENDING: another rotation took over or cleaned it up"
                ) from None
            raise

    def master(self, of: Credentials) -> Credentials:
        arn = str(of.data.get("masterarn") or "")
        if not arn:
            raise self.fail(SecretFormatError, f"secret {self.secret_id!r} ({of.label}) has no 'masterarn' key: alternating users need the master secret's ARN")
        return self.read(stage=CURRENT, secret_id=arn, label="master secret (masterarn)")

    def strategy(self, creds: Credentials) -> str:
        if self.strategy_override:
            return self.strategy_override
        return ALTERNATING if creds.data.get("masterarn") else SINGLE

    def owner_role(self, creds: Credentials) -> str:
        owner = creds.data.get("ownerrole") or self.owner_role_override
        if not owner or not isinstance(owner, str):
            raise self.fail(
                ConfigurationError,
                f"secret {self.secret_id!r}: alternating users need the owner role both login roles belong to: "
                "the secret's 'ownerrole' key or the owner_role setting (OWNER_ROLE for the Lambda)",
            )
        return owner

    # -------------------------------------------------------------- PostgreSQL
    def login(self, creds: Credentials, *, database: str | None = None, purpose: str = "") -> Any:
        """A session as ``creds``' role, or the RotationError that says why not (never the server's or driver's raw text)."""
        self.redactor.add(creds.password)
        try:
            return self.connect_fn(
                host=creds.host,
                port=creds.port,
                user=creds.username,
                password=creds.password,
                database=database or creds.dbname,
                sslmode=creds.sslmode,
                timeout=self.timeout,
            )
        except Exception as exc:  # noqa: BLE001  translated: pg8000's and the socket's errors
            who = f"role {creds.username!r} ({creds.label}) at {creds.where}/{database or creds.dbname}"
            doing = f" to {purpose}" if purpose else ""
            code = _sqlstate(exc)
            if code in _AUTH_SQLSTATES:
                raise self.fail(
                    AuthenticationFailed, f"PostgreSQL refused the login of {who}{doing} (SQLSTATE {code}): wrong password, or the role may not log in"
                ) from None
            if code == "3D000":
                missing = database or creds.dbname
                raise self.fail(DatabaseCommandFailed, f"database {missing!r} does not exist at {creds.where} (logging in as {who}{doing})") from None
            if code:
                raise self.fail(DatabaseCommandFailed, f"login of {who}{doing} failed: SQLSTATE {code}: {_server_message(exc, self.redactor)}") from None
            if isinstance(exc, ssl.SSLError) or "ssl" in type(exc).__name__.lower() or "SSL" in str(exc)[:200]:
                raise self.fail(
                    DatabaseUnreachable,
                    f"TLS to PostgreSQL at {creds.where} failed for {who}{doing} (sslmode {creds.sslmode}): "
                    "does the server offer TLS, and is its certificate trusted?",
                ) from None
            raise self.fail(
                DatabaseUnreachable,
                f"cannot reach PostgreSQL at {creds.where} for {who}{doing}: {_network_reason(exc)}; "
                "check host and port in the secret, the network path and that the server runs",
            ) from None

    def can_login(self, creds: Credentials) -> bool:
        """Whether ``creds`` log in now (a wrong password is False; an unreachable database raises)."""
        try:
            conn = self.login(creds)
        except AuthenticationFailed:
            return False
        _close(conn)
        return True

    def run(self, conn: Any, sql: str, what: str, **params: Any) -> list[Any]:
        """One statement; a failure names ``what`` and the SQLSTATE, never the statement (it may hold a verifier)."""
        try:
            return conn.run(sql, **params) or []
        except Exception as exc:  # noqa: BLE001  translated
            code = _sqlstate(exc)
            if code:
                raise self.fail(DatabaseCommandFailed, f"{what} failed: SQLSTATE {code}: {_server_message(exc, self.redactor)}") from None
            raise self.fail(DatabaseUnreachable, f"{what} failed: the connection broke ({_network_reason(exc)})") from None

    def set_password(self, conn: Any, role: str, password: str, *, create: bool = False) -> None:
        verifier = scram_verifier(password)
        self.redactor.add(verifier)
        verb = "CREATE ROLE" if create else "ALTER ROLE"
        extra = " LOGIN INHERIT" if create else ""
        self.run(conn, f"{verb} {quote_ident(role)} WITH{extra} PASSWORD {quote_literal(verifier)}", f"{verb} {role} (password)")

    def check_session(self, conn: Any, creds: Credentials, *, check_tls: bool) -> list[str]:
        """What ``creds``' session lacks: each configured grant, and TLS when the secret asks for it."""
        problems = []
        if check_tls and creds.tls_required:
            # As the login role: pg_stat_ssl hides a session's details from a current_user (say, the owner role
            # the session switched to) that is not the session's role. RESET ROLE goes back to the role's default.
            self.run(conn, "SET ROLE NONE", "SET ROLE NONE")
            rows = self.run(conn, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", "reading pg_stat_ssl")
            self.run(conn, "RESET ROLE", "RESET ROLE")
            if not rows or rows[0][0] is None:
                problems.append("TLS: pg_stat_ssl shows nothing for this session, so its encryption cannot be checked")
            elif rows[0][0] is not True:
                problems.append(f"TLS: the secret asks for sslmode {creds.sslmode} but the session is not encrypted (pg_stat_ssl.ssl is false)")
        for grant in self.grants:
            function = GRANT_KINDS[grant["kind"]][0]
            try:
                rows = conn.run(f"SELECT {function}(:name, :privilege)", name=grant["name"], privilege=grant["privilege"])
            except Exception as exc:  # noqa: BLE001  a missing object is a missing grant, named
                code = _sqlstate(exc)
                if not code:
                    raise self.fail(DatabaseUnreachable, f"checking {describe_grant(grant)} failed: the connection broke ({_network_reason(exc)})") from None
                problems.append(f"{describe_grant(grant)}: {_server_message(exc, self.redactor)} (SQLSTATE {code})")
                continue
            if not rows or rows[0][0] is not True:
                problems.append(f"{describe_grant(grant)} is not granted")
        return problems

    def role_exists(self, conn: Any, role: str) -> bool:
        return bool(self.run(conn, "SELECT 1 FROM pg_roles WHERE rolname = :role", f"looking up role {role}", role=role))


def _no_owner(owner: str, creds: Credentials) -> str:
    return f"owner role {owner!r} does not exist at {creds.where}: create it (NOLOGIN) and make it own the application's objects"


def _close(conn: Any) -> None:
    try:
        conn.close()
    except Exception:  # noqa: BLE001,S110  closing a broken connection: nothing to report
        pass


# ------------------------------------------------------------------ state
def pending_version(versions: dict[str, list[str]]) -> str | None:
    """The version that is AWSPENDING and not AWSCURRENT: a rotation in progress, or None."""
    for version_id, stages in versions.items():
        if PENDING in stages and CURRENT not in stages:
            return version_id
    return None


def current_version(versions: dict[str, list[str]]) -> str | None:
    for version_id, stages in versions.items():
        if CURRENT in stages:
            return version_id
    return None


def rotation_state(sm: Any, secret_id: str) -> dict[str, Any]:
    """``{"state": "idle" | "rotating", "current_version", "pending_version", "rotation_enabled"}`` -- what the audit reads."""
    rot = _Rotation(
        sm,
        secret_id,
        connect=None,
        grants=None,
        log=None,
        strategy=None,
        owner_role=None,
        exclude_characters=EXCLUDE_CHARACTERS,
        password_length=PASSWORD_LENGTH,
        timeout=5,
        refuse_concurrent=True,
    )
    meta = rot.describe()
    versions = meta.get("VersionIdsToStages") or {}
    pending = pending_version(versions)
    return {
        "secret": meta.get("Name", secret_id),
        "state": "rotating" if pending else "idle",
        "current_version": current_version(versions),
        "pending_version": pending,
        "rotation_enabled": bool(meta.get("RotationEnabled")),
    }


# ------------------------------------------------------------------ the four steps
def _create_secret(rot: _Rotation, token: str, versions: dict[str, list[str]]) -> dict[str, Any]:
    current = rot.current()
    strategy = rot.strategy(current)
    if token in versions:
        if PENDING not in versions[token]:
            raise rot.fail(
                InvalidRotationState,
                f"version {token} of secret {rot.secret_id!r} exists without AWSPENDING (cleaned up, or an old version): start a new rotation with a new token",
            )
        try:
            pending = rot.pending(token)
        except SecretNotFound:
            pending = None  # RotateSecret made the version without a value yet
        if pending is not None:
            rot.log.info("createSecret: secret %s version %s is already AWSPENDING: nothing to do", rot.secret_id, token)
            return {"changed": False, "username": pending.username}
    if rot.refuse_concurrent:
        other = pending_version(versions)
        if other and other != token:
            raise rot.fail(
                RotationInProgress,
                f"secret {rot.secret_id!r} has a rotation in progress: version {other} is AWSPENDING and not AWSCURRENT; "
                "resume it (its token) or clean it up before starting another",
            )
    # Nothing is written before the database answers: the role that will change the password must log in.
    if strategy == ALTERNATING:
        master = rot.master(current)
        owner = rot.owner_role(current)
        conn = rot.login(master, database=current.dbname, purpose="prepare alternating-users rotation")
        try:
            if not rot.role_exists(conn, owner):
                raise rot.fail(ConfigurationError, _no_owner(owner, current))
        finally:
            _close(conn)
        username = partner_username(current.username)
        if len(username.encode()) > MAX_IDENTIFIER:
            raise rot.fail(SecretFormatError, f"username {current.username!r} + {CLONE_SUFFIX!r} is longer than {MAX_IDENTIFIER} bytes")
    else:
        conn = rot.login(current, purpose="check the role before rotating")
        try:
            problems = rot.check_session(conn, current, check_tls=False)
        finally:
            _close(conn)
        if problems:
            raise rot.fail(TestFailed, f"role {current.username!r} lacks what the application needs (nothing changed): {'; '.join(problems)}")
        username = current.username
    response = rot.sm_call(
        "GetRandomPassword", PasswordLength=rot.password_length, ExcludeCharacters=rot.exclude_characters, IncludeSpace=False, RequireEachIncludedType=True
    )
    password = response["RandomPassword"]
    rot.redactor.add(password)
    new = dict(current.data, username=username, password=password)
    text = json.dumps(new)
    rot.redactor.add(text)
    rot.sm_call("PutSecretValue", SecretId=rot.secret_id, ClientRequestToken=token, SecretString=text, VersionStages=[PENDING])
    rot.log.info("createSecret: secret %s: new version %s (AWSPENDING) for role %s (%s)", rot.secret_id, token, username, strategy)
    return {"changed": True, "username": username}


def _set_secret(rot: _Rotation, token: str) -> dict[str, Any]:
    current = rot.current()
    pending = rot.pending(token)
    strategy = rot.strategy(current)
    if not pending.same_target(current):
        raise rot.fail(
            InvalidRotationState,
            f"AWSPENDING version {token} names {pending.where}/{pending.dbname}, AWSCURRENT {current.where}/{current.dbname}: "
            "a rotation never moves a secret to another database; clean up and rotate again",
        )
    if strategy == SINGLE:
        if pending.username != current.username:
            raise rot.fail(InvalidRotationState, f"single user: AWSPENDING names role {pending.username!r}, AWSCURRENT {current.username!r}")
        if rot.can_login(pending):
            rot.log.info("setSecret: secret %s: role %s already logs in with version %s: nothing to do", rot.secret_id, pending.username, token)
            return {"changed": False, "username": pending.username}
        try:
            conn = rot.login(current, purpose="change its password")
        except AuthenticationFailed:
            if rot.can_login(pending):  # set meanwhile (a rerun, or the same rotation driven twice)
                return {"changed": False, "username": pending.username}
            raise
        try:
            problems = rot.check_session(conn, current, check_tls=False)
            if problems:
                raise rot.fail(TestFailed, f"role {current.username!r} lacks what the application needs (password unchanged): {'; '.join(problems)}")
            rot.run(conn, "SET ROLE NONE", "SET ROLE NONE")  # ALTER ROLE as the login role, whatever its default role
            rot.set_password(conn, current.username, pending.password)
        finally:
            _close(conn)
        rot.log.info("setSecret: secret %s: role %s has the password of version %s", rot.secret_id, current.username, token)
        return {"changed": True, "username": current.username}

    if pending.username not in (current.username, partner_username(current.username)):
        raise rot.fail(InvalidRotationState, f"alternating users: AWSPENDING names role {pending.username!r}, not {current.username!r} or its partner")
    owner = rot.owner_role(current)
    master = rot.master(current)
    conn = rot.login(master, database=current.dbname, purpose=f"set the password of role {pending.username}")
    try:
        if not rot.role_exists(conn, owner):
            raise rot.fail(ConfigurationError, _no_owner(owner, current))
        changed = False
        if not rot.role_exists(conn, pending.username):
            rot.set_password(conn, pending.username, pending.password, create=True)
            rot.log.info("setSecret: secret %s: created login role %s", rot.secret_id, pending.username)
            changed = True
        # Both login roles: members of the owner role, inheriting, every session as the owner role.
        for role in (pending.username, current.username):
            if not rot.role_exists(conn, role):
                continue
            rot.run(conn, f"GRANT {quote_ident(owner)} TO {quote_ident(role)}", f"GRANT {owner} TO {role}")
            rot.run(conn, f"ALTER ROLE {quote_ident(role)} WITH LOGIN INHERIT", f"ALTER ROLE {role} LOGIN INHERIT")
            rot.run(conn, f"ALTER ROLE {quote_ident(role)} SET role = {quote_literal(owner)}", f"ALTER ROLE {role} SET role")
        if not changed:
            if rot.can_login(pending):
                rot.log.info("setSecret: secret %s: role %s already logs in with version %s", rot.secret_id, pending.username, token)
            else:
                rot.set_password(conn, pending.username, pending.password)
                changed = True
    finally:
        _close(conn)
    rot.log.info("setSecret: secret %s: role %s (member of %s) has the password of version %s", rot.secret_id, pending.username, owner, token)
    return {"changed": changed, "username": pending.username}


def _test_secret(rot: _Rotation, token: str) -> dict[str, Any]:
    current = rot.current()
    pending = rot.pending(token)
    strategy = rot.strategy(current)
    try:
        conn = rot.login(pending, purpose="test the new credentials")
        try:
            rows = rot.run(conn, "SELECT session_user", "SELECT session_user")
            problems = []
            if not rows or rows[0][0] != pending.username:
                problems.append(f"logged in as {rows[0][0] if rows else '?'!r}, not {pending.username!r}")
            problems += rot.check_session(conn, pending, check_tls=True)
        finally:
            _close(conn)
        if problems:
            raise rot.fail(
                TestFailed, f"the AWSPENDING credentials (role {pending.username!r}, version {token}) lack what the application needs: {'; '.join(problems)}"
            )
    except RotationError as exc:
        if strategy == SINGLE:
            restored = _restore_single(rot, current, pending)
            raise rot.fail(type(exc), f"{exc.detail}; {restored}") from None
        raise
    tls = "checked" if pending.tls_required else "not required"
    rot.log.info("testSecret: secret %s: version %s logs in as %s, %d grant(s) checked, TLS %s", rot.secret_id, token, pending.username, len(rot.grants), tls)
    return {"changed": False, "username": pending.username}


def _restore_single(rot: _Rotation, current: Credentials, pending: Credentials) -> str:
    """Single user: put the AWSCURRENT password back on the role (after a failed test, or on cleanup). A sentence for the message."""
    try:
        if rot.can_login(current):
            return "AWSCURRENT still logs in"
        conn = rot.login(pending, purpose="put the AWSCURRENT password back")
        try:
            rot.run(conn, "SET ROLE NONE", "SET ROLE NONE")
            rot.set_password(conn, current.username, current.password)
        finally:
            _close(conn)
    except RotationError as exc:
        return f"AWSCURRENT could NOT be restored ({exc.detail}); resume the rotation (same token) once the cause is fixed"
    rot.log.warning("secret %s: role %s has its AWSCURRENT password again", rot.secret_id, current.username)
    return "the AWSCURRENT password was put back"


def _finish_secret(rot: _Rotation, token: str, versions: dict[str, list[str]]) -> dict[str, Any]:
    current = current_version(versions)
    if current != token:
        rot.sm_call("UpdateSecretVersionStage", SecretId=rot.secret_id, VersionStage=CURRENT, MoveToVersionId=token, RemoveFromVersionId=current)
        rot.log.info("finishSecret: secret %s: AWSCURRENT moved from version %s to %s", rot.secret_id, current, token)
    if PENDING in versions.get(token, ()):
        rot.sm_call("UpdateSecretVersionStage", SecretId=rot.secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
    return {"changed": current != token}


# ------------------------------------------------------------------ entry points
def _make(sm: Any, secret_id: str, options: dict[str, Any]) -> _Rotation:
    return _Rotation(
        sm,
        secret_id,
        connect=options.get("connect"),
        grants=options.get("grants"),
        log=options.get("log"),
        strategy=options.get("strategy"),
        owner_role=options.get("owner_role"),
        exclude_characters=options.get("exclude_characters") or EXCLUDE_CHARACTERS,
        password_length=int(options.get("password_length") or PASSWORD_LENGTH),
        timeout=float(options.get("timeout") or 5),
        refuse_concurrent=options.get("refuse_concurrent", True),
    )


def rotate_step(sm: Any, secret_id: str, token: str, step: str, **options: Any) -> dict[str, Any]:
    """Run one step of the rotation of ``secret_id`` for the version ``token`` (what the Lambda does per invocation).

    Options: ``connect`` (a callable like :func:`default_connect`), ``grants`` (list or JSON, see
    :func:`normalise_grants`), ``log`` (a logger), ``strategy`` ("single"/"alternating"; default from
    'masterarn'), ``owner_role``, ``exclude_characters``, ``password_length``, ``timeout`` (connect, s),
    ``refuse_concurrent`` (default True). Returns ``{"step", "version", "changed", ...}``, no secret value.
    """
    step = _STEP_ALIASES.get(step, step)
    rot = _make(sm, secret_id, options)
    if step not in STEPS:
        raise ConfigurationError(f"unknown step {step!r}: one of {', '.join(STEPS)}", secret_id=secret_id)
    rot.step = step
    if not isinstance(token, str) or not 32 <= len(token) <= 64:
        raise rot.fail(ConfigurationError, "the ClientRequestToken (the new version's id) must be a string of 32 to 64 characters, a UUID")
    meta = rot.describe()
    versions = meta.get("VersionIdsToStages") or {}
    stages = versions.get(token, [])
    if CURRENT in stages:
        if step == "finishSecret" and PENDING in stages:
            rot.sm_call("UpdateSecretVersionStage", SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=token)
        rot.log.info("%s: secret %s version %s is already AWSCURRENT: nothing to do", step, secret_id, token)
        return {"step": step, "version": token, "changed": False}
    if step != "createSecret" and PENDING not in stages:
        raise rot.fail(
            InvalidRotationState,
            f"version {token} of secret {secret_id!r} is not AWSPENDING ({', '.join(stages) or 'no such version or no label'}): "
            "another rotation took over or it was cleaned up; start a new rotation",
        )
    if step == "createSecret":
        result = _create_secret(rot, token, versions)
    elif step == "setSecret":
        result = _set_secret(rot, token)
    elif step == "testSecret":
        result = _test_secret(rot, token)
    else:
        result = _finish_secret(rot, token, versions)
    return {"step": step, "version": token, **result}


@contextlib.contextmanager
def _rotation_lock(rot: _Rotation, meta: dict[str, Any]) -> Iterator[None]:
    """Hold a PostgreSQL advisory lock named after the secret for the length of an on-call rotation or cleanup:
    a second one of the same secret is refused (RotationInProgress) instead of racing it. Taken in the secret's
    database by the role that changes passwords (the master for alternating users; the role itself, or with
    its AWSPENDING password when an interrupted rotation has changed it, for a single user); closing the
    session releases it, also when the process dies."""
    current = rot.current()
    candidates = []
    if rot.strategy(current) == ALTERNATING:
        candidates.append(rot.master(current))
    else:
        candidates.append(current)
        in_progress = pending_version(meta.get("VersionIdsToStages") or {})
        if in_progress:
            with contextlib.suppress(RotationError):
                candidates.append(rot.pending(in_progress))
    conn, refused = None, None
    for creds in candidates:
        try:
            conn = rot.login(creds, database=current.dbname, purpose="take the rotation lock")
            break
        except AuthenticationFailed as exc:
            refused = refused or exc
    if conn is None:
        raise refused if refused is not None else rot.fail(AuthenticationFailed, "no credentials to take the rotation lock with")
    name = str(meta.get("ARN") or rot.secret_id)
    key = int.from_bytes(hashlib.sha256(("slipway-rotation:" + name).encode("utf-8")).digest()[:8], "big", signed=True)
    try:
        rows = rot.run(conn, "SELECT pg_try_advisory_lock(:key)", "taking the rotation lock", key=key)
        if not rows or rows[0][0] is not True:
            raise rot.fail(
                RotationInProgress,
                f"another rotation of secret {rot.secret_id!r} is running now (it holds advisory lock {key} in database {current.dbname!r} "
                f"at {current.where}): wait for it to end",
            )
        yield
    finally:
        _close(conn)


def rotate_all(sm: Any, secret_id: str, *, token: str | None = None, resume: bool = False, **options: Any) -> dict[str, Any]:
    """The four steps in a row (the on-call path), under the rotation lock. Refused while another rotation is
    running or was left in progress, unless ``resume`` (continue the one in progress) or ``token`` names it. A
    failure raises; rerun with the same token (or ``resume``) to continue, or :func:`cleanup`."""
    rot = _make(sm, secret_id, options)
    rot.step = "rotate"
    meta = rot.describe()
    with _rotation_lock(rot, meta):
        meta = rot.describe()  # again, under the lock
        versions = meta.get("VersionIdsToStages") or {}
        in_progress = pending_version(versions)
        resumed = False
        if in_progress:
            if token in (None, in_progress) and (resume or token == in_progress):
                token, resumed = in_progress, True
            else:
                raise rot.fail(
                    RotationInProgress,
                    f"secret {secret_id!r} has a rotation in progress: version {in_progress} is AWSPENDING and not AWSCURRENT; "
                    "resume it (resume / that token) or clean it up first",
                )
        token = token or str(uuid.uuid4())
        if token != in_progress and not 32 <= len(token) <= 64:
            raise rot.fail(ConfigurationError, "the token (the new version's id) must be a string of 32 to 64 characters, a UUID")
        steps = [rotate_step(sm, secret_id, token, step, **options) for step in STEPS]
    username = next((s["username"] for s in reversed(steps) if s.get("username")), None)
    rot.log.info("secret %s rotated: version %s is AWSCURRENT (role %s)%s", secret_id, token, username, " (resumed)" if resumed else "")
    return {
        "secret": meta.get("Name", secret_id),
        "version": token,
        "username": username,
        "resumed": resumed,
        "changed": any(s.get("changed") for s in steps),
        "steps": steps,
    }


def cleanup(sm: Any, secret_id: str, *, token: str | None = None, **options: Any) -> dict[str, Any]:
    """Abandon a half-done rotation: for a single user the role gets its AWSCURRENT password back (if the
    rotation had changed it), then AWSPENDING is removed from the version that is not AWSCURRENT.

    Refused (nothing changed) when AWSCURRENT can neither log in nor be restored: removing the label then
    could lose the only password the database accepts; resume instead."""
    rot = _make(sm, secret_id, options)
    rot.step = "cleanup"
    meta = rot.describe()
    versions = meta.get("VersionIdsToStages") or {}
    in_progress = pending_version(versions)
    if in_progress is None:
        rot.log.info("cleanup: secret %s has no rotation in progress: nothing to do", secret_id)
        return {"secret": meta.get("Name", secret_id), "changed": False, "version": None}
    if token and token != in_progress:
        raise rot.fail(InvalidRotationState, f"the rotation in progress is version {in_progress}, not {token}")
    with _rotation_lock(rot, meta):
        current = rot.current()
        if rot.strategy(current) == SINGLE:
            try:
                pending = rot.pending(in_progress)
            except RotationError:
                pending = None
            if not rot.can_login(current):
                if pending is None:
                    raise rot.fail(
                        AuthenticationFailed, f"AWSCURRENT of {secret_id!r} does not log in and AWSPENDING is unreadable: nothing changed; fix by hand"
                    )
                restored = _restore_single(rot, current, pending)
                if not rot.can_login(current):
                    raise rot.fail(
                        AuthenticationFailed, f"AWSCURRENT of {secret_id!r} does not log in ({restored}): nothing changed; resume the rotation instead"
                    )
        rot.sm_call("UpdateSecretVersionStage", SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=in_progress)
        rot.log.info("cleanup: secret %s: AWSPENDING removed from version %s; AWSCURRENT logs in", secret_id, in_progress)
        return {"secret": meta.get("Name", secret_id), "changed": True, "version": in_progress}
