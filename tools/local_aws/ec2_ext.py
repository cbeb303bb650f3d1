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

Block public access for EBS snapshots (see docs/emulator.md, "EBS snapshot block public access"): moto 5.2.1
implements none of ``EnableSnapshotBlockPublicAccess``, ``DisableSnapshotBlockPublicAccess`` and
``GetSnapshotBlockPublicAccessState``. AWS keeps one setting per account and Region (EC2 API reference):
``unblocked`` until enabled; ``EnableSnapshotBlockPublicAccess(State=block-all-sharing|block-new-sharing)`` sets
it and answers the new state; ``DisableSnapshotBlockPublicAccess`` sets ``unblocked`` and answers it;
``GetSnapshotBlockPublicAccessState`` answers ``State`` and ``ManagedBy`` (``account``: the emulator has no
declarative policies). The emulator keeps the setting on moto's EC2 backend of the account and Region, so a moto
reset clears it. It is a setting only: the emulator does not refuse public sharing while it blocks.

Spot Fleet requests: moto drops the ``BlockDeviceMappings`` of a request's launch specifications; AWS answers them in
``DescribeSpotFleetRequests``. The emulator keeps them (as given: device name, and the EBS settings such as
``Encrypted``, ``VolumeSize``, ``VolumeType``).
"""

from __future__ import annotations

import datetime as dt
import functools
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


# Block public access for snapshots: the states AWS answers, and the ones EnableSnapshotBlockPublicAccess takes
BPA_STATES = ("block-all-sharing", "block-new-sharing", "unblocked")
BPA_ENABLE = ("block-all-sharing", "block-new-sharing")


def _bpa_state(backend: Any) -> str:
    return str(getattr(backend, "_slipway_snapshot_bpa", "unblocked"))


def _get_snapshot_block_public_access_state(self: Any) -> Any:
    from moto.core.responses import ActionResult

    self.error_on_dryrun()
    return ActionResult({"State": _bpa_state(self.ec2_backend), "ManagedBy": "account"})


def _enable_snapshot_block_public_access(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidParameterValueError, MissingParameterError

    state = self._get_param("State")
    if not state:
        raise MissingParameterError("State")
    if state not in BPA_ENABLE:
        raise InvalidParameterValueError(str(state))
    self.error_on_dryrun()
    self.ec2_backend._slipway_snapshot_bpa = state
    return ActionResult({"State": state})


def _disable_snapshot_block_public_access(self: Any) -> Any:
    from moto.core.responses import ActionResult

    self.error_on_dryrun()
    self.ec2_backend._slipway_snapshot_bpa = "unblocked"
    return ActionResult({"State": "unblocked"})


def install() -> None:
    """Mount the control endpoint and add the snapshot block-public-access actions to moto's EC2 (once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    mount(PATH, answer)
    from moto.ec2.responses import EC2Response

    EC2Response.get_snapshot_block_public_access_state = _get_snapshot_block_public_access_state
    EC2Response.enable_snapshot_block_public_access = _enable_snapshot_block_public_access
    EC2Response.disable_snapshot_block_public_access = _disable_snapshot_block_public_access
    _keep_spot_fleet_block_devices()


def _flag(value: Any) -> Any:
    """A request's boolean as moto hands it over (``True`` or the query string's ``"true"``); None when absent."""
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() == "true"


def _block_devices(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """A Spot Fleet launch specification's block device mappings as DescribeSpotFleetRequests answers them."""
    out = []
    for mapping in spec.get("BlockDeviceMappings") or []:
        item: dict[str, Any] = {k: mapping[k] for k in ("DeviceName", "VirtualName", "NoDevice") if mapping.get(k) is not None}
        ebs = mapping.get("Ebs")
        if isinstance(ebs, dict):
            got: dict[str, Any] = {}
            for key in ("DeleteOnTermination", "Encrypted"):
                if ebs.get(key) is not None:
                    got[key] = _flag(ebs[key])
            for key in ("Iops", "VolumeSize", "Throughput"):
                if ebs.get(key) is not None:
                    got[key] = int(ebs[key])
            for key in ("SnapshotId", "VolumeType", "KmsKeyId", "OutpostArn"):
                if ebs.get(key) is not None:
                    got[key] = str(ebs[key])
            item["Ebs"] = got
        out.append(item)
    return out


def _keep_spot_fleet_block_devices() -> None:
    """moto keeps a Spot Fleet request's launch specifications but drops their ``BlockDeviceMappings``; AWS answers
    them in ``DescribeSpotFleetRequests`` (``SpotFleetLaunchSpecification.BlockDeviceMappings``). Keep them."""
    from moto.ec2.models.spot_requests import SpotFleetLaunchSpec, SpotFleetRequest

    SpotFleetLaunchSpec.block_device_mappings = None  # answered only when the request gave some
    original = SpotFleetRequest.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        given = kwargs.get("launch_specs") or []
        for spec, launch in zip(given, self.launch_specs, strict=False):  # the request's own specifications come first
            if isinstance(spec, dict) and spec.get("BlockDeviceMappings"):
                launch.block_device_mappings = _block_devices(spec)

    SpotFleetRequest.__init__ = init
