# -*- coding: utf-8 -*-
# Copyright: Slipway contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The later FSBP controls of EC2 and VPC: data plus one small pure function each (see controls.py).

Its CATALOGUE joins controls.py's in ``controls.catalogue()`` (``controls.CONTROLS``), which imports this module on first use.

The ec2 collector lists several kinds of resource (security groups, VPCs, subnets, network ACLs, instances,
volumes, snapshots, the account's EBS setting, transit gateways, launch templates, network interfaces); each control
judges one kind (``base["kind"]``) and skips the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.compliance.controls import FSBP, NIST, SKIP, Control, Verdict, View, _c, _fail, _pass

_EC2 = ("ec2",)
_BOTH = (FSBP, NIST)
_NIST = (NIST,)
ANY_IPV4, ANY_IPV6 = "0.0.0.0/0", "::/0"
# EC2.19: the ports Security Hub considers high risk (fixed by Security Hub).
HIGH_RISK_PORTS = (20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300)
ADMIN_PORTS = (22, 3389)  # EC2.21, EC2.53, EC2.54: SSH and RDP
TCP, UDP, ALL = ("tcp", "6"), ("udp", "17"), ("-1", "all")


def _kind(kind: str) -> Callable[[dict[str, Any]], Any]:
    def scope(base: dict[str, Any]) -> Any:
        return None if base.get("kind") == kind else SKIP

    return scope


# ------------------------------------------------------------------ security groups
def _ports(rule: dict[str, Any]) -> tuple[str, int, int] | None:
    """(protocol family, first port, last port) a rule opens; None for a protocol without ports (ICMP, ...)."""
    proto = str(rule.get("protocol")).lower()
    if proto in ALL:
        return "all", 0, 65535
    family = "tcp" if proto in TCP else "udp" if proto in UDP else None
    if family is None:
        return None
    low, high = rule.get("from"), rule.get("to")
    if low is None or high is None or int(low) == -1:
        return family, 0, 65535
    return family, int(low), int(high)


def _open_rules(v: View, sources: tuple[str, ...]) -> list[tuple[str, str, int, int]]:
    """(source, protocol family, first port, last port) of every inbound rule open to one of ``sources``."""
    out = []
    for rule in v.base.get("ingress_rules") or []:
        ports = _ports(rule)
        if ports is None:
            continue
        for source in sources:
            if source in (rule.get("ipv4") or []) + (rule.get("ipv6") or []):
                out.append((source, *ports))
    return out


def _describe(source: str, family: str, low: int, high: int) -> str:
    where = "all ports" if (low, high) == (0, 65535) else (f"port {low}" if low == high else f"ports {low}-{high}")
    return f"{family if family != 'all' else 'all traffic'} {where} from {source}"


def _exposed(v: View, sources: tuple[str, ...], ports: tuple[int, ...]) -> Verdict:
    found = sorted({(src, fam, lo, hi) for src, fam, lo, hi in _open_rules(v, sources) if any(lo <= p <= hi for p in ports)})
    exposed = sorted({p for _src, _fam, lo, hi in found for p in ports if lo <= p <= hi})
    if found:
        rules = [_describe(*f) for f in found]
        return _fail(f"inbound rule(s) open port(s) {', '.join(map(str, exposed))}: {'; '.join(rules)}", rules=rules, ports=exposed)
    return _pass(f"no inbound rule opens port(s) {', '.join(map(str, ports))} to {' or '.join(sources)}")


def parse_ports(value: Any) -> list[tuple[int, int]]:
    """A port list parameter (``[80, 443]``, ``"80,443"``, ``"1024-2048"``) as (first, last) ranges."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    out = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        low, _sep, high = text.partition("-")
        out.append((int(low), int(high or low)))
    return out


def ec2_18(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    allowed = {"tcp": parse_ports(p.get("authorizedTcpPorts")), "udp": parse_ports(p.get("authorizedUdpPorts"))}
    bad = []
    for src, fam, lo, hi in _open_rules(v, (ANY_IPV4, ANY_IPV6)):
        if fam == "all" or not any(a <= lo and hi <= b for a, b in allowed[fam]):
            bad.append(_describe(src, fam, lo, hi))
    if bad:
        return _fail(f"unrestricted inbound rule(s) beyond the authorized ports: {'; '.join(sorted(set(bad)))}", rules=sorted(set(bad)))
    return _pass("every unrestricted inbound rule (if any) is on an authorized port")


def ec2_19(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _exposed(v, (ANY_IPV4, ANY_IPV6), HIGH_RISK_PORTS)


def ec2_53(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _exposed(v, (ANY_IPV4,), ADMIN_PORTS)


def ec2_54(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    return _exposed(v, (ANY_IPV6,), ADMIN_PORTS)


def ec2_13(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """SSH is TCP: only TCP and all-traffic rules open port 22 to 0.0.0.0/0 or ::/0 (AWS Config restricted-ssh)."""
    found = sorted({_describe(*r) for r in _open_rules(v, (ANY_IPV4, ANY_IPV6)) if r[1] in ("tcp", "all") and r[2] <= 22 <= r[3]})
    if found:
        return _fail(f"inbound rule(s) open port 22 to the internet: {'; '.join(found)}", rules=found)
    return _pass("no inbound rule opens TCP port 22 to 0.0.0.0/0 or ::/0", rules=[])


# ------------------------------------------------------------------ network ACLs
def nacl_open_ports(entries: list[dict[str, Any]], ports: tuple[int, ...] = ADMIN_PORTS) -> dict[int, str]:
    """The ``ports`` a network ACL lets in from the whole internet: per port and source (0.0.0.0/0, ::/0), the
    lowest-numbered inbound entry for that source covering the port decides (allow or deny), as AWS evaluates them."""
    out: dict[int, str] = {}
    inbound = sorted((e for e in entries if not e.get("egress")), key=lambda e: int(e.get("rule") or 0))
    for port in ports:
        for source in (ANY_IPV4, ANY_IPV6):
            for e in inbound:
                span = _ports(e)
                if e.get("cidr") != source or span is None or not span[1] <= port <= span[2]:
                    continue
                if str(e.get("action")).lower() == "allow":
                    out.setdefault(port, f"rule {e.get('rule')} allows {_describe(source, span[0], span[1], span[2])}")
                break
    return out


def ec2_21(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    found = nacl_open_ports(v.base.get("entries") or [])
    if found:
        return _fail(f"inbound from the internet to port(s) {', '.join(map(str, sorted(found)))}: {'; '.join(found.values())}", ports=sorted(found))
    return _pass("no inbound entry lets 0.0.0.0/0 or ::/0 reach port 22 or 3389")


def _acl_not_unused_default(base: dict[str, Any]) -> Any:
    # Security Hub reports no finding for an unused default network ACL
    if base.get("kind") != "network_acl" or (base.get("is_default") and not base.get("subnets")):
        return SKIP
    return None


def ec2_16(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    subnets = list(v.base.get("subnets") or [])
    if subnets:
        return _pass(f"associated with {len(subnets)} subnet(s)", subnets=subnets)
    return _fail("associated with no subnet", subnets=[])


# ------------------------------------------------------------------ VPCs and subnets
def ec2_6(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    logs = list(v["flow_logs"] or [])
    active = [f for f in logs if str(f.get("FlowLogStatus") or "").upper() == "ACTIVE" and str(f.get("TrafficType") or "").upper() in ("REJECT", "ALL")]
    if active:
        return _pass(f"flow log(s) {', '.join(str(f['FlowLogId']) for f in active)} capture rejected traffic", flow_logs=[f["FlowLogId"] for f in active])
    if logs:
        kinds = ", ".join(f"{f.get('FlowLogId')} ({f.get('TrafficType')}, {f.get('FlowLogStatus')})" for f in logs)
        return _fail(f"no active flow log captures rejected traffic: {kinds}", flow_logs=[f.get("FlowLogId") for f in logs])
    return _fail("the VPC has no flow log", flow_logs=[])


def _endpoint_for(service: str) -> Callable[[View, dict[str, Any], dict[str, Any]], Verdict]:
    def check(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
        wanted = f"com.amazonaws.{v.region}.{service}"
        gone = ("deleted", "deleting", "failed", "rejected")
        names = (wanted, f"{wanted}-fips")  # a FIPS endpoint counts too, as in the Config rule behind the control
        found = [e for e in v["vpc_endpoints"] or [] if e.get("ServiceName") in names and str(e.get("State") or "").lower() not in gone]
        if found:
            return _pass(f"VPC endpoint {found[0]['VpcEndpointId']} for {wanted}", endpoint=found[0]["VpcEndpointId"])
        return _fail(f"no VPC endpoint for {wanted}", service_name=wanted)

    return check


def ec2_15(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v.base.get("MapPublicIpOnLaunch"))
    return (_fail if on else _pass)(f"MapPublicIpOnLaunch is {str(on).lower()}", map_public_ip_on_launch=on)


# ------------------------------------------------------------------ instances, volumes, the account
def ec2_8(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    tokens = v.base.get("http_tokens")
    if tokens == "required":
        return _pass("HttpTokens is required (IMDSv2 only)", http_tokens=tokens)
    return _fail(f"HttpTokens is {tokens or 'unset'}: IMDSv1 is allowed", http_tokens=tokens)


def ec2_9(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    ip = v.base.get("public_ip")
    return _fail(f"public IPv4 address {ip}", public_ip=ip) if ip else _pass("no public IPv4 address")


def ec2_17(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    enis = list(v.base.get("network_interfaces") or [])
    if len(enis) > 1:
        return _fail(f"{len(enis)} network interfaces: {', '.join(enis)}", network_interfaces=enis)
    return _pass(f"{len(enis)} network interface", network_interfaces=enis)


def _attached_volume(base: dict[str, Any]) -> Any:
    if base.get("kind") != "volume":
        return SKIP
    return None if base.get("attached_to") else "not attached to an instance: the control judges attached volumes"


def ec2_3(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    enc = bool(v.base.get("encrypted"))
    return (_pass if enc else _fail)(f"attached to {', '.join(v.base['attached_to'])}, {'encrypted' if enc else 'not encrypted'}", encrypted=enc)


def ec2_1(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    perms = list(v["create_volume_permission"] or [])
    if any(str(x.get("Group")).lower() == "all" for x in perms):
        return _fail("anyone may create volumes from the snapshot (createVolumePermission group all)", public=True)
    accounts = sorted(str(x["UserId"]) for x in perms if x.get("UserId"))
    return _pass("not public" + (f" (shared with {', '.join(accounts)})" if accounts else ""), public=False, shared_with=accounts)


def ec2_7(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    on = bool(v["ebs_encryption"])
    return (_pass if on else _fail)(f"EBS encryption by default is {'on' if on else 'off'} in {v.region}", ebs_encryption_by_default=on)


# ------------------------------------------------------------------ later FSBP controls
def ec2_4(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """Stopped longer than allowedDays fails; so does a stopped instance whose stop time cannot be determined (as the
    AWS Config rule ec2-stopped-instance); an instance in any other state passes."""
    state = v.base.get("state")
    if state != "stopped":
        return _pass(f"the instance is {state}, not stopped", state=state)
    allowed = int(p["allowedDays"])
    stopped = v.base.get("stopped_at")
    if not stopped:
        return _fail("stopped, and its StateTransitionReason gives no stop time: how long cannot be determined", stopped_at=None)
    when = dt.datetime.fromisoformat(str(stopped).replace("Z", "+00:00"))
    days = (ctx["now"] - when).total_seconds() / 86400
    verdict = _fail if days > allowed else _pass
    return verdict(f"stopped since {stopped} ({int(days)} days; allowedDays {allowed})", stopped_at=stopped, stopped_days=int(days))


def ec2_23(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    auto = str(v.base.get("auto_accept_shared_attachments") or "disable").lower()
    if auto == "enable":
        return _fail("AutoAcceptSharedAttachments is enable: shared VPC attachments are accepted without review", auto_accept_shared_attachments=auto)
    return _pass(f"AutoAcceptSharedAttachments is {auto}", auto_accept_shared_attachments=auto)


def ec2_24(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    kind = v.base.get("virtualization_type")
    if str(kind).lower() == "paravirtual":
        return _fail("virtualization type paravirtual", virtualization_type=kind)
    return _pass(f"virtualization type {kind or 'not paravirtual'}", virtualization_type=kind)


def _version(v: View) -> dict[str, Any]:
    return dict(v["launch_template_version"] or {})


def ec2_25(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    version = _version(v)
    public = [n.get("device_index") for n in version.get("network_interfaces") or [] if n.get("associate_public_ip") is True]
    if public:
        where = ", ".join(str(i) for i in public)
        return _fail(f"default version {version.get('version')} assigns a public IP (AssociatePublicIpAddress) at device index {where}", device_indexes=public)
    return _pass(f"default version {version.get('version')} assigns no public IP to its network interfaces", device_indexes=[])


def ec2_170(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    version = _version(v)
    tokens = version.get("http_tokens")
    if tokens == "required":
        return _pass(f"default version {version.get('version')} requires IMDSv2 (HttpTokens required)", http_tokens=tokens)
    return _fail(f"default version {version.get('version')} has HttpTokens {tokens or 'unset'}: IMDSv1 is allowed", http_tokens=tokens)


def ec2_181(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    version = _version(v)
    volumes = list(version.get("ebs_volumes") or [])
    plain = [str(b.get("device")) for b in volumes if b.get("encrypted") is not True]
    if plain:
        return _fail(f"default version {version.get('version')} has EBS volume(s) without encryption: {', '.join(plain)}", unencrypted=plain)
    return _pass(f"default version {version.get('version')}: {len(volumes)} EBS volume(s), all encrypted", unencrypted=[])


# EC2.180 judges user-managed interfaces of these types only (the others are managed by AWS services)
USER_INTERFACE_TYPES = ("aws_codestar_connections_managed", "branch", "efa", "interface", "lambda", "quicksight")


def _user_eni(base: dict[str, Any]) -> Any:
    if base.get("kind") != "network_interface":
        return SKIP
    kind = base.get("interface_type") or "interface"
    if kind not in USER_INTERFACE_TYPES:
        return f"an interface of type {kind}: the control judges {', '.join(USER_INTERFACE_TYPES)}"
    return None


def ec2_180(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    check = v.base.get("source_dest_check")
    if check is False:
        return _fail("source/destination checking is disabled", source_dest_check=False)
    return _pass("source/destination checking is enabled", source_dest_check=check)


# EC2.182: the block-public-access states of EBS snapshots (GetSnapshotBlockPublicAccessState); only this one passes
BLOCK_ALL_SHARING = "block-all-sharing"


def ec2_182(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    state = v["snapshot_block_public_access"]
    if state == BLOCK_ALL_SHARING:
        return _pass(f"block public access for snapshots is {state} in {v.region}", state=state)
    why = "already public snapshots stay public" if state == "block-new-sharing" else "snapshots may be shared publicly"
    return _fail(f"block public access for snapshots is {state or 'unblocked'} in {v.region}: {why}", state=state)


def _spot_fleet_with_specs(base: dict[str, Any]) -> Any:
    if base.get("kind") != "spot_fleet_request":
        return SKIP
    if not base.get("launch_specifications"):
        return "launches from launch templates: the control judges the launch specifications of a request"
    return None


def ec2_173(v: View, p: dict[str, Any], ctx: dict[str, Any]) -> Verdict:
    """Every EBS volume a launch specification maps must set Encrypted true (unset counts as not encrypted, as for
    EC2.181); a specification mapping no EBS volume configures nothing unencrypted."""
    plain = [
        f"specification {i} {b.get('device')}"
        for i, spec in enumerate(v.base.get("launch_specifications") or [])
        for b in spec.get("ebs_volumes") or []
        if b.get("encrypted") is not True
    ]
    if plain:
        return _fail(f"EBS volume(s) without encryption: {', '.join(plain)}", unencrypted=plain)
    return _pass("every EBS volume of the launch specifications (if any) is encrypted", unencrypted=[])


CATALOGUE: list[Control] = [
    _c(
        "EC2.1",
        "Amazon EBS snapshots should not be publicly restorable",
        "CRITICAL",
        _EC2,
        "AwsEc2Snapshot",
        "Remove the public createVolumePermission (modify-snapshot-attribute --operation-type remove --group-names all); share with named accounts.",
        ec2_1,
        needs=("create_volume_permission",),
        frameworks=_BOTH,
        scope=_kind("snapshot"),
    ),
    _c(
        "EC2.3",
        "Attached Amazon EBS volumes should be encrypted at-rest",
        "MEDIUM",
        _EC2,
        "AwsEc2Volume",
        "Volumes cannot be encrypted in place: snapshot the volume, copy the snapshot encrypted, create a volume from it and swap it in.",
        ec2_3,
        frameworks=_BOTH,
        scope=_attached_volume,
    ),
    _c(
        "EC2.6",
        "VPC flow logging should be enabled in all VPCs",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create a flow log for the VPC (aws_flow_log with vpc_id, traffic_type REJECT or ALL) to CloudWatch Logs or S3.",
        ec2_6,
        needs=("flow_logs",),
        frameworks=_BOTH,
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.7",
        "EBS default encryption should be enabled",
        "MEDIUM",
        _EC2,
        "AwsAccount",
        "Turn on EBS encryption by default in every region (aws_ebs_encryption_by_default enabled = true).",
        ec2_7,
        needs=("ebs_encryption",),
        frameworks=_BOTH,
        scope=_kind("account"),
    ),
    _c(
        "EC2.8",
        "EC2 instances should use Instance Metadata Service Version 2 (IMDSv2)",
        "HIGH",
        _EC2,
        "AwsEc2Instance",
        'Set metadata_options { http_tokens = "required" } on the instance (or its launch template).',
        ec2_8,
        frameworks=_BOTH,
        scope=_kind("instance"),
    ),
    _c(
        "EC2.9",
        "Amazon EC2 instances should not have a public IPv4 address",
        "HIGH",
        _EC2,
        "AwsEc2Instance",
        "Launch the instance in a private subnet without associate_public_ip_address; reach it through a load balancer or SSM.",
        ec2_9,
        frameworks=_BOTH,
        scope=_kind("instance"),
    ),
    _c(
        "EC2.10",
        "Amazon EC2 should be configured to use VPC endpoints that are created for the Amazon EC2 service",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create an interface VPC endpoint for com.amazonaws.REGION.ec2 in the VPC (aws_vpc_endpoint).",
        _endpoint_for("ec2"),
        needs=("vpc_endpoints",),
        frameworks=_BOTH,
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.15",
        "Amazon EC2 subnets should not automatically assign public IP addresses",
        "MEDIUM",
        _EC2,
        "AwsEc2Subnet",
        "Set map_public_ip_on_launch = false on the subnet.",
        ec2_15,
        frameworks=_BOTH,
        scope=_kind("subnet"),
    ),
    _c(
        "EC2.16",
        "Unused Network Access Control Lists should be removed",
        "LOW",
        _EC2,
        "AwsEc2NetworkAcl",
        "Delete the network ACL, or associate it with the subnets it was made for.",
        ec2_16,
        frameworks=_BOTH,
        scope=_acl_not_unused_default,
    ),
    _c(
        "EC2.17",
        "Amazon EC2 instances should not use multiple ENIs",
        "LOW",
        _EC2,
        "AwsEc2Instance",
        "Detach the extra network interfaces unless the instance needs them (document why).",
        ec2_17,
        frameworks=_BOTH,
        scope=_kind("instance"),
    ),
    _c(
        "EC2.18",
        "Security groups should only allow unrestricted incoming traffic for authorized ports",
        "HIGH",
        _EC2,
        "AwsEc2SecurityGroup",
        "Narrow the sources of inbound rules on other ports than authorizedTcpPorts/authorizedUdpPorts (no 0.0.0.0/0 or ::/0).",
        ec2_18,
        params={"authorizedTcpPorts": [80, 443], "authorizedUdpPorts": []},
        frameworks=_BOTH,
        scope=_kind("security_group"),
    ),
    _c(
        "EC2.19",
        "Security groups should not allow unrestricted access to ports with high risk",
        "CRITICAL",
        _EC2,
        "AwsEc2SecurityGroup",
        "Remove inbound rules opening the high-risk ports (SSH, RDP, databases, ...) to 0.0.0.0/0 or ::/0; use SSM or a VPN.",
        ec2_19,
        frameworks=_BOTH,
        scope=_kind("security_group"),
    ),
    _c(
        "EC2.21",
        "Network ACLs should not allow ingress from 0.0.0.0/0 to port 22 or port 3389",
        "MEDIUM",
        _EC2,
        "AwsEc2NetworkAcl",
        "Add a lower-numbered inbound deny entry for ports 22 and 3389 from 0.0.0.0/0 (and ::/0), or narrow the allow entry.",
        ec2_21,
        frameworks=_BOTH,
        scope=_kind("network_acl"),
    ),
    _c(
        "EC2.53",
        "EC2 security groups should not allow ingress from 0.0.0.0/0 to remote server administration ports",
        "HIGH",
        _EC2,
        "AwsEc2SecurityGroup",
        "Remove inbound rules opening port 22 or 3389 to 0.0.0.0/0; use SSM Session Manager or a narrow source.",
        ec2_53,
        scope=_kind("security_group"),
    ),
    _c(
        "EC2.54",
        "EC2 security groups should not allow ingress from ::/0 to remote server administration ports",
        "HIGH",
        _EC2,
        "AwsEc2SecurityGroup",
        "Remove inbound rules opening port 22 or 3389 to ::/0; use SSM Session Manager or a narrow source.",
        ec2_54,
        scope=_kind("security_group"),
    ),
    _c(
        "EC2.4",
        "Stopped EC2 instances should be removed after a specified time period",
        "MEDIUM",
        _EC2,
        "AwsEc2Instance",
        "Terminate instances stopped longer than allowedDays (keep what you need as an AMI or snapshot), or start them for maintenance.",
        ec2_4,
        params={"allowedDays": 30},
        frameworks=_BOTH,
        scope=_kind("instance"),
    ),
    _c(
        "EC2.23",
        "Amazon EC2 Transit Gateways should not automatically accept VPC attachment requests",
        "HIGH",
        _EC2,
        "AwsEc2TransitGateway",
        'Set auto_accept_shared_attachments = "disable" on the transit gateway and accept shared attachments one by one.',
        ec2_23,
        frameworks=_BOTH,
        scope=_kind("transit_gateway"),
    ),
    _c(
        "EC2.24",
        "Amazon EC2 paravirtual instance types should not be used",
        "MEDIUM",
        _EC2,
        "AwsEc2Instance",
        "Relaunch the workload from an HVM AMI on a current instance type (paravirtual instances cannot be converted in place).",
        ec2_24,
        frameworks=_BOTH,
        scope=_kind("instance"),
    ),
    _c(
        "EC2.25",
        "Amazon EC2 launch templates should not assign public IPs to network interfaces",
        "HIGH",
        _EC2,
        "AwsEc2LaunchTemplate",
        "Create a launch template version with associate_public_ip_address = false on every network interface and make it the default.",
        ec2_25,
        needs=("launch_template_version",),
        frameworks=_BOTH,
        scope=_kind("launch_template"),
    ),
    _c(
        "EC2.55",
        "VPCs should be configured with an interface endpoint for ECR API",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create an interface VPC endpoint for com.amazonaws.REGION.ecr.api in the VPC (aws_vpc_endpoint).",
        _endpoint_for("ecr.api"),
        needs=("vpc_endpoints",),
        frameworks=_BOTH,  # FSBP (its EC2 list names EC2.55-EC2.58 and EC2.60) and NIST SP 800-53 Rev. 5
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.56",
        "VPCs should be configured with an interface endpoint for Docker Registry",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create an interface VPC endpoint for com.amazonaws.REGION.ecr.dkr in the VPC (aws_vpc_endpoint).",
        _endpoint_for("ecr.dkr"),
        needs=("vpc_endpoints",),
        frameworks=_BOTH,  # FSBP (its EC2 list names EC2.55-EC2.58 and EC2.60) and NIST SP 800-53 Rev. 5
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.57",
        "VPCs should be configured with an interface endpoint for Systems Manager",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create an interface VPC endpoint for com.amazonaws.REGION.ssm in the VPC (aws_vpc_endpoint).",
        _endpoint_for("ssm"),
        needs=("vpc_endpoints",),
        frameworks=_BOTH,  # FSBP (its EC2 list names EC2.55-EC2.58 and EC2.60) and NIST SP 800-53 Rev. 5
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.58",
        "VPCs should be configured with an interface endpoint for Systems Manager Incident Manager Contacts",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create an interface VPC endpoint for com.amazonaws.REGION.ssm-contacts in the VPC (aws_vpc_endpoint).",
        _endpoint_for("ssm-contacts"),
        needs=("vpc_endpoints",),
        frameworks=_BOTH,  # FSBP (its EC2 list names EC2.55-EC2.58 and EC2.60) and NIST SP 800-53 Rev. 5
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.60",
        "VPCs should be configured with an interface endpoint for Systems Manager Incident Manager",
        "MEDIUM",
        _EC2,
        "AwsEc2Vpc",
        "Create an interface VPC endpoint for com.amazonaws.REGION.ssm-incidents in the VPC (aws_vpc_endpoint).",
        _endpoint_for("ssm-incidents"),
        needs=("vpc_endpoints",),
        frameworks=_BOTH,  # FSBP (its EC2 list names EC2.55-EC2.58 and EC2.60) and NIST SP 800-53 Rev. 5
        scope=_kind("vpc"),
    ),
    _c(
        "EC2.170",
        "EC2 launch templates should use Instance Metadata Service Version 2 (IMDSv2)",
        "LOW",
        _EC2,
        "AwsEc2LaunchTemplate",
        'Create a launch template version with metadata_options { http_tokens = "required" } and make it the default.',
        ec2_170,
        needs=("launch_template_version",),
        scope=_kind("launch_template"),
    ),
    _c(
        "EC2.180",
        "EC2 network interfaces should have source/destination checking enabled",
        "MEDIUM",
        _EC2,
        "AwsEc2NetworkInterface",
        "Turn source/destination checking back on (source_dest_check = true) unless the interface routes traffic (NAT, firewall): document why.",
        ec2_180,
        scope=_user_eni,
    ),
    _c(
        "EC2.181",
        "EC2 launch templates should enable encryption for attached EBS volumes",
        "MEDIUM",
        _EC2,
        "AwsEc2LaunchTemplate",
        "Create a launch template version with encrypted = true on every EBS block device mapping and make it the default.",
        ec2_181,
        needs=("launch_template_version",),
        scope=_kind("launch_template"),
    ),
    _c(
        "EC2.182",
        "Amazon EBS Snapshots should not be publicly accessible",
        "HIGH",
        _EC2,
        "AwsAccount",
        'Block all public sharing of EBS snapshots in every region (aws_ebs_snapshot_block_public_access state = "block-all-sharing").',
        ec2_182,
        needs=("snapshot_block_public_access",),
        scope=_kind("account"),
    ),
    _c(
        "EC2.173",
        "EC2 Spot Fleet requests with launch parameters should enable encryption for attached EBS volumes",
        "MEDIUM",
        _EC2,
        "AwsEc2SpotFleet",
        "Request the fleet again with encrypted = true on every EBS block device mapping of its launch specifications.",
        ec2_173,
        scope=_spot_fleet_with_specs,
    ),
    _c(
        "EC2.13",
        "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22",
        "HIGH",
        _EC2,
        "AwsEc2SecurityGroup",
        "Remove inbound rules opening TCP port 22 to 0.0.0.0/0 or ::/0; use SSM Session Manager or a narrow source.",
        ec2_13,
        frameworks=_NIST,  # CIS, PCI DSS and NIST SP 800-53 Rev. 5 in Security Hub; not FSBP
        scope=_kind("security_group"),
    ),
]
