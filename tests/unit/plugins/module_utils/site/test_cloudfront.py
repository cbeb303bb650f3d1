import datetime

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import AwsError, SlipwayError
from ansible_collections.slipway.aws.plugins.module_utils.site import cloudfront

from .fakes import FakeCloudFront

NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)


def test_caller_reference_depends_on_release_and_path_set_only():
    a = cloudfront.caller_reference("r1", ["/index.html", "/"])
    assert a == cloudfront.caller_reference("r1", ["/", "/index.html", "/"])
    assert a != cloudfront.caller_reference("r2", ["/", "/index.html"])
    assert a != cloudfront.caller_reference("r1", ["/"])


def test_a_repeated_request_gets_the_same_invalidation_back():
    cf = FakeCloudFront()
    first = cloudfront.create_invalidation(cf, "D1", ["/index.html", "/"], "r1")
    again = cloudfront.create_invalidation(cf, "D1", ["/", "/index.html"], "r1")
    assert first.id == again.id and cf.created == 1
    assert first.paths == ["/", "/index.html"]


def test_too_many_in_progress_is_retried_with_jitter_then_named():
    cf = FakeCloudFront(too_many=2)
    sleeps = []
    inv = cloudfront.create_invalidation(cf, "D1", ["/"], "r1", sleep=sleeps.append, rng=lambda: 0.5)
    assert inv.id and sleeps == [1.0, 2.0]
    with pytest.raises(SlipwayError, match="too many invalidations in progress"):
        cloudfront.create_invalidation(FakeCloudFront(too_many=9), "D1", ["/"], "r2", attempts=3, sleep=lambda _s: None)


def test_other_errors_are_not_retried():
    cf = FakeCloudFront()

    def denied(**_kw):
        raise cf._error("AccessDenied", "CreateInvalidation")

    cf.create_invalidation = denied
    with pytest.raises(AwsError, match="AccessDenied"):
        cloudfront.create_invalidation(cf, "D1", ["/"], "r1", sleep=lambda _s: pytest.fail("retried"))


def test_wait_ends_completed_or_pending_never_failed():
    cf = FakeCloudFront(polls=2)
    inv = cloudfront.create_invalidation(cf, "D1", ["/"], "r1")
    assert cloudfront.wait_invalidation(cf, "D1", inv.id, timeout=5, interval=0.01) == "Completed"
    slow = FakeCloudFront(polls=10**6)
    inv = cloudfront.create_invalidation(slow, "D1", ["/"], "r1")
    assert cloudfront.wait_invalidation(slow, "D1", inv.id, timeout=0.05, interval=0.01) == "pending"


def test_month_usage_reads_back_only_to_the_month_start():
    cf = FakeCloudFront()
    for day in range(1, 200):  # a long history, oldest first
        cf.add(["/a", "/b"], NOW - datetime.timedelta(days=200 - day))
    cf.add(["/*"], NOW - datetime.timedelta(hours=1), status="InProgress")
    cf.reads.clear()
    usage = cloudfront.month_usage(cf, "D1", NOW)
    this_month = [i for i in cf.items if i["CreateTime"] >= datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)]
    assert usage.invalidations == len(this_month)
    assert usage.paths == 2 * (len(this_month) - 1) + 1
    assert (usage.in_progress, usage.in_progress_wildcards, usage.in_progress_paths) == (1, 1, 0)
    assert cf.pages == 1  # 100 newest fit one page: the older pages are never read
    assert set(cf.reads) == {i["Id"] for i in this_month}


def test_status_spelling_of_emulators_is_normalised():
    assert cloudfront.normal_status("COMPLETED") == "Completed"
    assert cloudfront.normal_status("InProgress") == "InProgress"
