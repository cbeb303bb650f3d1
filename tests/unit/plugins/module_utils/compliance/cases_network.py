"""Unit cases of controls_network.py's controls, merged into test_controls.CASES: control id -> (service,
(compliant base, compliant areas), (non-compliant base, non-compliant areas))."""

from __future__ import annotations

from typing import Any


def rule(protocol: str, low: int | None, high: int | None, ipv4: tuple[str, ...] = (), ipv6: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"protocol": protocol, "from": low, "to": high, "ipv4": list(ipv4), "ipv6": list(ipv6), "groups": [], "prefix_lists": []}


def sg(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "security_group", "group_name": "web", "vpc_id": "vpc-1", "ingress": len(rules), "egress": 1, "ingress_rules": list(rules)}


WEB = sg(rule("tcp", 443, 443, ("0.0.0.0/0",), ("::/0",)), rule("tcp", 22, 22, ("10.0.0.0/8",)))
SSH4 = sg(rule("tcp", 443, 443, ("0.0.0.0/0",)), rule("tcp", 22, 22, ("0.0.0.0/0",)))
RDP6 = sg(rule("tcp", 3380, 3390, (), ("::/0",)))
VPC = {"kind": "vpc", "is_default": False}
ACL = {"kind": "network_acl", "is_default": False, "subnets": ["subnet-1"]}


def entry(rule_number: int, action: str, protocol: str = "6", low: int | None = 22, high: int | None = 22, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    return {"rule": rule_number, "egress": False, "protocol": protocol, "action": action, "cidr": cidr, "from": low, "to": high}


FLOW = {"FlowLogId": "fl-1", "FlowLogStatus": "ACTIVE", "TrafficType": "ALL"}
ENDPOINT = {"VpcEndpointId": "vpce-1", "ServiceName": "com.amazonaws.us-east-1.ec2", "State": "available"}
INSTANCE = {"kind": "instance", "http_tokens": "required", "public_ip": None, "network_interfaces": ["eni-1"]}
INSTANCE_BAD = {"kind": "instance", "http_tokens": "optional", "public_ip": "54.1.2.3", "network_interfaces": ["eni-1", "eni-2"]}
STOPPED = {**INSTANCE, "state": "stopped", "stopped_at": "2025-05-20T08:00:00Z", "virtualization_type": "hvm"}  # 12 days before NOW
TGW = {"kind": "transit_gateway", "state": "available", "auto_accept_shared_attachments": "disable"}
TEMPLATE = {"kind": "launch_template", "template_name": "web", "default_version": 2}
VERSION = {
    "version": 2,
    "http_tokens": "required",
    "network_interfaces": [{"device_index": 0, "associate_public_ip": False}],
    "ebs_volumes": [{"device": "/dev/xvda", "encrypted": True}],
}
VERSION_BAD = {
    "version": 1,
    "http_tokens": "optional",
    "network_interfaces": [{"device_index": 0, "associate_public_ip": True}],
    "ebs_volumes": [{"device": "/dev/xvda", "encrypted": True}, {"device": "/dev/sdb", "encrypted": None}],
}
FLEET = {"kind": "spot_fleet_request", "state": "active", "launch_templates": 0}
SPECS = [{"ebs_volumes": [{"device": "/dev/sdf", "encrypted": True}]}, {"ebs_volumes": []}]
SPECS_BAD = [{"ebs_volumes": [{"device": "/dev/sdf", "encrypted": True}]}, {"ebs_volumes": [{"device": "/dev/sdg", "encrypted": False}]}]
ENI = {"kind": "network_interface", "interface_type": "interface", "source_dest_check": True, "requester_managed": False, "attached_to": "i-1"}


def endpoint_case(service: str) -> tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]:
    good = {**ENDPOINT, "ServiceName": f"com.amazonaws.us-east-1.{service}", "VpcEndpointType": "Interface"}
    return ("ec2", (VPC, {"vpc_endpoints": [good]}), (VPC, {"vpc_endpoints": [ENDPOINT]}))


