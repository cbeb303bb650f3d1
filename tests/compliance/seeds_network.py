"""The compliance world's resources for the later FSBP controls of EC2 and VPC (plugins/module_utils/compliance/controls_network.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import boto3

ACCOUNT = "123456789012"
ARN = "arn:aws:ec2:us-east-1:123456789012:{}/{}"
ANYWHERE = {"IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
ANYWHERE6 = {"Ipv6Ranges": [{"CidrIpv6": "::/0"}]}


def _tcp(port: int, **sources: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **sources}


def seed(w: Any) -> None:
    """Two VPCs of their own (cr-net-good, cr-net-bad), each with a subnet, a network ACL, a security group, an
    instance with an attached volume; the account's EBS encryption by default (off here, on in OTHER_ACCOUNT)."""
    ec2 = w.client("ec2")
    good_vpc = ec2.create_vpc(CidrBlock="10.80.0.0/16")["Vpc"]["VpcId"]
    bad_vpc = ec2.create_vpc(CidrBlock="10.81.0.0/16")["Vpc"]["VpcId"]
    for vpc, name in ((good_vpc, "cr-net-good"), (bad_vpc, "cr-net-bad")):
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": name}])
    vpcs = (ARN.format("vpc", good_vpc), ARN.format("vpc", bad_vpc))

    # EC2.6: the good VPC's flow log captures all traffic; the bad VPC's only accepted traffic (rejects unlogged)
    flow = {"ResourceType": "VPC", "LogDestinationType": "cloud-watch-logs", "DeliverLogsPermissionArn": f"arn:aws:iam::{ACCOUNT}:role/cr-flow-logs"}
    ec2.create_flow_logs(ResourceIds=[good_vpc], TrafficType="ALL", LogGroupName="/cr/flow/good", **flow)
    ec2.create_flow_logs(ResourceIds=[bad_vpc], TrafficType="ACCEPT", LogGroupName="/cr/flow/bad", **flow)
    w.expected["EC2.6"] = vpcs
    # EC2.10: an interface endpoint for EC2 in the good VPC; the bad one has an S3 endpoint only
    ec2.create_vpc_endpoint(VpcId=good_vpc, ServiceName="com.amazonaws.us-east-1.ec2", VpcEndpointType="Interface")
    ec2.create_vpc_endpoint(VpcId=bad_vpc, ServiceName="com.amazonaws.us-east-1.s3", VpcEndpointType="Gateway")
    w.expected["EC2.10"] = vpcs

    # EC2.15: the bad subnet gives instances a public IPv4 address at launch
    good_subnet = ec2.create_subnet(VpcId=good_vpc, CidrBlock="10.80.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    bad_subnet = ec2.create_subnet(VpcId=bad_vpc, CidrBlock="10.81.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    ec2.modify_subnet_attribute(SubnetId=bad_subnet["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    w.expected["EC2.15"] = (good_subnet["SubnetArn"], bad_subnet["SubnetArn"])

    # EC2.16 / EC2.21: the good ACL is the good subnet's and lets only HTTPS in from the internet (SSH from it is
    # denied first); the bad one is associated with nothing and lets SSH in from anywhere
    good_acl = ec2.create_network_acl(VpcId=good_vpc)["NetworkAcl"]["NetworkAclId"]
    bad_acl = ec2.create_network_acl(VpcId=bad_vpc)["NetworkAcl"]["NetworkAclId"]
    entry = {"Egress": False, "CidrBlock": "0.0.0.0/0", "Protocol": "6"}
    ec2.create_network_acl_entry(NetworkAclId=good_acl, RuleNumber=90, RuleAction="deny", PortRange={"From": 22, "To": 22}, **entry)
    ec2.create_network_acl_entry(NetworkAclId=good_acl, RuleNumber=100, RuleAction="allow", PortRange={"From": 443, "To": 443}, **entry)
    ec2.create_network_acl_entry(NetworkAclId=bad_acl, RuleNumber=100, RuleAction="allow", PortRange={"From": 22, "To": 22}, **entry)
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [good_subnet["SubnetId"]]}])["NetworkAcls"][0]
    association = next(a for a in current["Associations"] if a["SubnetId"] == good_subnet["SubnetId"])["NetworkAclAssociationId"]
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=good_acl)
    for c in ("EC2.16", "EC2.21"):
        w.expected[c] = (ARN.format("network-acl", good_acl), ARN.format("network-acl", bad_acl))

    # EC2.18/.19/.53/.54: the good group opens HTTPS to the internet (IPv4 and IPv6) and SSH to the VPC only; the
    # bad one opens SSH to 0.0.0.0/0 and RDP to ::/0
    good_sg = ec2.create_security_group(GroupName="cr-net-good", Description="compliant", VpcId=good_vpc)["GroupId"]
    bad_sg = ec2.create_security_group(GroupName="cr-net-bad", Description="not compliant", VpcId=bad_vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=good_sg, IpPermissions=[_tcp(443, **ANYWHERE, **ANYWHERE6), _tcp(22, IpRanges=[{"CidrIp": "10.80.0.0/16"}])])
    ec2.authorize_security_group_ingress(GroupId=bad_sg, IpPermissions=[_tcp(22, **ANYWHERE), _tcp(3389, **ANYWHERE6)])
    for c in ("EC2.13", "EC2.18", "EC2.19", "EC2.53", "EC2.54"):
        w.expected[c] = (ARN.format("security-group", good_sg), ARN.format("security-group", bad_sg))

    # EC2.8/.9/.17: the good instance requires IMDSv2, has one ENI and no public address; the bad one allows IMDSv1,
    # has two ENIs and a public address
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    image = images[0]["ImageId"] if images else ec2.register_image(Name="cr-net", RootDeviceName="/dev/xvda")["ImageId"]
    common = {"ImageId": image, "MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro"}
    good_i = ec2.run_instances(
        SubnetId=good_subnet["SubnetId"], SecurityGroupIds=[good_sg], MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"}, **common
    )["Instances"][0]
    interfaces = [
        {"DeviceIndex": 0, "SubnetId": bad_subnet["SubnetId"], "Groups": [bad_sg], "AssociatePublicIpAddress": True},
        {"DeviceIndex": 1, "SubnetId": bad_subnet["SubnetId"], "Groups": [bad_sg]},
    ]
    bad_i = ec2.run_instances(NetworkInterfaces=interfaces, MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"}, **common)["Instances"][0]
    for c in ("EC2.8", "EC2.9", "EC2.17"):
        w.expected[c] = (ARN.format("instance", good_i["InstanceId"]), ARN.format("instance", bad_i["InstanceId"]))

    # EC2.3: an encrypted volume attached to the good instance, an unencrypted one to the bad instance
    volumes = []
    for inst, encrypted in ((good_i, True), (bad_i, False)):
        vol = ec2.create_volume(AvailabilityZone=inst["Placement"]["AvailabilityZone"], Size=1, Encrypted=encrypted)["VolumeId"]
        ec2.attach_volume(VolumeId=vol, InstanceId=inst["InstanceId"], Device="/dev/sdf")
        volumes.append(ARN.format("volume", vol))
    w.expected["EC2.3"] = (volumes[0], volumes[1])
    # EC2.1: a snapshot shared with one account, and one anyone may restore
    vol = volumes[0].rsplit("/", 1)[1]
    shared, public = (ec2.create_snapshot(VolumeId=vol, Description=f"cr-net-{n}")["SnapshotId"] for n in ("good", "bad"))
    perm = {"Attribute": "createVolumePermission", "OperationType": "add"}
    ec2.modify_snapshot_attribute(SnapshotId=shared, UserIds=["111111111111"], **perm)
    ec2.modify_snapshot_attribute(SnapshotId=public, GroupNames=["all"], **perm)
    w.expected["EC2.1"] = (f"arn:aws:ec2:us-east-1::snapshot/{shared}", f"arn:aws:ec2:us-east-1::snapshot/{public}")

    _later(w, ec2, image, (good_vpc, bad_vpc), (good_subnet["SubnetId"], bad_subnet["SubnetId"]), good_i["InstanceId"])

    # EC2.7 is account-wide (per region): off in this account, on in OTHER_ACCOUNT (seeded with its credentials)
    other = boto3.client(
        "ec2",
        endpoint_url=w.emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=w.other_account["access_key"],
        aws_secret_access_key=w.other_account["secret_key"],
        aws_session_token=w.other_account["session_token"],
    )
    other.enable_ebs_encryption_by_default()
    w.accounts["EC2.7"] = (f"AWS::::Account:{_other(w)}", f"AWS::::Account:{ACCOUNT}")
    # EC2.182: OTHER_ACCOUNT blocks all public sharing of snapshots; this account only new sharing (the emulator's
    # snapshot block public access, tools/local_aws/ec2_ext.py)
    other.enable_snapshot_block_public_access(State="block-all-sharing")
    ec2.enable_snapshot_block_public_access(State="block-new-sharing")
    w.accounts["EC2.182"] = (f"AWS::::Account:{_other(w)}", f"AWS::::Account:{ACCOUNT}")


def _later(w: Any, ec2: Any, image: str, vpcs: tuple[str, str], subnets: tuple[str, str], running: str) -> None:
    """The later FSBP controls: stopped instances, a paravirtual one, transit gateways, launch templates, network
    interfaces and the interface endpoints of ECR, Systems Manager and Incident Manager."""
    good_vpc, bad_vpc = vpcs
    # EC2.55/56/57/58/60: the good VPC has an interface endpoint for each service; the bad one none of them
    checks = {"EC2.55": "ecr.api", "EC2.56": "ecr.dkr", "EC2.57": "ssm", "EC2.58": "ssm-contacts", "EC2.60": "ssm-incidents"}
    for control, service in checks.items():
        ec2.create_vpc_endpoint(VpcId=good_vpc, ServiceName=f"com.amazonaws.us-east-1.{service}", VpcEndpointType="Interface")
        w.expected[control] = (ARN.format("vpc", good_vpc), ARN.format("vpc", bad_vpc))

    # EC2.4: one instance stopped now, one stopped 40 days ago (the emulator's test-only clock, tools/local_aws/ec2_ext.py);
    # EC2.24: the second one runs a paravirtual image
    paravirtual = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "virtualization-type", "Values": ["paravirtual"]}])["Images"]
    assert paravirtual, "the emulator lists no paravirtual image"
    common = {"MinCount": 1, "MaxCount": 1, "InstanceType": "t3.micro", "SubnetId": subnets[0]}
    recent = ec2.run_instances(ImageId=image, **common)["Instances"][0]["InstanceId"]
    old = ec2.run_instances(ImageId=paravirtual[0]["ImageId"], **common)["Instances"][0]["InstanceId"]
    ec2.stop_instances(InstanceIds=[recent, old])
    body = json.dumps({"instance_id": old, "back_days": 40}).encode()
    req = urllib.request.Request(
        f"{w.emulator.endpoint}/_slipway/ec2/instance-stop-dates", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200
    w.expected["EC2.4"] = (ARN.format("instance", recent), ARN.format("instance", old))
    w.expected["EC2.24"] = (ARN.format("instance", running), ARN.format("instance", old))

    # EC2.23: a transit gateway that accepts shared attachments only by hand, and one that accepts them automatically
    gateways = [
        ec2.create_transit_gateway(Description=f"cr-net-{n}", Options={"AutoAcceptSharedAttachments": mode})["TransitGateway"]
        for n, mode in (("good", "disable"), ("bad", "enable"))
    ]
    w.expected["EC2.23"] = (gateways[0]["TransitGatewayArn"], gateways[1]["TransitGatewayArn"])

    # EC2.25/170/181: the good template's default version requires IMDSv2, gives no public IP and encrypts its EBS volume;
    # the bad one's default version does none of these (its newer, compliant version is not the default)
    ebs = {"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8}}
    good_data = {
        "MetadataOptions": {"HttpTokens": "required"},
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}],
        "BlockDeviceMappings": [{**ebs, "Ebs": {"VolumeSize": 8, "Encrypted": True}}],
    }
    bad_data = {
        "MetadataOptions": {"HttpTokens": "optional"},
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}],
        "BlockDeviceMappings": [ebs],
    }
    good_lt = ec2.create_launch_template(LaunchTemplateName="cr-net-good", LaunchTemplateData=good_data)["LaunchTemplate"]["LaunchTemplateId"]
    bad_lt = ec2.create_launch_template(LaunchTemplateName="cr-net-bad", LaunchTemplateData=bad_data)["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(LaunchTemplateId=bad_lt, LaunchTemplateData=good_data)
    for c in ("EC2.25", "EC2.170", "EC2.181"):
        w.expected[c] = (ARN.format("launch-template", good_lt), ARN.format("launch-template", bad_lt))

    # EC2.180: a network interface with source/destination checking (the default) and one without
    enis = [ec2.create_network_interface(SubnetId=subnets[1], Description=f"cr-net-{n}")["NetworkInterface"]["NetworkInterfaceId"] for n in ("good", "bad")]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=enis[1], SourceDestCheck={"Value": False})
    w.expected["EC2.180"] = (ARN.format("network-interface", enis[0]), ARN.format("network-interface", enis[1]))

    # EC2.173: Spot Fleet requests whose launch specification maps an encrypted EBS volume, and an unencrypted one
    fleets = []
    for n, encrypted in (("good", True), ("bad", False)):
        spec = {
            "ImageId": image,
            "InstanceType": "t3.micro",
            "SubnetId": subnets[0],
            "BlockDeviceMappings": [{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 8, "Encrypted": encrypted}}],
        }
        config = {
            "TargetCapacity": 1,
            "IamFleetRole": f"arn:aws:iam::{ACCOUNT}:role/cr-net-{n}-fleet",
            "AllocationStrategy": "lowestPrice",  # moto's RequestSpotFleet needs it (AWS defaults it)
            "LaunchSpecifications": [spec],
        }
        fleets.append(ARN.format("spot-fleet-request", ec2.request_spot_fleet(SpotFleetRequestConfig=config)["SpotFleetRequestId"]))
    w.expected["EC2.173"] = (fleets[0], fleets[1])


def _other(w: Any) -> str:
    """OTHER_ACCOUNT's id, as its credentials name it."""
    sts = boto3.client(
        "sts",
        endpoint_url=w.emulator.endpoint,
        region_name="us-east-1",
        aws_access_key_id=w.other_account["access_key"],
        aws_secret_access_key=w.other_account["secret_key"],
        aws_session_token=w.other_account["session_token"],
    )
    return str(sts.get_caller_identity()["Account"])
