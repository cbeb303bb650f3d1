"""The tricky parts of controls_network.py: port ranges, parameters, network ACL rule order, and each control
judging only its kind of EC2 resource."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls as ctl
from ansible_collections.slipway.aws.plugins.module_utils.compliance import controls_network as net

from tests.unit.plugins.module_utils.compliance.cases_network import ACL, ENI, FLEET, INSTANCE, SPECS, STOPPED, TEMPLATE, TGW, VERSION, VPC, entry, rule, sg

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)


def judge(cid: str, base: dict[str, Any], areas: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> list[ctl.Result]:
    res = {"arn": "arn:test:r", "name": "r", "region": "us-east-1", "type": "T", "base": base, "areas": areas or {}, "unavailable": {}}
    part = {"service": "ec2", "region": "us-east-1", "actions": [], "listing": None, "resources": [res]}
    return ctl.evaluate(ctl.CONTROLS[cid], {"account": "123456789012", "regions": ["us-east-1"], "services": [part]}, params, NOW)


def status(cid: str, base: dict[str, Any], areas: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> str:
    (r,) = judge(cid, base, areas, params)
    return r.status


def test_port_parameters_accept_lists_strings_and_ranges() -> None:
    assert net.parse_ports([80, 443]) == [(80, 80), (443, 443)]
    assert net.parse_ports("80, 443,8000-8100") == [(80, 80), (443, 443), (8000, 8100)]
    assert net.parse_ports(None) == [] and net.parse_ports("") == []


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        ((rule("tcp", 80, 80, ("0.0.0.0/0",)), rule("tcp", 443, 443, (), ("::/0",))), "PASS"),
        ((rule("tcp", 80, 443, ("0.0.0.0/0",)),), "FAIL"),  # a range wider than the authorized ports
        ((rule("-1", None, None, ("0.0.0.0/0",)),), "FAIL"),  # all traffic
        ((rule("udp", 53, 53, ("0.0.0.0/0",)),), "FAIL"),  # no UDP port is authorized by default
        ((rule("icmp", -1, -1, ("0.0.0.0/0",)),), "PASS"),  # no ports to judge
        ((rule("tcp", 0, 65535, ("10.0.0.0/8",)),), "PASS"),  # not unrestricted
    ],
)
def test_ec2_18_authorized_ports(rules: tuple[dict[str, Any], ...], expected: str) -> None:
    assert status("EC2.18", sg(*rules)) == expected


def test_ec2_18_parameters_override_the_defaults() -> None:
    dns = sg(rule("udp", 53, 53, ("0.0.0.0/0",)), rule("tcp", 8080, 8080, ("0.0.0.0/0",)))
    assert status("EC2.18", dns, params={"authorizedUdpPorts": "53", "authorizedTcpPorts": "8000-8100"}) == "PASS"
    assert ctl.check_parameters({"EC2.18": {"authorizedTcpPorts": [443]}}) == {"EC2.18": {"authorizedTcpPorts": [443]}}


def test_ec2_19_and_admin_ports_name_what_is_open() -> None:
    wide = sg(rule("tcp", 3000, 3400, ("0.0.0.0/0",)))
    (r,) = judge("EC2.19", wide)
    assert r.status == "FAIL" and r.evidence["ports"] == [3000, 3306, 3389]
    assert status("EC2.53", wide) == "FAIL" and status("EC2.54", wide) == "PASS"
    everything6 = sg(rule("-1", None, None, (), ("::/0",)))
    assert (status("EC2.53", everything6), status("EC2.54", everything6), status("EC2.19", everything6)) == ("PASS", "FAIL", "FAIL")
    assert status("EC2.19", sg(rule("tcp", 443, 443, ("0.0.0.0/0",), ("::/0",)))) == "PASS"


def test_nacl_rule_order_decides() -> None:
    allow_all = entry(100, "allow", "-1", None, None)
    said = "rule 100 allows all traffic all ports from 0.0.0.0/0"
    assert net.nacl_open_ports([allow_all]) == {22: said, 3389: said}
    assert net.nacl_open_ports([entry(50, "deny", "6", 22, 22), entry(60, "deny", "6", 3389, 3389), allow_all]) == {}
    assert set(net.nacl_open_ports([allow_all, entry(150, "deny", "-1", None, None)])) == {22, 3389}  # the deny comes too late
    assert set(net.nacl_open_ports([entry(100, "allow", "17", 3389, 3389, "::/0")])) == {3389}
    egress = {**allow_all, "egress": True}
    assert net.nacl_open_ports([egress]) == {}


def test_each_control_judges_only_its_kind() -> None:
    kinds = {
        "security_group": sg(rule("-1", None, None, ("0.0.0.0/0",))),
        "vpc": VPC,
        "subnet": {"kind": "subnet", "MapPublicIpOnLaunch": True},
        "network_acl": {**ACL, "entries": []},
        "instance": INSTANCE,
        "volume": {"kind": "volume", "encrypted": False, "attached_to": ["i-1"]},
        "account": {"kind": "account"},
        "snapshot": {"kind": "snapshot"},
        "transit_gateway": TGW,
        "launch_template": TEMPLATE,
        "network_interface": ENI,
        "spot_fleet_request": {**FLEET, "launch_specifications": SPECS},
    }
    areas = {
        "flow_logs": [],
        "vpc_endpoints": [],
        "ebs_encryption": False,
        "create_volume_permission": [],
        "launch_template_version": VERSION,
        "snapshot_block_public_access": "unblocked",
    }
    for c in net.CATALOGUE:
        judged = [kind for kind, base in kinds.items() if judge(c.id, base, areas)]
        assert len(judged) == 1, (c.id, judged)
    assert judge("EC2.2", {"kind": "vpc"}) == []  # EC2.2 judges default security groups only


def test_scopes_of_unused_default_acls_and_detached_volumes() -> None:
    assert judge("EC2.16", {**ACL, "is_default": True, "subnets": []}) == []  # Security Hub reports no unused default ACL
    assert status("EC2.16", {**ACL, "is_default": True}) == "PASS"
    (r,) = judge("EC2.3", {"kind": "volume", "encrypted": False, "attached_to": []})
    assert r.status == "NOT_APPLICABLE"


def test_flow_logs_and_endpoints() -> None:
    flow = {"FlowLogId": "fl-1", "FlowLogStatus": "ACTIVE", "TrafficType": "REJECT"}
    assert status("EC2.6", VPC, {"flow_logs": [flow]}) == "PASS"
    assert status("EC2.6", VPC, {"flow_logs": [{**flow, "FlowLogStatus": "INACTIVE"}]}) == "FAIL"
    (r,) = judge("EC2.6", VPC, {"flow_logs": []})
    assert r.status == "FAIL" and "no flow log" in r.reason
    fips = {"VpcEndpointId": "vpce-1", "ServiceName": "com.amazonaws.us-east-1.ec2-fips", "State": "available"}
    assert status("EC2.10", VPC, {"vpc_endpoints": [fips]}) == "PASS"
    assert status("EC2.10", VPC, {"vpc_endpoints": [{**fips, "ServiceName": "com.amazonaws.eu-west-1.ec2"}]}) == "FAIL"  # another region's
    assert status("EC2.10", VPC, {"vpc_endpoints": [{**fips, "State": "deleted"}]}) == "FAIL"


@pytest.mark.parametrize(
    ("base", "expected", "words"),
    [
        ({**STOPPED, "stopped_at": "2025-05-02T00:00:00Z"}, "PASS", "30 days"),  # 30 days: not longer than allowedDays
        ({**STOPPED, "stopped_at": "2025-05-01T23:00:00Z"}, "FAIL", "30 days"),  # 30 days and 1 hour
        ({**STOPPED, "stopped_at": None}, "FAIL", "cannot be determined"),  # the Config rule: unknown duration fails
        ({**INSTANCE, "state": "running", "stopped_at": None}, "PASS", "running"),
        ({**INSTANCE, "state": "stopping"}, "PASS", "stopping"),
    ],
)
def test_ec2_4_stop_age(base: dict[str, Any], expected: str, words: str) -> None:
    (r,) = judge("EC2.4", base)
    assert r.status == expected and words in r.reason


def test_ec2_4_allowed_days_parameter() -> None:
    old = {**STOPPED, "stopped_at": "2025-04-01T00:00:00Z"}
    assert status("EC2.4", old) == "FAIL" and status("EC2.4", old, params={"allowedDays": 90}) == "PASS"


def test_stop_time_from_the_state_transition_reason() -> None:
    from ansible_collections.slipway.aws.plugins.module_utils.compliance import evidence

    assert evidence.stop_time("User initiated (2025-01-31 09:15:00 GMT)") == "2025-01-31T09:15:00Z"
    assert evidence.stop_time("User initiated (2025-01-31 09:15:00 UTC)") == "2025-01-31T09:15:00Z"  # the emulator's spelling
    assert evidence.stop_time("Server.ScheduledStop: Stopped due to scheduled retirement") is None
    assert evidence.stop_time(None) is None and evidence.stop_time("") is None


def test_transit_gateway_auto_accept_absent_is_disabled() -> None:
    assert status("EC2.23", {**TGW, "auto_accept_shared_attachments": None}) == "PASS"


def test_launch_template_edges() -> None:
    bare = {"version": 1, "http_tokens": None, "network_interfaces": [], "ebs_volumes": []}
    assert status("EC2.170", TEMPLATE, {"launch_template_version": bare}) == "FAIL"  # metadata version not set to V2
    assert status("EC2.25", TEMPLATE, {"launch_template_version": bare}) == "PASS"  # no interface asks for a public IP
    assert status("EC2.181", TEMPLATE, {"launch_template_version": bare}) == "PASS"  # no EBS volume configured
    unset = {**bare, "network_interfaces": [{"device_index": 0, "associate_public_ip": None}], "ebs_volumes": [{"device": "/dev/sdb", "encrypted": None}]}
    assert status("EC2.25", TEMPLATE, {"launch_template_version": unset}) == "PASS"
    (r,) = judge("EC2.181", TEMPLATE, {"launch_template_version": unset})
    assert r.status == "FAIL" and r.evidence["unencrypted"] == ["/dev/sdb"]  # encryption not set is not encryption


def test_ec2_180_judges_user_managed_interface_types_only() -> None:
    for kind in ("interface", "efa", "lambda", "branch", None):
        assert status("EC2.180", {**ENI, "interface_type": kind, "source_dest_check": False}) == "FAIL", kind
    (r,) = judge("EC2.180", {**ENI, "interface_type": "nat_gateway", "source_dest_check": False})
    assert r.status == "NOT_APPLICABLE" and "nat_gateway" in r.reason


def test_interface_endpoints_are_per_service_and_region() -> None:
    ssm = {"VpcEndpointId": "vpce-1", "ServiceName": "com.amazonaws.us-east-1.ssm", "State": "available"}
    assert status("EC2.57", VPC, {"vpc_endpoints": [ssm]}) == "PASS"
    assert status("EC2.58", VPC, {"vpc_endpoints": [ssm]}) == "FAIL"  # ssm is not ssm-contacts
    assert status("EC2.57", VPC, {"vpc_endpoints": [{**ssm, "ServiceName": "com.amazonaws.eu-west-1.ssm"}]}) == "FAIL"


@pytest.mark.parametrize(
    ("state", "expected"),
    [("block-all-sharing", "PASS"), ("block-new-sharing", "FAIL"), ("unblocked", "FAIL")],
)
def test_ec2_182_only_blocking_all_sharing_passes(state: str, expected: str) -> None:
    assert status("EC2.182", {"kind": "account"}, {"snapshot_block_public_access": state}) == expected


def test_ec2_173_spot_fleet_edges() -> None:
    fleet = {"kind": "spot_fleet_request", "state": "active"}
    unset = [{"ebs_volumes": [{"device": "/dev/sdf", "encrypted": None}]}]
    assert status("EC2.173", {**fleet, "launch_specifications": unset}) == "FAIL"  # Encrypted not set: not encrypted
    assert status("EC2.173", {**fleet, "launch_specifications": [{"ebs_volumes": []}]}) == "PASS"  # no EBS volume mapped
    (r,) = judge("EC2.173", {**fleet, "launch_specifications": [], "launch_templates": 1})
    assert r.status == "NOT_APPLICABLE" and "launch templates" in r.reason
    assert judge("EC2.173", {"kind": "account"}) == []  # other kinds are not judged


def test_ec2_13_judges_tcp_and_all_traffic_to_port_22() -> None:
    assert status("EC2.13", sg(rule("-1", None, None, ("0.0.0.0/0",)))) == "FAIL"
    assert status("EC2.13", sg(rule("tcp", 0, 65535, (), ("::/0",)))) == "FAIL"
    assert status("EC2.13", sg(rule("udp", 22, 22, ("0.0.0.0/0",)))) == "PASS"  # not SSH
    assert status("EC2.13", sg(rule("tcp", 3389, 3389, ("0.0.0.0/0",)))) == "PASS"
