"""The DR framework's pure parts: times, redaction, the runbook parameters, the RTO clock."""

from __future__ import annotations

import datetime as dt

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.dr import core, runner
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError


def test_parse_time_is_utc_and_refuses_garbage() -> None:
    assert core.parse_time("2026-11-30T12:00:00Z") == dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    assert core.parse_time("2026-11-30T13:00:00+01:00") == dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC)
    assert core.iso(core.parse_time("2026-11-30T12:00:00")) == "2026-11-30T12:00:00.000Z"
    with pytest.raises(PreflightError, match="ISO 8601"):
        core.parse_time("yesterday")


def test_redact_masks_passwords() -> None:
    assert core.redact({"MasterUserPassword": "x", "A": {"password": "y"}, "B": 1}) == {"MasterUserPassword": "********", "A": {"password": "********"}, "B": 1}


def test_parameters_defaults_and_errors() -> None:
    got = runner.check_parameters("rds_point_in_time_restore", {"db": "orders", "accept_differences": "tags, kms_key", "drill": "false"})
    assert got["restore_time"] == "latest" and got["accept_differences"] == ["tags", "kms_key"] and got["drill"] is False
    with pytest.raises(core.RunbookError, match="needs the parameter db"):
        runner.check_parameters("rds_point_in_time_restore", {})
    with pytest.raises(core.RunbookError, match="unknown parameter"):
        runner.check_parameters("rds_point_in_time_restore", {"db": "x", "bogus": 1})


def test_rto_clock_parts() -> None:
    clock = core.RtoClock(core.utcnow() - dt.timedelta(seconds=10))
    clock.mark("api_available")
    out = clock.as_dict(("api_available", "cutover"))
    assert 9.99 <= out["achieved_seconds"] < 20 and out["parts"]["cutover"]["seconds"] is None
