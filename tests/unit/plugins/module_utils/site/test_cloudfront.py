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


def _history(cf, n, in_progress=0):
    for k in range(n):
        cf.add(["/a", "/b", "/c/*"], NOW - datetime.timedelta(minutes=n - k + in_progress))
    for k in range(in_progress):
        cf.add(["/x/*"], NOW - datetime.timedelta(seconds=in_progress - k), status="InProgress")


@pytest.mark.parametrize("n", [0, 40, 500, 5000])
def test_month_usage_costs_the_same_however_long_the_history(n):
    cf = FakeCloudFront(polls=10**9)  # nothing completes while it is read
    _history(cf, n, in_progress=2)
    cf.reads.clear()
    cf.pages = 0
    usage = cloudfront.month_usage(cf, "D1", NOW, max_pages=10, max_reads=50)
    assert cf.pages <= 10 and sum(cf.reads.values()) <= 50
    assert usage.invalidations == min(n + 2, 1000)
    # the in-progress requests are read first: the limits see them whatever the budget
    assert (usage.in_progress, usage.in_progress_wildcards) == (2, 2)
    read = min(n, 48)
    assert usage.complete == (n + 2 <= 50)
    assert usage.unread == max(0, min(n + 2, 1000) - 50)
    # a lower bound: the unread requests count one path each; the estimate counts them as the mean of those read
    assert usage.paths == 2 + 3 * read + usage.unread
    mean = (2 + 3 * read) / (read + 2)
    assert usage.estimated_paths == 2 + 3 * read + round(mean * usage.unread)
    assert usage.more_unlisted == (n + 2 > 1000)


def test_month_usage_reads_each_request_once_across_runs_with_its_cache():
    cf = FakeCloudFront(polls=1)
    _history(cf, 120)
    known = {}
    totals = []
    for _run in range(3):
        cf.reads.clear()
        usage = cloudfront.month_usage(cf, "D1", NOW, known=known, max_reads=50)
        known = usage.known
        totals.append((usage.paths, usage.complete, sum(cf.reads.values())))
    assert totals == [(3 * 50 + 70, False, 50), (3 * 100 + 20, False, 50), (3 * 120, True, 20)]
    cf.reads.clear()
    assert cloudfront.month_usage(cf, "D1", NOW, known=known).paths == 360 and not cf.reads
    # a new month: last month's cache drops out, nothing of it is counted
    later = NOW + datetime.timedelta(days=5)
    fresh = cloudfront.month_usage(cf, "D1", later, known=known)
    assert (fresh.invalidations, fresh.paths, fresh.known) == (0, 0, {})


def test_created_before_tells_an_earlier_request_from_this_one():
    inv = cloudfront.Invalidation("I1", "Completed", "ref", ["/"], create_time=(NOW - datetime.timedelta(hours=1)).isoformat())
    assert cloudfront.created_before(inv, NOW - cloudfront.CLOCK_SKEW)
    fresh = cloudfront.Invalidation("I2", "InProgress", "ref", ["/"], create_time=NOW.isoformat())
    assert not cloudfront.created_before(fresh, NOW - cloudfront.CLOCK_SKEW)
    assert not cloudfront.created_before(cloudfront.Invalidation("I3", "InProgress", "ref", ["/"]), NOW)


def test_status_spelling_of_emulators_is_normalised():
    assert cloudfront.normal_status("COMPLETED") == "Completed"
    assert cloudfront.normal_status("InProgress") == "InProgress"
