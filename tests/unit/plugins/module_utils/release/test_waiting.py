"""The shared poller."""

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import GateFailed
from ansible_collections.slipway.aws.plugins.module_utils.release.waiting import wait_until


def test_wait_until_returns_the_first_truthy_answer_and_ticks_between_polls():
    answers = iter([None, "", "approve"])
    ticks = []
    assert wait_until(lambda: next(answers), timeout=5, interval=0.001, what="approval", on_tick=lambda: ticks.append(1)) == "approve"
    assert len(ticks) == 2


def test_wait_until_gives_up_at_the_deadline_as_a_failed_gate():
    polls = []
    with pytest.raises(GateFailed, match="gate 'health' failed: timed out after 0s") as err:
        wait_until(lambda: polls.append(1), timeout=0.05, interval=0.01, what="health")
    assert err.value.evidence == {"timeout_seconds": 0.05}
    assert 2 <= len(polls) < 10  # the interval grows between polls
