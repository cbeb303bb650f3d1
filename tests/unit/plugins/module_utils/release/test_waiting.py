"""The shared poller, and what SIGINT/SIGTERM do during a release."""

import contextlib
import http.server
import os
import signal
import threading
import time

import boto3
import botocore.config
import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import GateFailed
from ansible_collections.slipway.aws.plugins.module_utils.release.waiting import InterruptGuard, Signalled, wait_until


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


def test_wait_until_can_let_time_pass_before_its_first_check_and_then_backs_off_to_its_cap():
    now = [0.0]
    checks = []

    def check():
        checks.append(now[0])
        return len(checks) == 6

    def sleep(seconds):
        now[0] += seconds

    wait_until(check, timeout=600, interval=5, what="health", max_interval=20, first_after=5, sleep=sleep, clock=lambda: now[0])
    # 5 s before the first read, then x1.5 per round up to 4x the interval.
    assert checks == [5.0, 10.0, 17.5, 28.75, 45.625, 65.625]


def test_wait_until_reads_again_soon_after_the_state_moved_and_backs_off_again_after():
    now = [0.0]
    checks = []

    def check():
        checks.append(now[0])
        return len(checks) == 8

    def sleep(seconds):
        now[0] += seconds

    # The state moves at the third read only (a task started): the next read comes 1 s later, then the gaps
    # grow again from there (1.5 s, 2.25 s, ...) up to the cap; without progress they only ever grow.
    wait_until(
        check,
        timeout=600,
        interval=2,
        what="health",
        max_interval=4,
        first_after=2,
        sleep=sleep,
        clock=lambda: now[0],
        progressed=lambda: len(checks) == 3,
        after_progress=1,
    )
    assert checks == [2.0, 4.0, 7.0, 8.0, 9.5, 11.75, 15.125, 19.125]
    now[0], checks[:] = 0.0, []
    wait_until(check, timeout=600, interval=2, what="health", max_interval=4, first_after=2, sleep=sleep, clock=lambda: now[0], progressed=lambda: False)
    assert checks == [2.0, 4.0, 7.0, 11.0, 15.0, 19.0, 23.0, 27.0]


# --------------------------------------------------------------- interrupts
SLOW_PORT = 4598  # tests/support/emulator.py's table of ports


class _SlowSts(http.server.BaseHTTPRequestHandler):
    """Answers GetCallerIdentity after half a second: time for a signal to land mid-request."""

    requests = 0

    def do_POST(self) -> None:
        type(self).requests += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        time.sleep(0.5)
        body = (
            b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:root</Arn>"
            b"<UserId>u</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
        )
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the interrupted client has gone
            self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


@pytest.fixture
def slow_sts():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", SLOW_PORT), _SlowSts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _SlowSts.requests = 0
    try:
        yield f"http://127.0.0.1:{SLOW_PORT}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["standard", "adaptive", "legacy"])
def test_an_interrupt_during_an_aws_call_is_not_swallowed_by_the_sdks_retries(slow_sts, mode):
    """botocore turns an Exception raised mid-request into a retryable HTTPClientError; ours must get through."""
    client = boto3.client(
        "sts",
        endpoint_url=slow_sts,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(retries={"mode": mode, "max_attempts": 5}),
    )
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    with InterruptGuard() as guard:
        timer.start()
        with pytest.raises(Signalled) as err:
            client.get_caller_identity()
    timer.join()
    assert err.value.name == "SIGINT" and guard.received == ["SIGINT"]
    assert _SlowSts.requests == 1  # not sent again


def test_the_guard_records_once_disarmed_and_restores_the_handlers_it_replaced():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with InterruptGuard() as guard:
        with pytest.raises(Signalled):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        guard.disarm()
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
        guard.check()  # disarmed: nothing raised
    assert guard.received == ["SIGTERM", "SIGINT"]
    assert {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)} == before


def test_check_raises_for_a_signal_whose_exception_was_swallowed():
    with InterruptGuard() as guard:
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        except Signalled:
            pass  # what a careless library might do
        with pytest.raises(Signalled):
            guard.check()


def test_a_second_signal_while_the_first_unwinds_does_not_replace_it():
    """Ctrl-C, and Ansible's SIGTERM right behind it: the release must say it was SIGINT."""
    both = {signal.SIGINT, signal.SIGTERM}
    with InterruptGuard() as guard:
        with pytest.raises(Signalled) as err:
            signal.pthread_sigmask(signal.SIG_BLOCK, both)
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGTERM)
            try:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, both)  # both handlers are due now, SIGINT's first
                time.sleep(1)
            finally:
                # On the way out, I/O (as urllib3 closing its connection does) runs the
                # handler CPython deferred after the first one raised: SIGTERM's.
                print(end="", flush=True)
    assert err.value.name == "SIGINT"
    assert guard.received == ["SIGINT", "SIGTERM"]
