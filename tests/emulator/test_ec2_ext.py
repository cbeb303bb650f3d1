"""The test-only clock for stopped EC2 instances (tools/local_aws/ec2_ext.py): a stopped instance's recorded stop time
moves into the past, DescribeInstances answers the moved time, and nothing else can be moved."""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.error
import urllib.request
from typing import Any

import boto3
import botocore.exceptions
import pytest

from .conftest import Emulator

PATH = "/_slipway/ec2/instance-stop-dates"


def post(emulator: Emulator, body: Any) -> tuple[int, dict[str, Any]]:
    req = urllib.request.Request(emulator.endpoint + PATH, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def stop_time(reason: str) -> dt.datetime:
    found = re.search(r"\((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?:GMT|UTC)\)", reason)
    assert found, reason
    return dt.datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S")


def test_a_stopped_instance_can_be_made_to_have_stopped_long_ago(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    running, stopped = (ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"] for _n in range(2))
    ec2.stop_instances(InstanceIds=[stopped])

    def reason(iid: str) -> str:
        return str(ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["StateTransitionReason"])

    before = stop_time(reason(stopped))
    code, answer = post(emulator, {"instance_id": stopped, "back_days": 40})
    assert code == 200 and answer["state"] == "stopped", answer
    after = stop_time(reason(stopped))
    assert before - after == dt.timedelta(days=40)
    assert reason(stopped).startswith("User initiated (")

    assert post(emulator, {"instance_id": running, "back_days": 40})[0] == 409  # a running instance has no stop to move
    assert post(emulator, {"instance_id": "i-0000000000000000", "back_days": 1})[0] == 404
    assert post(emulator, {"instance_id": stopped, "back_days": 0})[0] == 400
    assert post(emulator, {"instance_id": stopped})[0] == 400
    assert stop_time(reason(stopped)) == after  # refused requests moved nothing


def test_snapshot_block_public_access_is_one_setting_per_account_and_region(emulator: Emulator) -> None:
    """Unblocked until enabled; Enable takes block-all-sharing or block-new-sharing; Disable unblocks; each region
    keeps its own setting; a bad State is refused and changes nothing."""
    east = emulator.client("ec2")
    west = boto3.client("ec2", endpoint_url=emulator.endpoint, region_name="eu-west-1", aws_access_key_id="testing", aws_secret_access_key="testing")

    def state(ec2: Any) -> tuple[str, str]:
        got = ec2.get_snapshot_block_public_access_state()
        return got["State"], got["ManagedBy"]

    assert state(east) == ("unblocked", "account")
    assert east.enable_snapshot_block_public_access(State="block-new-sharing")["State"] == "block-new-sharing"
    assert state(east) == ("block-new-sharing", "account")
    assert east.enable_snapshot_block_public_access(State="block-all-sharing")["State"] == "block-all-sharing"
    assert state(east) == ("block-all-sharing", "account")
    assert state(west) == ("unblocked", "account")  # a regional setting
    with pytest.raises(botocore.exceptions.ClientError) as bad:
        east.enable_snapshot_block_public_access(State="unblocked")
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert state(east) == ("block-all-sharing", "account")
    assert east.disable_snapshot_block_public_access()["State"] == "unblocked"
    assert state(east) == ("unblocked", "account")


def test_spot_fleet_requests_answer_their_launch_specifications_block_devices(emulator: Emulator) -> None:
    ec2 = emulator.client("ec2")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    devices = [
        {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "Encrypted": True, "VolumeType": "gp3"}},
        {"DeviceName": "/dev/sdg", "Ebs": {"VolumeSize": 4, "Encrypted": False}},
        {"DeviceName": "/dev/sdh", "Ebs": {"VolumeSize": 2}},
    ]
    specs = [{"ImageId": image, "InstanceType": "t3.micro", "BlockDeviceMappings": devices}, {"ImageId": image, "InstanceType": "t3.small"}]
    config = {"TargetCapacity": 1, "IamFleetRole": "arn:aws:iam::123456789012:role/fleet", "AllocationStrategy": "lowestPrice", "LaunchSpecifications": specs}
    fleet = ec2.request_spot_fleet(SpotFleetRequestConfig=config)["SpotFleetRequestId"]
    (got,) = ec2.describe_spot_fleet_requests(SpotFleetRequestIds=[fleet])["SpotFleetRequestConfigs"]
    first, second = got["SpotFleetRequestConfig"]["LaunchSpecifications"]
    assert first["BlockDeviceMappings"] == devices
    assert "BlockDeviceMappings" not in second
