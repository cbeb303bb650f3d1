"""The compliance world's resources for the later FSBP controls of Elastic Load Balancing and CloudFront
(plugins/module_utils/compliance/controls_elb.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
GOOD_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"


def seed(w: Any) -> None:
    """A VPC of its own (two subnets in two zones); two Application Load Balancers (cr-elb-good: two zones, defensive
    desync, HTTP redirected to HTTPS, HTTPS on a recommended policy, a WAF web ACL; cr-elb-bad: one zone, monitor mode,
    HTTP forwarded, HTTPS on an old policy, no WAF), a third one (cr-elb-tls) with an HTTPS listener only; two Classic Load
    Balancers (cr-clb-good also logs to S3: ELB.5); target groups (ELB.21 / ELB.22); CloudFront distributions: one of
    whose S3 origin bucket does not exist, one trusting a key group, one trusting signers (CloudFront.17)."""
    ec2 = w.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.90.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.90.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    cert = w.client("acm").request_certificate(DomainName="cr-elb.example.com")["CertificateArn"]
    _v2(w, vpc, subnets, cert)
    _target_groups(w, vpc)
    _classic(w, cert)
    _cloudfront(w)
    _key_groups(w)


def _v2(w: Any, vpc: str, subnets: list[str], cert: str) -> None:
    elb = w.client("elbv2")
    good = elb.create_load_balancer(Name="cr-elb-good", Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    bad = elb.create_load_balancer(Name="cr-elb-bad", Subnets=subnets[:1], Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tls_only = elb.create_load_balancer(Name="cr-elb-tls", Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    for arn, mode in ((good, "defensive"), (bad, "monitor")):
        elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": "routing.http.desync_mitigation_mode", "Value": mode}])
    tg = elb.create_target_group(Name="cr-elb-web", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": tg}]
    redirect = [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}]
    tls = {"Certificates": [{"CertificateArn": cert}]}
    elb.create_listener(LoadBalancerArn=good, Protocol="HTTP", Port=80, DefaultActions=redirect)
    elb.create_listener(LoadBalancerArn=good, Protocol="HTTPS", Port=443, SslPolicy=GOOD_POLICY, DefaultActions=forward, **tls)
    elb.create_listener(LoadBalancerArn=bad, Protocol="HTTP", Port=80, DefaultActions=forward)
    elb.create_listener(LoadBalancerArn=bad, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-2016-08", DefaultActions=forward, **tls)
    elb.create_listener(LoadBalancerArn=tls_only, Protocol="HTTPS", Port=443, SslPolicy="ELBSecurityPolicy-TLS13-1-3-2021-06", DefaultActions=forward, **tls)
    waf = w.client("wafv2")
    visibility = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "cr-elb"}
    acl = waf.create_web_acl(Name="cr-elb", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility)["Summary"]["ARN"]
    waf.associate_web_acl(WebACLArn=acl, ResourceArn=good)
    for c in ("ELB.1", "ELB.12", "ELB.13", "ELB.16", "ELB.17"):
        w.expected[c] = (good, bad)
    w.expected["ELB.18"] = (tls_only, bad)  # the good ALB keeps an HTTP listener (redirecting): ELB.18 fails it, as in Security Hub
    w.arns["elb-plain-target-group"] = tg


def _target_groups(w: Any, vpc: str) -> None:
    """ELB.21 / ELB.22: an HTTPS target group with HTTPS health checks and the plain HTTP one of ``_v2`` (HTTP health
    checks); besides, judged in tests/compliance/test_elb_extra.py: TLS with TCP health checks (ELB.22 passes, ELB.21
    fails), a Lambda target group (neither applies), a GENEVE one and one of target type alb (ELB.22 does not apply)."""
    elb = w.client("elbv2")

    def create(name: str, **settings: Any) -> str:
        return elb.create_target_group(Name=name, **settings)["TargetGroups"][0]["TargetGroupArn"]

    good = create("cr-tg-https", Protocol="HTTPS", Port=443, VpcId=vpc, TargetType="ip", HealthCheckProtocol="HTTPS")
    for c in ("ELB.21", "ELB.22"):
        w.expected[c] = (good, w.arns["elb-plain-target-group"])
    w.arns["tg-tls"] = create("cr-tg-tls", Protocol="TLS", Port=443, VpcId=vpc, TargetType="ip", HealthCheckProtocol="TCP")
    w.arns["tg-lambda"] = create("cr-tg-lambda", TargetType="lambda")
    w.arns["tg-geneve"] = create("cr-tg-geneve", Protocol="GENEVE", Port=6081, VpcId=vpc, TargetType="ip", HealthCheckProtocol="HTTP", HealthCheckPort="80")
    w.arns["tg-alb"] = create("cr-tg-alb", Protocol="TCP", Port=80, VpcId=vpc, TargetType="alb")


def _classic(w: Any, cert: str) -> None:
    clb = w.client("elb")
    https = {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP", "InstancePort": 8080}
    clb.create_load_balancer(LoadBalancerName="cr-clb-good", Listeners=[{**https, "SSLCertificateId": cert}], AvailabilityZones=[f"{REGION}a", f"{REGION}b"])
    iam_cert = f"arn:aws:iam::{ACCOUNT}:server-certificate/cr-clb-legacy"
    plain = {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080}
    clb.create_load_balancer(LoadBalancerName="cr-clb-bad", Listeners=[{**https, "SSLCertificateId": iam_cert}, plain], AvailabilityZones=[f"{REGION}a"])
    for name, reference in (("cr-clb-good", "ELBSecurityPolicy-TLS-1-2-2017-01"), ("cr-clb-bad", "ELBSecurityPolicy-2016-08")):
        attribute = [{"AttributeName": "Reference-Security-Policy", "AttributeValue": reference}]
        clb.create_load_balancer_policy(LoadBalancerName=name, PolicyName="cr-tls", PolicyTypeName="SSLNegotiationPolicyType", PolicyAttributes=attribute)
        clb.set_load_balancer_policies_of_listener(LoadBalancerName=name, LoadBalancerPort=443, PolicyNames=["cr-tls"])
    good_attrs = {
        "CrossZoneLoadBalancing": {"Enabled": True},
        "ConnectionDraining": {"Enabled": True, "Timeout": 300},
        "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "strictest"}],
    }
    clb.modify_load_balancer_attributes(LoadBalancerName="cr-clb-good", LoadBalancerAttributes=good_attrs)
    access_log = {"AccessLog": {"Enabled": True, "S3BucketName": "cr-logs", "EmitInterval": 60}}  # ELB.5 (test_elb_extra.py)
    clb.modify_load_balancer_attributes(LoadBalancerName="cr-clb-good", LoadBalancerAttributes=access_log)
    bad_attrs = {"AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "monitor"}]}
    clb.modify_load_balancer_attributes(LoadBalancerName="cr-clb-bad", LoadBalancerAttributes=bad_attrs)
    arn = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/" + "{}"
    for c in ("ELB.2", "ELB.3", "ELB.7", "ELB.8", "ELB.9", "ELB.10", "ELB.14"):
        w.expected[c] = (arn.format("cr-clb-good"), arn.format("cr-clb-bad"))


def _cloudfront(w: Any) -> None:
    """CloudFront.12: an S3 origin on the world's existing cr-logs bucket, and one on a bucket nobody created."""
    cf = w.client("cloudfront")

    def distribution(ref: str, bucket: str) -> str:
        conf = {
            "CallerReference": ref,
            "Comment": ref,
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": f"{bucket}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "o",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
        return cf.create_distribution(DistributionConfig=conf)["Distribution"]["ARN"]

    w.expected["CloudFront.12"] = (distribution("cr-cf12-good", "cr-logs"), distribution("cr-cf12-bad", "cr-cf12-no-such-bucket"))


def _key_groups(w: Any) -> None:
    """CloudFront.17: every cache behaviour trusts a key group; the other's default behaviour does too, but a path
    behaviour trusts signers (CloudFront key pairs of an account)."""
    cf = w.client("cloudfront")
    pem = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAcrelbkeygroup\n-----END PUBLIC KEY-----\n"
    key = cf.create_public_key(PublicKeyConfig={"CallerReference": "cr-cf17", "Name": "cr-cf17", "EncodedKey": pem})["PublicKey"]["Id"]
    group = {"Enabled": True, "Quantity": 1, "Items": [cf.create_key_group(KeyGroupConfig={"Name": "cr-cf17", "Items": [key]})["KeyGroup"]["Id"]]}
    signers = {"Enabled": True, "Quantity": 1, "Items": ["self"]}
    behaviour = {"TargetOriginId": "o", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}

    def distribution(ref: str, path_trust: dict[str, Any]) -> str:
        conf = {
            "CallerReference": ref,
            "Comment": ref,
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "cr-logs.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {**behaviour, "TrustedKeyGroups": group},
            "CacheBehaviors": {"Quantity": 1, "Items": [{**behaviour, "PathPattern": "/private/*", **path_trust}]},
        }
        return cf.create_distribution(DistributionConfig=conf)["Distribution"]["ARN"]

    w.expected["CloudFront.17"] = (distribution("cr-cf17-good", {"TrustedKeyGroups": group}), distribution("cr-cf17-bad", {"TrustedSigners": signers}))
    w.arns["cf-no-signing"] = w.expected["CloudFront.12"][0]  # no behaviour requires signed URLs: CloudFront.17 fails it