CASES: dict[str, tuple[str, tuple[dict[str, Any], dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]] = {
    "EC2.1": (
        "ec2",
        ({"kind": "snapshot"}, {"create_volume_permission": [{"UserId": "111111111111"}]}),
        ({"kind": "snapshot"}, {"create_volume_permission": [{"Group": "all"}]}),
    ),
    "EC2.3": (
        "ec2",
        ({"kind": "volume", "encrypted": True, "attached_to": ["i-1"]}, {}),
        ({"kind": "volume", "encrypted": False, "attached_to": ["i-2"]}, {}),
    ),
    "EC2.6": ("ec2", (VPC, {"flow_logs": [FLOW]}), (VPC, {"flow_logs": [{**FLOW, "TrafficType": "ACCEPT"}]})),
    "EC2.7": ("ec2", ({"kind": "account"}, {"ebs_encryption": True}), ({"kind": "account"}, {"ebs_encryption": False})),
    "EC2.8": ("ec2", (INSTANCE, {}), (INSTANCE_BAD, {})),
    "EC2.9": ("ec2", (INSTANCE, {}), (INSTANCE_BAD, {})),
    "EC2.10": ("ec2", (VPC, {"vpc_endpoints": [ENDPOINT]}), (VPC, {"vpc_endpoints": [{**ENDPOINT, "ServiceName": "com.amazonaws.us-east-1.s3"}]})),
    "EC2.15": ("ec2", ({"kind": "subnet", "MapPublicIpOnLaunch": False}, {}), ({"kind": "subnet", "MapPublicIpOnLaunch": True}, {})),
    "EC2.16": ("ec2", (ACL, {}), ({**ACL, "subnets": []}, {})),
    "EC2.17": ("ec2", (INSTANCE, {}), (INSTANCE_BAD, {})),
    "EC2.18": ("ec2", (WEB, {}), (SSH4, {})),
    "EC2.19": ("ec2", (WEB, {}), (RDP6, {})),
    "EC2.21": (
        "ec2",
        ({**ACL, "entries": [entry(90, "deny", "-1", None, None), entry(100, "allow", "-1", None, None, "10.0.0.0/8")]}, {}),
        ({**ACL, "entries": [entry(100, "allow", "6", 3389, 3389), entry(200, "deny", "-1", None, None)]}, {}),
    ),
    "EC2.53": ("ec2", (RDP6, {}), (SSH4, {})),
    "EC2.54": ("ec2", (SSH4, {}), (RDP6, {})),
    "EC2.4": ("ec2", (STOPPED, {}), ({**STOPPED, "stopped_at": "2025-04-01T00:00:00Z"}, {})),
    "EC2.23": ("ec2", (TGW, {}), ({**TGW, "auto_accept_shared_attachments": "enable"}, {})),
    "EC2.24": ("ec2", (STOPPED, {}), ({**STOPPED, "virtualization_type": "paravirtual"}, {})),
    "EC2.25": ("ec2", (TEMPLATE, {"launch_template_version": VERSION}), (TEMPLATE, {"launch_template_version": VERSION_BAD})),
    "EC2.55": endpoint_case("ecr.api"),
    "EC2.56": endpoint_case("ecr.dkr"),
    "EC2.57": endpoint_case("ssm"),
    "EC2.58": endpoint_case("ssm-contacts"),
    "EC2.60": endpoint_case("ssm-incidents"),
    "EC2.170": ("ec2", (TEMPLATE, {"launch_template_version": VERSION}), (TEMPLATE, {"launch_template_version": VERSION_BAD})),
    "EC2.180": ("ec2", (ENI, {}), ({**ENI, "source_dest_check": False}, {})),
    "EC2.181": ("ec2", (TEMPLATE, {"launch_template_version": VERSION}), (TEMPLATE, {"launch_template_version": VERSION_BAD})),
    "EC2.182": (
        "ec2",
        ({"kind": "account"}, {"snapshot_block_public_access": "block-all-sharing"}),
        ({"kind": "account"}, {"snapshot_block_public_access": "block-new-sharing"}),
    ),
    "EC2.173": ("ec2", ({**FLEET, "launch_specifications": SPECS}, {}), ({**FLEET, "launch_specifications": SPECS_BAD}, {})),
    "EC2.13": ("ec2", (sg(rule("udp", 22, 22, ("0.0.0.0/0",)), rule("tcp", 22, 22, ("10.0.0.0/8",))), {}), (sg(rule("tcp", 20, 30, (), ("::/0",))), {})),
}
