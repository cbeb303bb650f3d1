"""ElastiCache's default cache subnet group as AWS reports it (tools/local_aws/services_ext.py): a cluster or
replication group created without CacheSubnetGroupName is in the group named ``default``; a named one is kept."""

from __future__ import annotations

from .conftest import Emulator


def test_clusters_without_a_subnet_group_are_in_the_default_one(emulator: Emulator) -> None:
    ec = emulator.client("elasticache")
    node = {"CacheNodeType": "cache.t3.micro"}
    ec.create_cache_cluster(CacheClusterId="sg-default", Engine="memcached", NumCacheNodes=1, **node)
    ec.create_cache_cluster(CacheClusterId="sg-named", Engine="redis", NumCacheNodes=1, CacheSubnetGroupName="sg-own", **node)
    ec.create_replication_group(ReplicationGroupId="sg-group", ReplicationGroupDescription="no subnet group", Engine="redis", NumCacheClusters=2, **node)
    groups = {c["CacheClusterId"]: c.get("CacheSubnetGroupName") for c in ec.describe_cache_clusters()["CacheClusters"]}
    assert (groups["sg-default"], groups["sg-named"]) == ("default", "sg-own")
    members = {cid: name for cid, name in groups.items() if cid.startswith("sg-group")}
    assert members and set(members.values()) == {"default"}, members


def test_capacity_providers_are_described_without_names_in_pages(emulator: Emulator) -> None:
    """DescribeCapacityProviders naming none describes every provider, at most maxResults (default 10) a page."""
    ecs = emulator.client("ecs")
    group = "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:0b5e8a3c-1d2f-4c7b-9e6a-5f4d3c2b1a09:autoScalingGroupName/"
    names = [f"cp-page-{i:02d}" for i in range(12)]
    for name in names:
        ecs.create_capacity_provider(name=name, autoScalingGroupProvider={"autoScalingGroupArn": group + name, "managedTerminationProtection": "DISABLED"})
    first = ecs.describe_capacity_providers()
    assert len(first["capacityProviders"]) == 10 and first.get("nextToken")
    rest = ecs.describe_capacity_providers(nextToken=first["nextToken"])
    seen = [cp["name"] for cp in first["capacityProviders"] + rest["capacityProviders"] if cp["name"].startswith("cp-page-")]
    assert seen == names and not rest.get("nextToken")
    small = ecs.describe_capacity_providers(maxResults=5)
    assert len(small["capacityProviders"]) == 5
    # naming providers still describes exactly those
    named = ecs.describe_capacity_providers(capacityProviders=["cp-page-03"])["capacityProviders"]
    assert [cp["name"] for cp in named] == ["cp-page-03"]
    assert named[0]["autoScalingGroupProvider"]["managedTerminationProtection"] == "DISABLED"
