"""ElastiCache replication groups' member clusters (see docs/emulator.md, "ElastiCache member clusters").

moto 5.2.1 names a replication group's member clusters (``MemberClusters``,
``NodeGroupMembers``) but does not create them: ``DescribeCacheClusters`` does
not list them and ``DescribeCacheClusters(CacheClusterId=<member>)`` answers
CacheClusterNotFound. In AWS every member is a cache cluster of its own,
listed with its ``ReplicationGroupId`` and the group's engine, engine version,
node type, encryption and AUTH settings (readers such as AWS Config's
elasticache-repl-grp-redis-auth-enabled take a group's Redis version from its
member clusters, since ``DescribeReplicationGroups`` has no engine version).
The emulator creates those clusters with the group and deletes them with it
(keeping the primary when ``RetainPrimaryCluster`` is true, as AWS does).

``AutoMinorVersionUpgrade``: AWS reports it on every cluster and replication group; moto reports it only when the
create request gave it. Omitted, the emulator takes it as true (the default of the console, CloudFormation and
Terraform's provider), so readers such as Security Hub's ElastiCache.2 always find it.
"""

from __future__ import annotations

import functools
from typing import Any

_INSTALLED = False


def _member(backend: Any, group: Any, cluster_id: str) -> Any:
    from moto.elasticache.models import CacheCluster

    cluster = CacheCluster(
        account_id=backend.account_id,
        region_name=backend.region_name,
        cache_cluster_id=cluster_id,
        cache_node_type=group.cache_node_type,
        replication_group_id=group.replication_group_id,
        az_mode="single-az",
        preferred_availability_zone=None,
        num_cache_nodes=1,
        engine=group.engine,
        engine_version=group.engine_version,
        cache_parameter_group_name=group.cache_parameter_group_name,
        cache_subnet_group_name=group.cache_subnet_group_name,
        transit_encryption_enabled=group.transit_encryption_enabled,
        network_type=group.network_type,
        ip_discovery=group.ip_discovery,
        snapshot_name=None,
        preferred_maintenance_window=group.preferred_maintenance_window,
        port=group.port,
        notification_topic_arn=group.notification_topic_arn,
        auto_minor_version_upgrade=group.auto_minor_version_upgrade,
        # AWS reports the group's retention on the cluster it snapshots, 0 on the others
        snapshot_retention_limit=group.snapshot_retention_limit if cluster_id == group.snapshotting_cluster_id else 0,
        snapshot_window=group.snapshot_window,
        auth_token=None,
        outpost_mode=None,
        preferred_outpost_arn=None,
        preferred_availability_zones=None,
        cache_security_group_names=group.cache_security_group_names,
        security_group_ids=group.security_group_ids,
        tags=None,
        snapshot_arns=None,
        preferred_outpost_arns=None,
        log_delivery_configurations=[],
        cache_node_ids_to_remove=None,
        cache_node_ids_to_reboot=None,
    )
    cluster.auth_token_enabled = group.auth_token_enabled
    cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
    cluster.replication_group_log_delivery_enabled = False
    return cluster


def install() -> None:
    """Wrap moto's ElastiCache backend (class level, once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.elasticache.models import ElastiCacheBackend

    orig_create = ElastiCacheBackend.create_replication_group

    @functools.wraps(orig_create)
    def create_replication_group(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("auto_minor_version_upgrade") is None:
            kwargs["auto_minor_version_upgrade"] = True  # AWS reports the field always; omitted, it is on
        group = orig_create(self, *args, **kwargs)
        for cluster_id in group.member_clusters:
            if cluster_id not in self.cache_clusters:
                self.cache_clusters[cluster_id] = _member(self, group, cluster_id)
        return group

    ElastiCacheBackend.create_replication_group = create_replication_group  # type: ignore[method-assign]

    orig_create_cluster = ElastiCacheBackend.create_cache_cluster

    @functools.wraps(orig_create_cluster)
    def create_cache_cluster(self: Any, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("auto_minor_version_upgrade") is None:
            kwargs["auto_minor_version_upgrade"] = True
        return orig_create_cluster(self, *args, **kwargs)

    ElastiCacheBackend.create_cache_cluster = create_cache_cluster  # type: ignore[method-assign]

    orig_delete = ElastiCacheBackend.delete_replication_group

    @functools.wraps(orig_delete)
    def delete_replication_group(self: Any, replication_group_id: str, retain_primary_cluster: bool | None) -> Any:
        group = orig_delete(self, replication_group_id, retain_primary_cluster)
        keep = group.member_clusters[0] if retain_primary_cluster and group.member_clusters else None
        for cluster_id in group.member_clusters:
            cluster = self.cache_clusters.get(cluster_id)
            if cluster is None or getattr(cluster, "replication_group_id", None) != replication_group_id:
                continue
            if cluster_id == keep:
                cluster.replication_group_id = None  # the retained primary becomes a standalone cluster
            else:
                del self.cache_clusters[cluster_id]
        return group

    ElastiCacheBackend.delete_replication_group = delete_replication_group  # type: ignore[method-assign]
