"""The snapshot runbooks' pure parts: their parameters (through the runner) and the copy's default name."""

from __future__ import annotations

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.dr import core, runner, snapshot


def test_restore_parameters_default_to_the_latest_snapshot_and_a_real_recovery() -> None:
    got = runner.check_parameters("rds_snapshot_restore", {"db": "orders"})
    assert got["snapshot"] == "latest" and got["drill"] is False and got["accept_differences"] == [] and got["smoke_column"] == "ts"
    with pytest.raises(core.RunbookError, match="needs the parameter db"):
        runner.check_parameters("rds_snapshot_restore", {"snapshot": "s"})
    with pytest.raises(core.RunbookError, match="unknown parameter"):
        runner.check_parameters("rds_snapshot_restore", {"db": "orders", "restore_time": "latest"})


def test_copy_parameters_need_the_snapshot_the_region_and_the_key() -> None:
    got = runner.check_parameters("rds_snapshot_copy", {"snapshot": "s", "target_region": "us-west-2", "kms_key": "k", "prove": "false"})
    assert got["prove"] is False and got["databases"] == {} and got["drill"] is False and got["keep_proof"] is False
    for missing in ("snapshot", "target_region", "kms_key"):
        given = {"snapshot": "s", "target_region": "us-west-2", "kms_key": "k"}
        del given[missing]
        with pytest.raises(core.RunbookError, match=f"needs the parameter {missing}"):
            runner.check_parameters("rds_snapshot_copy", given)


@pytest.mark.parametrize(
    ("source", "region", "wanted"),
    [
        ("orders-nightly", "us-west-2", "orders-nightly-us-west-2"),
        ("rds:orders-2026-11-30-13-49", "eu-west-1", "rds-orders-2026-11-30-13-49-eu-west-1"),
        ("Orders--Big_Snap", "us-west-2", "orders-big-snap-us-west-2"),
    ],
)
def test_the_copy_is_named_after_the_snapshot_and_the_region(source: str, region: str, wanted: str) -> None:
    assert snapshot._default_target_snapshot(source, region) == wanted
