"""ElastiCache's default cache subnet group and ECS's DescribeCapacityProviders without names (see docs/emulator.md).

AWS: a cache cluster or replication group created without ``CacheSubnetGroupName`` is placed in the subnet
group named ``default`` (ElastiCache creates it from the default VPC's subnets if it does not exist yet), and
``DescribeCacheClusters`` reports ``CacheSubnetGroupName: default`` for it (AWS Config's
elasticache-subnet-group-check, Security Hub's ElastiCache.7, reads exactly that). moto 5.2.1 keeps the field
empty. The emulator names the group ``default`` when the request names none; it does not model the group's
subnets (``DescribeCacheSubnetGroups`` is unchanged).

ECS DescribeCapacityProviders (API reference): ``capacityProviders`` is optional; without it the account's capacity
providers of the region are described, at most ``maxResults`` (1-10, default 10) a page, with a ``nextToken`` for the
rest. moto 5.2.1 fails on a request naming none (it iterates over the absent list). The emulator answers every
provider it holds, in creation order, paged as AWS pages them (the AWS-managed FARGATE / FARGATE_SPOT providers, which
AWS also lists, are not modelled).
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
    _install_capacity_providers()


def _install_capacity_providers() -> None:
    from moto.core.responses import ActionResult
    from moto.ecs.responses import EC2ContainerServiceResponse

    orig = EC2ContainerServiceResponse.describe_capacity_providers

    @functools.wraps(orig)
    def describe_capacity_providers(self: Any) -> Any:
        if self._get_param("capacityProviders"):
            return orig(self)
        size = int(self._get_param("maxResults") or 10)
        if not 1 <= size <= 10:
            from moto.ecs.exceptions import InvalidParameterException

            raise InvalidParameterException("maxResults must be between 1 and 10")
        start = int(self._get_param("nextToken") or 0)
        every = list(self.ecs_backend.capacity_providers.values())
        page = every[start : start + size]
        out: dict[str, Any] = {"capacityProviders": page, "failures": []}
        if start + size < len(every):
            out["nextToken"] = str(start + size)
        return ActionResult(out)

    EC2ContainerServiceResponse.describe_capacity_providers = describe_capacity_providers  # type: ignore[method-assign]
