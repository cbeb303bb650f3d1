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
