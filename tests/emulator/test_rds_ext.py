"""RDS Enhanced Monitoring settings as AWS reports them (tools/local_aws/rds_ext.py): CreateDBInstance and
ModifyDBInstance keep MonitoringInterval / MonitoringRoleArn, DescribeDBInstances answers them (0 when off), and the
API's rules on the pair are enforced."""

from __future__ import annotations

import botocore.exceptions
import pytest

from .conftest import Emulator

ROLE = "arn:aws:iam::123456789012:role/rds-monitoring"
DB = {"DBInstanceClass": "db.t3.micro", "Engine": "mysql", "MasterUsername": "dbowner", "MasterUserPassword": "password123", "AllocatedStorage": 20}


def monitoring(rds: object, name: str) -> tuple[object, object]:
    db = rds.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0]  # type: ignore[attr-defined]
    return db.get("MonitoringInterval"), db.get("MonitoringRoleArn")


def test_the_monitoring_interval_is_kept_and_answered(emulator: Emulator) -> None:
    rds = emulator.client("rds")
    rds.create_db_instance(DBInstanceIdentifier="em-off", **DB)
    rds.create_db_instance(DBInstanceIdentifier="em-on", MonitoringInterval=60, MonitoringRoleArn=ROLE, **DB)
    assert monitoring(rds, "em-off") == (0, None)
    assert monitoring(rds, "em-on") == (60, ROLE)
    rds.modify_db_instance(DBInstanceIdentifier="em-off", MonitoringInterval=5, MonitoringRoleArn=ROLE, ApplyImmediately=True)
    rds.modify_db_instance(DBInstanceIdentifier="em-on", MonitoringInterval=15, ApplyImmediately=True)  # the role is kept
    assert monitoring(rds, "em-off") == (5, ROLE)
    assert monitoring(rds, "em-on") == (15, ROLE)
    rds.modify_db_instance(DBInstanceIdentifier="em-on", MonitoringInterval=0, ApplyImmediately=True)
    assert monitoring(rds, "em-on") == (0, None)


@pytest.mark.parametrize(
    ("settings", "code"),
    [
        ({"MonitoringInterval": 60}, "InvalidParameterCombination"),  # no role for a non-zero interval
        ({"MonitoringInterval": 0, "MonitoringRoleArn": ROLE}, "InvalidParameterCombination"),  # a role needs an interval
        ({"MonitoringInterval": 7, "MonitoringRoleArn": ROLE}, "InvalidParameterValue"),  # not one of 0, 1, 5, 10, 15, 30, 60
    ],
)
def test_invalid_monitoring_settings_are_refused(emulator: Emulator, settings: dict[str, object], code: str) -> None:
    rds = emulator.client("rds")
    with pytest.raises(botocore.exceptions.ClientError) as err:
        rds.create_db_instance(DBInstanceIdentifier="em-bad", **settings, **DB)
    assert err.value.response["Error"]["Code"] == code
    assert not [d for d in rds.describe_db_instances()["DBInstances"] if d["DBInstanceIdentifier"] == "em-bad"]
