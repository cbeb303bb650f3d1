"""Load balancer attributes as AWS answers them (tools/local_aws/elb_ext.py): DescribeLoadBalancerAttributes answers
every attribute of the type with its documented default until set, a set value as set, and a Classic Load Balancer's
desync mitigation mode survives the change of another attribute."""

from __future__ import annotations

from typing import Any

import botocore.exceptions
import pytest

from .conftest import Emulator


def _v2(emulator: Emulator, name: str, lb_type: str, scheme: str = "internet-facing") -> tuple[Any, str]:
    ec2, elb = emulator.client("ec2"), emulator.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.61.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    arn = elb.create_load_balancer(Name=name, Subnets=subnets, Type=lb_type, Scheme=scheme)["LoadBalancers"][0]["LoadBalancerArn"]
    return elb, arn


def attributes(elb: Any, arn: str) -> dict[str, str]:
    got = elb.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    keys = [a["Key"] for a in got]
    assert len(keys) == len(set(keys)), keys
    return {a["Key"]: a["Value"] for a in got}


def test_an_application_load_balancer_answers_every_attribute_with_its_default(emulator: Emulator) -> None:
    elb, arn = _v2(emulator, "ext-alb", "application")
    got = attributes(elb, arn)
    assert got["routing.http.desync_mitigation_mode"] == "defensive"
    assert got["routing.http.drop_invalid_header_fields.enabled"] == "false"
    assert got["routing.http2.enabled"] == "true"
    assert got["routing.http.xff_header_processing.mode"] == "append"
    assert got["idle_timeout.timeout_seconds"] == "60"
    assert got["client_keep_alive.seconds"] == "3600"
    assert got["access_logs.s3.enabled"] == "false"
    assert got["ipv6.deny_all_igw_traffic"] == "false"  # internet-facing
    assert got["waf.fail_open.enabled"] == "false"
    assert "dns_record.client_routing_policy" not in got  # a Network Load Balancer's


def test_a_set_attribute_is_answered_as_set_and_the_others_keep_their_defaults(emulator: Emulator) -> None:
    elb, arn = _v2(emulator, "ext-alb-set", "application", scheme="internal")
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn,
        Attributes=[{"Key": "routing.http.desync_mitigation_mode", "Value": "monitor"}, {"Key": "idle_timeout.timeout_seconds", "Value": "120"}],
    )
    got = attributes(elb, arn)
    assert (got["routing.http.desync_mitigation_mode"], got["idle_timeout.timeout_seconds"]) == ("monitor", "120")
    assert got["routing.http.drop_invalid_header_fields.enabled"] == "false"
    assert got["ipv6.deny_all_igw_traffic"] == "true"  # internal


def test_a_network_load_balancer_answers_its_own_attributes(emulator: Emulator) -> None:
    elb, arn = _v2(emulator, "ext-nlb", "network")
    got = attributes(elb, arn)
    assert got["dns_record.client_routing_policy"] == "any_availability_zone"
    assert got["load_balancing.cross_zone.enabled"] == "false"
    assert got["deletion_protection.enabled"] == "false"
    assert not [k for k in got if k.startswith("routing.http")], got


def test_an_unknown_load_balancer_is_still_an_error(emulator: Emulator) -> None:
    elb = emulator.client("elbv2")
    missing = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nope/0123456789abcdef"
    with pytest.raises(botocore.exceptions.ClientError) as err:
        elb.describe_load_balancer_attributes(LoadBalancerArn=missing)
    assert err.value.response["Error"]["Code"] == "LoadBalancerNotFound"


def classic_additional(clb: Any, name: str) -> list[tuple[str, str]]:
    got = clb.describe_load_balancer_attributes(LoadBalancerName=name)["LoadBalancerAttributes"]
    return [(a["Key"], a["Value"]) for a in got.get("AdditionalAttributes") or []]


def test_a_classic_load_balancer_answers_its_desync_mode_and_keeps_a_set_one(emulator: Emulator) -> None:
    clb = emulator.client("elb")
    listener = [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}]
    clb.create_load_balancer(LoadBalancerName="ext-clb", Listeners=listener, AvailabilityZones=["us-east-1a"])
    assert classic_additional(clb, "ext-clb") == [("elb.http.desyncmitigationmode", "defensive")]
    clb.modify_load_balancer_attributes(
        LoadBalancerName="ext-clb", LoadBalancerAttributes={"AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "strictest"}]}
    )
    # another attribute changes: the mode set before stays, answered once
    clb.modify_load_balancer_attributes(LoadBalancerName="ext-clb", LoadBalancerAttributes={"CrossZoneLoadBalancing": {"Enabled": True}})
    assert classic_additional(clb, "ext-clb") == [("elb.http.desyncmitigationmode", "strictest")]
    got = clb.describe_load_balancer_attributes(LoadBalancerName="ext-clb")["LoadBalancerAttributes"]
    assert got["CrossZoneLoadBalancing"]["Enabled"] is True
