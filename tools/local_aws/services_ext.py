"""ElastiCache's default cache subnet group (see docs/emulator.md, "ElastiCache default subnet group").

AWS: a cache cluster or replication group created without ``CacheSubnetGroupName`` is placed in the subnet
group named ``default`` (ElastiCache creates it from the default VPC's subnets if it does not exist yet), and
``DescribeCacheClusters`` reports ``CacheSubnetGroupName: default`` for it (AWS Config's
elasticache-subnet-group-check, Security Hub's ElastiCache.7, reads exactly that). moto 5.2.1 keeps the field
empty. The emulator names the group ``default`` when the request names none; it does not model the group's
subnets (``DescribeCacheSubnetGroups`` is unchanged).
"""

from __future__ import annotations

import functools
from typing import Any

_INSTALLED = False
DEFAULT_SUBNET_GROUP = "default"


def install() -> None:
    """Wrap moto's ElastiCache create calls (class level, once)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from moto.elasticache.models import ElastiCacheBackend

    def defaulted(orig: Any) -> Any:
        @functools.wraps(orig)
        def create(self: Any, *args: Any, **kwargs: Any) -> Any:
            if not kwargs.get("cache_subnet_group_name"):
                kwargs["cache_subnet_group_name"] = DEFAULT_SUBNET_GROUP
            return orig(self, *args, **kwargs)

        return create

    ElastiCacheBackend.create_cache_cluster = defaulted(ElastiCacheBackend.create_cache_cluster)  # type: ignore[method-assign]
    ElastiCacheBackend.create_replication_group = defaulted(ElastiCacheBackend.create_replication_group)  # type: ignore[method-assign]
