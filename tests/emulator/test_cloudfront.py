"""CloudFront on the emulator: the policy APIs moto lacks, invalidations that
take time, and the edge that serves a distribution from its S3 bucket."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import Emulator, running_emulator, wait_for

INVALIDATION_SECONDS = 2.0
BUCKET = "slipway-test-site"
CSP = "default-src 'self'; frame-ancestors 'none'"


def _params(qs: str = "none") -> dict[str, Any]:
    return {
        "EnableAcceptEncodingGzip": True,
        "EnableAcceptEncodingBrotli": True,
        "HeadersConfig": {"HeaderBehavior": "none"},
        "CookiesConfig": {"CookieBehavior": "none"},
        "QueryStringsConfig": {"QueryStringBehavior": qs},
    }


def _cache_policy(name: str, min_ttl: int, default_ttl: int, max_ttl: int, qs: str = "none") -> dict[str, Any]:
    return {
        "Name": name,
        "Comment": name,
        "MinTTL": min_ttl,
        "DefaultTTL": default_ttl,
        "MaxTTL": max_ttl,
        "ParametersInCacheKeyAndForwardedToOrigin": _params(qs),
    }


def _headers_policy(name: str, cache_control: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Comment": "security headers",
        "SecurityHeadersConfig": {
            "StrictTransportSecurity": {"Override": True, "AccessControlMaxAgeSec": 63072000, "IncludeSubdomains": True, "Preload": True},
            "ContentTypeOptions": {"Override": True},
            "FrameOptions": {"Override": True, "FrameOption": "DENY"},
            "ReferrerPolicy": {"Override": True, "ReferrerPolicy": "strict-origin-when-cross-origin"},
            "ContentSecurityPolicy": {"Override": True, "ContentSecurityPolicy": CSP},
            "XSSProtection": {"Override": True, "Protection": True, "ModeBlock": True},
        },
        "CustomHeadersConfig": {"Quantity": 1, "Items": [{"Header": "Cache-Control", "Value": cache_control, "Override": True}]},
    }


def _behaviour(origin: str, cache_policy: str, headers_policy: str, pattern: str | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {
        "TargetOriginId": origin,
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": {"Quantity": 3, "Items": ["GET", "HEAD", "OPTIONS"], "CachedMethods": {"Quantity": 2, "Items": ["GET", "HEAD"]}},
        "Compress": True,
        "CachePolicyId": cache_policy,
        "ResponseHeadersPolicyId": headers_policy,
    }
    if pattern:
        b["PathPattern"] = pattern
    return b


def http(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


@pytest.fixture(scope="module")
def emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("local-aws-cf"), SLIPWAY_INVALIDATION_SECONDS=str(INVALIDATION_SECONDS), SLIPWAY_TICK_SECONDS="0.1") as e:
        yield e


@pytest.fixture(scope="module")
def site(emu: Emulator) -> dict[str, Any]:
    """The cdn module's shape: a private bucket read through OAC, a revalidate (0/0/1y) default
    behaviour, an immutable (1d/1y/1y) behaviour for hashed assets, security headers, SPA fallback."""
    s3, cf = emu.client("s3"), emu.client("cloudfront")
    s3.create_bucket(Bucket=BUCKET)
    put(s3, "index.html", b"<html>app v1</html>", "text/html", "no-cache")
    put(s3, "main.abc123.js", b"console.log(1)", "application/javascript")
    oac = cf.create_origin_access_control(
        OriginAccessControlConfig={"Name": "site", "SigningProtocol": "sigv4", "SigningBehavior": "always", "OriginAccessControlOriginType": "s3"}
    )["OriginAccessControl"]["Id"]
    revalidate = cf.create_cache_policy(CachePolicyConfig=_cache_policy("revalidate", 0, 0, 31536000))["CachePolicy"]["Id"]
    immutable = cf.create_cache_policy(CachePolicyConfig=_cache_policy("immutable", 86400, 31536000, 31536000))["CachePolicy"]["Id"]
    no_cache = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=_headers_policy("no-cache", "no-cache"))["ResponseHeadersPolicy"]["Id"]
    forever = cf.create_response_headers_policy(ResponseHeadersPolicyConfig=_headers_policy("immutable", "public, max-age=31536000, immutable"))[
        "ResponseHeadersPolicy"
    ]["Id"]
    dist = cf.create_distribution(
        DistributionConfig={
            "CallerReference": str(uuid.uuid4()),
            "Comment": "spa",
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site",
                        "DomainName": f"{BUCKET}.s3.us-east-1.amazonaws.com",
                        "OriginAccessControlId": oac,
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": _behaviour("site", revalidate, no_cache),
            "CacheBehaviors": {
                "Quantity": 3,
                "Items": [
                    _behaviour("site", revalidate, no_cache, "/index.html"),
                    _behaviour("site", immutable, forever, "*.js"),
                    _behaviour("site", immutable, forever, "/assets/*"),
                ],
            },
            "CustomErrorResponses": {
                "Quantity": 2,
                "Items": [{"ErrorCode": code, "ResponsePagePath": "/index.html", "ResponseCode": "200", "ErrorCachingMinTTL": 0} for code in (403, 404)],
            },
        }
    )["Distribution"]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCloudFrontOriginAccessControl",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{BUCKET}/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": dist["ARN"]}},
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    s3.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    url = emu.cli("edge-url", dist["Id"]).stdout.strip()
    return {"id": dist["Id"], "domain": dist["DomainName"], "url": url, "revalidate": revalidate, "immutable": immutable, "headers": no_cache}


def put(s3: Any, key: str, body: bytes, ctype: str, cache_control: str | None = None) -> None:
    extra = {"CacheControl": cache_control} if cache_control else {}
    s3.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=ctype, **extra)


def invalidate(emu: Emulator, dist_id: str, *paths: str) -> dict[str, Any]:
    return emu.client("cloudfront").create_invalidation(
        DistributionId=dist_id, InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": list(paths)}, "CallerReference": str(uuid.uuid4())}
    )["Invalidation"]


# ---------------------------------------------------------------- the edge
def test_edge_url_is_on_loopback_and_listed(emu: Emulator, site: dict[str, Any]) -> None:
    assert site["url"] == f"http://127.0.0.1:{emu.base + 8000}", "the first distribution is served on listener base + 8000"
    edges = json.loads(urllib.request.urlopen(emu.endpoint + "/_slipway/edges", timeout=5).read())
    assert edges[site["id"]]["url"] == site["url"] and edges[site["id"]]["domain"] == site["domain"]
    status = emu.cli("status").stdout
    assert f"distribution {site['id']} ({site['domain']}) -> {site['url']}" in status
    proc = emu.cli("edge-url", "ENOSUCHDIST", check=False)
    assert proc.returncode == 1 and "no CloudFront distribution ENOSUCHDIST" in proc.stderr


def test_root_object_spa_fallback_and_security_headers(site: dict[str, Any]) -> None:
    status, headers, body = http(site["url"] + "/")
    assert status == 200 and body == b"<html>app v1</html>"
    assert headers["content-type"] == "text/html"
    assert headers["x-cache"] == "Miss from cloudfront"
    assert headers["strict-transport-security"] == "max-age=63072000; includeSubDomains; preload"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["content-security-policy"] == CSP
    assert headers["x-xss-protection"] == "1; mode=block"
    assert headers["cache-control"] == "no-cache", "the response headers policy overrides the object's Cache-Control"
    assert headers["etag"].startswith('"') and headers["last-modified"]
    assert headers["via"].endswith(f"{site['domain']} (CloudFront)")
    # a client-side route: the bucket answers 403 (no ListBucket for CloudFront), the edge serves the app shell
    status, headers, body = http(site["url"] + "/orders/42")
    assert (status, body) == (200, b"<html>app v1</html>")
    assert headers["x-cache"] == "Error from cloudfront"
    assert headers["x-frame-options"] == "DENY"
    # conditional requests are answered by the edge
    etag = http(site["url"] + "/index.html")[1]["etag"]
    assert http(site["url"] + "/index.html", {"If-None-Match": etag})[0] == 304
    # methods outside AllowedMethods are refused
    assert http(site["url"] + "/index.html", method="DELETE")[0] == 403


def test_cached_until_an_invalidation_completes(emu: Emulator, site: dict[str, Any]) -> None:
    s3 = emu.client("s3")
    put(s3, "assets/logo.svg", b"<svg>v1</svg>", "image/svg+xml", "max-age=600")
    first = http(site["url"] + "/assets/logo.svg")
    assert first[0] == 200 and first[1]["x-cache"] == "Miss from cloudfront" and first[1]["content-type"] == "image/svg+xml"
    assert first[1]["cache-control"] == "public, max-age=31536000, immutable"
    put(s3, "assets/logo.svg", b"<svg>v2</svg>", "image/svg+xml", "max-age=600")
    _status, headers, body = http(site["url"] + "/assets/logo.svg")
    assert body == b"<svg>v1</svg>" and headers["x-cache"] == "Hit from cloudfront" and int(headers["age"]) >= 0
    assert headers["etag"] == first[1]["etag"], "the cached ETag is the one the origin sent"
    started = time.monotonic()
    inv = invalidate(emu, site["id"], "/assets/*")
    assert inv["Status"] == "InProgress"
    assert http(site["url"] + "/assets/logo.svg")[2] == b"<svg>v1</svg>", "purged only when the invalidation completes"
    cf = emu.client("cloudfront")
    wait_for(lambda: cf.get_invalidation(DistributionId=site["id"], Id=inv["Id"])["Invalidation"]["Status"] == "Completed", 10, "Completed")
    assert time.monotonic() - started >= INVALIDATION_SECONDS - 0.2
    _status, headers, body = http(site["url"] + "/assets/logo.svg")
    assert body == b"<svg>v2</svg>" and headers["x-cache"] == "Miss from cloudfront"


def test_ttls_honour_the_object_and_the_policy(emu: Emulator, site: dict[str, Any]) -> None:
    s3 = emu.client("s3")
    # revalidate policy (min 0, default 0): no-cache and no Cache-Control are not kept
    put(s3, "ngsw.json", b'{"v":1}', "application/json", "no-cache")
    assert http(site["url"] + "/ngsw.json")[1]["x-cache"] == "Miss from cloudfront"
    assert http(site["url"] + "/ngsw.json")[1]["x-cache"] == "Miss from cloudfront"
    put(s3, "plain.txt", b"plain", "text/plain")
    assert [http(site["url"] + "/plain.txt")[1]["x-cache"] for _ in range(2)] == ["Miss from cloudfront"] * 2
    # ... but max-age is honoured up to the maximum TTL; once expired, an unchanged object is a RefreshHit
    put(s3, "config.json", b'{"v":1}', "application/json", "max-age=1")
    assert http(site["url"] + "/config.json")[1]["x-cache"] == "Miss from cloudfront"
    assert http(site["url"] + "/config.json")[1]["x-cache"] == "Hit from cloudfront"
    time.sleep(1.2)
    assert http(site["url"] + "/config.json")[1]["x-cache"] == "RefreshHit from cloudfront"
    put(s3, "config.json", b'{"v":2}', "application/json", "max-age=1")
    time.sleep(1.2)
    _status, headers, body = http(site["url"] + "/config.json")
    assert body == b'{"v":2}' and headers["x-cache"] == "Miss from cloudfront"
    # s-maxage wins over max-age for the edge
    put(s3, "shared.json", b"1", "application/json", "max-age=600, s-maxage=1")
    http(site["url"] + "/shared.json")
    time.sleep(1.2)
    assert http(site["url"] + "/shared.json")[1]["x-cache"] == "RefreshHit from cloudfront"
    # immutable policy (min TTL one day): even no-cache objects are kept (AWS: min TTL > 0 wins over no-cache)
    put(s3, "app.xyz.js", b"js1", "application/javascript", "no-cache")
    assert http(site["url"] + "/app.xyz.js")[1]["x-cache"] == "Miss from cloudfront"
    put(s3, "app.xyz.js", b"js2", "application/javascript", "no-cache")
    _status, headers, body = http(site["url"] + "/app.xyz.js")
    assert body == b"js1" and headers["x-cache"] == "Hit from cloudfront"


def test_unknown_bucket_object_without_fallback(emu: Emulator, site: dict[str, Any]) -> None:
    """Path patterns are case-sensitive: /Assets/x is the default behaviour; a missing object is the SPA shell there too."""
    status, headers, body = http(site["url"] + "/Assets/missing.png")
    assert status == 200 and body.startswith(b"<html>") and headers["x-cache"] == "Error from cloudfront"


# ---------------------------------------------------------------- invalidation API
def test_invalidation_status_pagination_and_idempotency(emu: Emulator, site: dict[str, Any]) -> None:
    cf = emu.client("cloudfront")
    ids = [invalidate(emu, site["id"], f"/page-{i}.html")["Id"] for i in range(120)]
    listing = cf.list_invalidations(DistributionId=site["id"])["InvalidationList"]
    assert listing["IsTruncated"] is True and listing["MaxItems"] == 100 and listing["Quantity"] == 100
    assert listing["Items"][0]["Id"] == ids[-1], "newest first"
    assert listing["NextMarker"] == listing["Items"][-1]["Id"]
    assert {i["Status"] for i in listing["Items"][:10]} == {"InProgress"}
    seen: list[str] = []
    for page in cf.get_paginator("list_invalidations").paginate(DistributionId=site["id"], PaginationConfig={"PageSize": 7}):
        seen.extend(i["Id"] for i in page["InvalidationList"].get("Items", []))
    assert seen[: len(ids)] == ids[::-1] and len(seen) == len(set(seen))
    # the same CallerReference and paths: the earlier invalidation; other paths: refused
    batch = {"Paths": {"Quantity": 1, "Items": ["/x"]}, "CallerReference": "ref-1"}
    first = cf.create_invalidation(DistributionId=site["id"], InvalidationBatch=batch)["Invalidation"]
    assert cf.create_invalidation(DistributionId=site["id"], InvalidationBatch=batch)["Invalidation"]["Id"] == first["Id"]
    with pytest.raises(ClientError) as exc:
        cf.create_invalidation(DistributionId=site["id"], InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/y"]}, "CallerReference": "ref-1"})
    assert exc.value.response["Error"]["Code"] == "InvalidationBatchAlreadyExists"
    with pytest.raises(ClientError) as exc:
        cf.create_invalidation(DistributionId=site["id"], InvalidationBatch={"Paths": {"Quantity": 2, "Items": ["/y"]}, "CallerReference": "ref-2"})
    assert exc.value.response["Error"]["Code"] == "InconsistentQuantities"
    with pytest.raises(ClientError) as exc:
        cf.get_invalidation(DistributionId=site["id"], Id="INOSUCHONE")
    assert exc.value.response["Error"]["Code"] == "NoSuchInvalidation" and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    wait_for(lambda: cf.get_invalidation(DistributionId=site["id"], Id=first["Id"])["Invalidation"]["Status"] == "Completed", 10, "Completed")
    assert {i["Status"] for i in cf.list_invalidations(DistributionId=site["id"])["InvalidationList"]["Items"]} == {"Completed"}


def test_in_progress_limits(emu: Emulator, site: dict[str, Any]) -> None:
    # let earlier tests' invalidations finish
    time.sleep(INVALIDATION_SECONDS + 0.2)
    invalidate(emu, site["id"], *[f"/w{i}/*" for i in range(15)])
    with pytest.raises(ClientError) as exc:
        invalidate(emu, site["id"], "/one-more/*")
    assert exc.value.response["Error"]["Code"] == "TooManyInvalidationsInProgress"
    invalidate(emu, site["id"], *[f"/f{i}" for i in range(3000)])  # files count apart from wildcards
    with pytest.raises(ClientError) as exc:
        invalidate(emu, site["id"], "/f-extra")
    assert exc.value.response["Error"]["Code"] == "TooManyInvalidationsInProgress"
    time.sleep(INVALIDATION_SECONDS + 0.2)
    assert invalidate(emu, site["id"], "/f-extra", "/again/*")["Status"] == "InProgress"
    with pytest.raises(ClientError) as exc:
        invalidate(emu, site["id"], *[f"/g{i}" for i in range(3001)])
    assert exc.value.response["Error"]["Code"] == "BatchTooLarge"
    with pytest.raises(ClientError) as exc:
        invalidate(emu, site["id"], "no-slash")
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"


def test_invalidation_faults_have_cloudfronts_shape(emu: Emulator, site: dict[str, Any]) -> None:
    from local_aws.faults import fault

    client = emu.client("cloudfront", Config(retries={"mode": "standard", "total_max_attempts": 1}))
    with fault(emu.endpoint, "cloudfront.CreateInvalidation", "throttle", count=1):
        with pytest.raises(ClientError) as exc:
            client.create_invalidation(DistributionId=site["id"], InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/t"]}, "CallerReference": "t1"})
    assert exc.value.response["Error"]["Code"] == "Throttling" and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    retrying = emu.client("cloudfront", Config(retries={"mode": "standard", "total_max_attempts": 3}))
    with fault(emu.endpoint, "cloudfront.CreateInvalidation", "throttle", count=1):
        out = retrying.create_invalidation(DistributionId=site["id"], InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/t"]}, "CallerReference": "t2"})
    assert out["ResponseMetadata"]["RetryAttempts"] == 1 and out["Invalidation"]["Status"] == "InProgress"


# ---------------------------------------------------------------- policy and distribution APIs
def test_cache_policy_api(emu: Emulator, site: dict[str, Any]) -> None:
    cf = emu.client("cloudfront")
    created = cf.create_cache_policy(CachePolicyConfig=_cache_policy("api-test", 0, 60, 600, qs="all"))
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201 and created["Location"].endswith(created["CachePolicy"]["Id"])
    pid, etag = created["CachePolicy"]["Id"], created["ETag"]
    assert cf.get_cache_policy(Id=pid)["ETag"] == etag
    assert cf.get_cache_policy_config(Id=pid)["CachePolicyConfig"]["DefaultTTL"] == 60
    for if_match, code in ((None, "InvalidIfMatchVersion"), ("ESTALE", "PreconditionFailed")):
        with pytest.raises(ClientError) as exc:
            kwargs = {"IfMatch": if_match} if if_match else {"IfMatch": ""}
            cf.update_cache_policy(Id=pid, CachePolicyConfig=_cache_policy("api-test", 0, 30, 600), **kwargs)
        assert exc.value.response["Error"]["Code"] == code
    updated = cf.update_cache_policy(Id=pid, IfMatch=etag, CachePolicyConfig=_cache_policy("api-test", 0, 30, 600))
    assert updated["ETag"] != etag and updated["CachePolicy"]["CachePolicyConfig"]["DefaultTTL"] == 30
    with pytest.raises(ClientError) as exc:
        cf.create_cache_policy(CachePolicyConfig=_cache_policy("api-test", 0, 60, 600))
    assert exc.value.response["Error"]["Code"] == "CachePolicyAlreadyExists" and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(ClientError) as exc:
        cf.create_cache_policy(CachePolicyConfig=_cache_policy("bad-ttl", 100, 10, 600))
    assert exc.value.response["Error"]["Code"] == "InvalidArgument"
    custom = cf.list_cache_policies(Type="custom")["CachePolicyList"]["Items"]
    assert {i["CachePolicy"]["CachePolicyConfig"]["Name"] for i in custom} == {"revalidate", "immutable", "api-test"}
    managed = {
        i["CachePolicy"]["CachePolicyConfig"]["Name"]: i["CachePolicy"]["Id"] for i in cf.list_cache_policies(Type="managed")["CachePolicyList"]["Items"]
    }
    assert managed["Managed-CachingOptimized"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    first = cf.list_cache_policies(MaxItems="1")["CachePolicyList"]
    assert first["Quantity"] == 1 and first["NextMarker"]
    with pytest.raises(ClientError) as exc:
        cf.delete_cache_policy(Id=site["immutable"], IfMatch=cf.get_cache_policy(Id=site["immutable"])["ETag"])
    assert exc.value.response["Error"]["Code"] == "CachePolicyInUse"
    with pytest.raises(ClientError) as exc:
        cf.delete_cache_policy(Id=managed["Managed-CachingDisabled"], IfMatch="x")
    assert exc.value.response["Error"]["Code"] == "IllegalDelete"
    cf.delete_cache_policy(Id=pid, IfMatch=updated["ETag"])
    with pytest.raises(ClientError) as exc:
        cf.get_cache_policy(Id=pid)
    assert exc.value.response["Error"]["Code"] == "NoSuchCachePolicy" and exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_response_headers_policy_and_distribution_etags(emu: Emulator, site: dict[str, Any]) -> None:
    cf = emu.client("cloudfront")
    got = cf.get_response_headers_policy(Id=site["headers"])
    assert got["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]["FrameOptions"]["FrameOption"] == "DENY"
    assert cf.get_response_headers_policy_config(Id=site["headers"])["ETag"] == got["ETag"]
    with pytest.raises(ClientError) as exc:
        cf.delete_response_headers_policy(Id=site["headers"], IfMatch=got["ETag"])
    assert exc.value.response["Error"]["Code"] == "ResponseHeadersPolicyInUse"
    names = {
        i["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]["Name"]
        for i in cf.list_response_headers_policies(Type="custom")["ResponseHeadersPolicyList"]["Items"]
    }
    assert names == {"no-cache", "immutable"}
    # distributions: If-Match is checked and every update gets a new ETag
    current = cf.get_distribution_config(Id=site["id"])
    with pytest.raises(ClientError) as exc:
        cf.update_distribution(Id=site["id"], IfMatch="ESTALE", DistributionConfig=current["DistributionConfig"])
    assert exc.value.response["Error"]["Code"] == "PreconditionFailed"
    config = current["DistributionConfig"]
    assert "ForwardedValues" not in config["DefaultCacheBehavior"], "a behaviour with a cache policy has no legacy settings"
    assert config["Origins"]["Items"][0]["OriginAccessControlId"]
    config["Comment"] = "spa (updated)"
    updated = cf.update_distribution(Id=site["id"], IfMatch=current["ETag"], DistributionConfig=config)
    assert updated["ETag"] != current["ETag"] and updated["Distribution"]["DistributionConfig"]["Comment"] == "spa (updated)"
    bad = json.loads(json.dumps(config, default=str))
    bad["DefaultCacheBehavior"]["CachePolicyId"] = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(ClientError) as exc:
        cf.update_distribution(Id=site["id"], IfMatch=updated["ETag"], DistributionConfig=bad)
    assert exc.value.response["Error"]["Code"] == "NoSuchCachePolicy"
    assert cf.get_distribution_config(Id=site["id"])["DistributionConfig"]["DefaultCacheBehavior"]["CachePolicyId"] == site["revalidate"]


def test_reset_closes_the_edges(tmp_path: Path) -> None:
    with running_emulator(tmp_path, SLIPWAY_TICK_SECONDS="0.1") as e:
        cf, s3 = e.client("cloudfront"), e.client("s3")
        s3.create_bucket(Bucket="bkt")
        dist = cf.create_distribution(
            DistributionConfig={
                "CallerReference": "r",
                "Comment": "",
                "Enabled": True,
                "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "bkt.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
                "DefaultCacheBehavior": {
                    "TargetOriginId": "o",
                    "ViewerProtocolPolicy": "allow-all",
                    "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
                    "MinTTL": 0,
                },
            }
        )["Distribution"]
        url = e.cli("edge-url", dist["Id"]).stdout.strip()
        s3.put_object(Bucket="bkt", Key="public.txt", Body=b"hi")
        # no origin access control: CloudFront reads anonymously, and a bucket without a policy refuses that
        assert http(url + "/public.txt")[0] == 403
        s3.put_bucket_policy(
            Bucket="bkt",
            Policy=json.dumps({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bkt/*"}]}),
        )
        assert http(url + "/public.txt")[1]["x-cache"] == "Error from cloudfront", "an origin error is cached 10 s without a custom error response"
        dropped = json.loads(urllib.request.urlopen(urllib.request.Request(f"{e.endpoint}/_slipway/edges/{dist['Id']}/cache", method="DELETE")).read())
        assert dropped == {"dropped": 1}
        assert http(url + "/public.txt")[2] == b"hi"
        assert http(url + "/missing")[0] == 403, "no s3:ListBucket for anonymous readers: a missing key is 403"
        with pytest.raises(ClientError) as exc:
            cf.delete_distribution(Id=dist["Id"], IfMatch=cf.get_distribution(Id=dist["Id"])["ETag"])
        assert exc.value.response["Error"]["Code"] == "DistributionNotDisabled", "AWS deletes only a disabled distribution"
        e.cli("reset")
        wait_for(lambda: dist["Id"] not in json.loads(urllib.request.urlopen(e.endpoint + "/_slipway/edges", timeout=5).read()), 5, "edge gone")
