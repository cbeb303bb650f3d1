"""The modules' entry points: option checks, the invalidation module four ways, the info module."""

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.site import runner
from ansible_collections.slipway.aws.plugins.module_utils.site.publish import SiteConfig, SitePublisher

from .fakes import angular_files, make_dist

BUCKET = "slipway-test-site"


def params(spec, **values):
    p = {k: v.get("default") for k, v in spec.items()}
    p.update(region="us-east-1")
    p.update(values)
    return p


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"dist": None, "release_id": "r1"}, "Fix: -e dist=PATH"),
        ({"dist": "/x", "release_id": "bad id"}, "-e release="),
        ({"dist": "/x", "release_id": "r1", "keep_releases": 0}, "keep_releases must be >= 1"),
        ({"dist": "/x", "release_id": "r1", "poll_interval": 0}, "poll_interval must be > 0"),
        ({"dist": "/x", "release_id": "r1", "edge_url": "d1.cloudfront.net"}, "not an http"),
        ({"dist": "/x", "release_id": "r1", "cache_rules": [{"pattern": "x"}]}, r"cache_rules\[0\]"),
    ],
)
def test_bad_options_are_refused_with_their_fix(values, message):
    with pytest.raises(PreflightError, match=message):
        runner.build_config(params(runner.PUBLISH_SPEC, bucket=BUCKET, **values))


def test_rollback_needs_no_dist_and_the_site_defaults_to_the_distribution():
    cfg = runner.build_config(params(runner.PUBLISH_SPEC, bucket=BUCKET, operation="rollback", distribution_id="D1"))
    assert cfg.site == "D1" and cfg.dist == ""


def _distribution(cf):
    return cf.create_distribution(
        DistributionConfig={
            "CallerReference": "site",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": f"{BUCKET}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "s3",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
    )["Distribution"]["Id"]


def test_invalidation_module_check_apply_apply_check(aws):
    dist = _distribution(aws.client("cloudfront"))
    p = params(runner.INVALIDATION_SPEC, distribution_id=dist, paths=["index.html", "/ngsw.json", "/"], reference="r1", protected=["main-ABCDEFGH.js"])
    planned = runner.run_invalidation(p, check_mode=True)
    assert planned["changed"] and planned["invalidation"] is None and planned["paths"] == ["/", "/index.html", "/ngsw.json"]
    created = runner.run_invalidation(p, check_mode=False)
    assert created["changed"] and created["invalidation"]["id"]
    again = runner.run_invalidation(p, check_mode=False)
    assert not again["changed"] and again["invalidation"]["id"] == created["invalidation"]["id"]
    assert not runner.run_invalidation(p, check_mode=True)["changed"]
    assert len(aws.client("cloudfront").list_invalidations(DistributionId=dist)["InvalidationList"]["Items"]) == 1


def test_info_lists_kept_releases_newest_first(aws, tmp_path):
    aws.client("s3").create_bucket(Bucket=BUCKET)
    for n, v in enumerate(("1", "2"), start=1):
        cfg = SiteConfig(bucket=BUCKET, site="web", dist=make_dist(tmp_path / v, angular_files(v)), release_id=f"r{n}")
        assert SitePublisher(aws, cfg).publish()["outcome"] == "published"
    info = runner.run_info(params(runner.INFO_SPEC, bucket=BUCKET))
    assert [r["release_id"] for r in info["releases"]] == ["r2", "r1"]
    assert (info["live_release_id"], info["previous_release_id"]) == ("r2", "r1")
    assert info["releases"][0]["live"] and info["releases"][0]["files"] == len(angular_files())
