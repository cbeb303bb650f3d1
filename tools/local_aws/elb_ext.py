"""Load balancer attributes as AWS answers them (see docs/emulator.md, "Load balancer attribute defaults").

AWS's ``DescribeLoadBalancerAttributes`` answers every attribute of the load balancer's type, each with its
default until it is set (Elastic Load Balancing API reference, ``LoadBalancerAttribute`` and, for Classic Load
Balancers, ``AdditionalAttribute``). moto answers only what it stores: an Application Load Balancer's
``routing.http.desync_mitigation_mode`` is missing until set, and so are most others; a Classic Load Balancer's
``elb.http.desyncmitigationmode`` is missing until an attribute is modified.

This module changes the **answers** only: a key the load balancer has not stored is added with AWS's documented
default; a stored value is answered as stored (moto's own values are left alone, even where they differ from
AWS's). Nothing else of Elastic Load Balancing changes (the ALB data plane, ``alb.py``, reads no attribute).
For Classic Load Balancers, ``ModifyLoadBalancerAttributes`` also keeps additional attributes it was not given
(moto appended a second ``elb.http.desyncmitigationmode``, ``defensive``, on every other change, which then
answered over a mode set before); the ones it is given replace those of the same key.
"""

from __future__ import annotations

from typing import Any

# LoadBalancerAttribute (ELB API reference, version 2015-12-01): the attributes of every type, then of ALBs and NLBs,
# then of one type only, with their documented defaults.
ALL_TYPES = {"deletion_protection.enabled": "false"}
ALB_AND_NLB = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "zonal_shift.config.enabled": "false",
}
ALB_ONLY = {
    "load_balancing.cross_zone.enabled": "true",  # "the default for Application Load Balancers is true, and can't be changed"
    "idle_timeout.timeout_seconds": "60",
    "client_keep_alive.seconds": "3600",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "health_check_logs.s3.enabled": "false",
    "health_check_logs.s3.bucket": "",
    "health_check_logs.s3.prefix": "",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.x_amzn_tls_kx.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
}
NLB_ONLY = {
    "load_balancing.cross_zone.enabled": "false",
    "dns_record.client_routing_policy": "any_availability_zone",
    "secondary_ips.auto_assigned.per_subnet": "0",
}
GWLB_ONLY = {"load_balancing.cross_zone.enabled": "false"}
# AdditionalAttribute (ELB API reference, version 2012-06-01)
CLASSIC_DESYNC = ("elb.http.desyncmitigationmode", "defensive")
_INSTALLED = False


def v2_defaults(lb_type: str, scheme: str) -> dict[str, str]:
    """AWS's default of every attribute of a load balancer of this type and scheme."""
    # ipv6.deny_all_igw_traffic: "false for internet-facing load balancers and true for internal load balancers"
    igw = {"ipv6.deny_all_igw_traffic": "true" if scheme == "internal" else "false"}
    if lb_type == "network":
        return {**ALL_TYPES, **ALB_AND_NLB, **igw, **NLB_ONLY}
    if lb_type == "gateway":
        return {**ALL_TYPES, **GWLB_ONLY}
    return {**ALL_TYPES, **ALB_AND_NLB, **igw, **ALB_ONLY}


def classic_additional(stored: list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """A Classic Load Balancer's additional attributes as answered: one value per key (the last stored), the
    desync mitigation mode ``defensive`` when none is stored."""
    merged = dict(stored or [])
    merged.setdefault(*CLASSIC_DESYNC)
    return list(merged.items())


def install() -> None:
    """Patch moto's two DescribeLoadBalancerAttributes answers and the Classic modify (once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.core.responses import ActionResult
    from moto.elb.models import ELBBackend
    from moto.elb.responses import ELBResponse
    from moto.elbv2.models import ELBv2Backend

    stored_v2 = ELBv2Backend.describe_load_balancer_attributes

    def describe_v2(self: Any, arn: str) -> dict[str, Any]:
        attrs = stored_v2(self, arn)  # raises LoadBalancerNotFound for an unknown ARN
        lb = self.load_balancers[arn]
        return {**v2_defaults(str(lb.type), str(lb.scheme)), **attrs}  # a new dict: the stored one is not changed

    ELBv2Backend.describe_load_balancer_attributes = describe_v2

    def describe_classic(self: Any) -> Any:
        lb = self.elb_backend.get_load_balancer(self._get_param("LoadBalancerName"))
        answer = {**lb.attributes, "additional_attributes": classic_additional(lb.attributes.get("additional_attributes"))}
        return ActionResult({"LoadBalancerAttributes": answer})

    ELBResponse.describe_load_balancer_attributes = describe_classic

    modify_classic = ELBBackend.modify_load_balancer_attributes

    def modify(self: Any, load_balancer_name: str, *args: Any, additional_attributes: list[dict[str, str]] | None = None, **kwargs: Any) -> None:
        lb = self.get_load_balancer(load_balancer_name)
        before = list(lb.attributes.get("additional_attributes") or [])
        modify_classic(self, load_balancer_name, *args, **kwargs)  # without additional attributes: moto appends a default
        merged = dict(before)
        merged.update({str(a["Key"]): str(a["Value"]) for a in additional_attributes or []})
        lb.attributes["additional_attributes"] = list(merged.items())

    ELBBackend.modify_load_balancer_attributes = modify
