"""ElastiCache's AutoMinorVersionUpgrade as AWS reports it (tools/local_aws/elasticache_ext.py): on every cache
cluster and replication group, true when the create request omits it, as given otherwise."""

from __future__ import annotations

from .conftest import Emulator


def test_auto_minor_version_upgrade_is_always_reported(emulator: Emulator) -> None:
    ec = emulator.client("elasticache")
    node = {"CacheNodeType": "cache.t3.micro"}
    ec.create_cache_cluster(CacheClusterId="amvu-default", Engine="redis", NumCacheNodes=1, **node)
    ec.create_cache_cluster(CacheClusterId="amvu-off", Engine="redis", NumCacheNodes=1, AutoMinorVersionUpgrade=False, **node)
    group = {"Engine": "redis", "NumCacheClusters": 2, **node}
    ec.create_replication_group(ReplicationGroupId="amvu-group", ReplicationGroupDescription="default", **group)
    ec.create_replication_group(ReplicationGroupId="amvu-group-off", ReplicationGroupDescription="off", AutoMinorVersionUpgrade=False, **group)
    clusters = {c["CacheClusterId"]: c.get("AutoMinorVersionUpgrade") for c in ec.describe_cache_clusters()["CacheClusters"]}
    groups = {g["ReplicationGroupId"]: g.get("AutoMinorVersionUpgrade") for g in ec.describe_replication_groups()["ReplicationGroups"]}
    assert (clusters["amvu-default"], clusters["amvu-off"]) == (True, False)
    assert (groups["amvu-group"], groups["amvu-group-off"]) == (True, False)
    # the member clusters carry their group's setting
    members = {cid: value for cid, value in clusters.items() if cid.startswith("amvu-group")}
    assert members and all(value is (not cid.startswith("amvu-group-off")) for cid, value in members.items()), members
