"""explain_release's recomputation: gates judged live (in-process moto), recorded in the ledger, read back and
judged again from the record alone."""

import json
import time

from ansible_collections.slipway.aws.plugins.module_utils import gates
from ansible_collections.slipway.aws.plugins.module_utils.ledger import ledger_list, ledger_put, release_key
from ansible_collections.slipway.aws.plugins.module_utils.release.explain import CHANGED, OBSERVED, SAME, UNRECOMPUTABLE, explain, recheck

from ..conftest import DEPLOYMENT_TABLE as TABLE
from ..test_aws_and_ledger import BLUE_TG, GREEN_TG, metrics_gate, put_alb_counts


def entry(*results: gates.GateResult, outcome: str = "rolled_back", message: str = "gate metrics failed") -> dict:
    return {
        "release_id": "r-explain",
        "service": "user",
        "started_at": "2026-12-01T07:00:00Z",
        "finished_at": "2026-12-01T07:05:00Z",
        "image_tag": "7.3.0",
        "image_digest": "sha256:" + "ab" * 32,
        "strategy": "canary",
        "from_colour": "blue",
        "to_colour": "green",
        "who": "alice",
        "outcome": outcome,
        "message": message,
        "gates": [r.as_dict() for r in results],
    }


def live_gates(aws) -> list[gates.GateResult]:
    """A smoke test that reaches nothing, an alarm in ALARM beside a quiet one, a health observation, and two metric
    steps: one passing, one the comparison fails (3 % against the old colour's 1 %, under the 5 % limit)."""
    smoke = gates.smoke("http://127.0.0.1:9", "user.local", ["/health"], attempts=2, timeout=1)
    cw = aws.client("cloudwatch")
    for name in ("user-5xx", "user-latency"):
        cw.put_metric_alarm(
            AlarmName=name,
            MetricName="M",
            Namespace="N",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanThreshold",
        )
    cw.set_alarm_state(AlarmName="user-5xx", StateValue="ALARM", StateReason="Threshold Crossed: 1 datapoint [7.0] > 1")
    alarms = gates.alarms(aws, ["user-5xx", "user-latency"])
    health = gates.GateResult("health", "PASS", "2/2 targets healthy in local-user-green", seconds=3.0)
    now = time.time()
    put_alb_counts(aws, GREEN_TG, now - 5, 4000, 40)
    put_alb_counts(aws, BLUE_TG, now - 5, 36000, 360)
    first = metrics_gate(aws, GREEN_TG, BLUE_TG, now)
    first.step = 1
    later = now + 100
    put_alb_counts(aws, GREEN_TG, later - 5, 4000, 120)
    put_alb_counts(aws, BLUE_TG, later - 5, 36000, 360)
    second = metrics_gate(aws, GREEN_TG, BLUE_TG, later)
    second.step = 2
    return [smoke, alarms, health, first, second]


def test_every_live_verdict_recomputes_to_itself_after_a_ledger_round_trip(aws):
    results = live_gates(aws)
    assert [r.status for r in results] == ["FAIL", "FAIL", "PASS", "PASS", "FAIL"], [r.summary for r in results]
    ledger_put(aws, TABLE, entry(*results))
    (stored,) = ledger_list(aws, TABLE, "user")
    why = explain(stored)
    assert [g["check"] for g in why["gates"]] == [SAME, SAME, OBSERVED, SAME, SAME]
    assert why["changed"] == [] and why["counts"] == {SAME: 4, CHANGED: 0, OBSERVED: 1, UNRECOMPUTABLE: 0}
    # the first gate that did not pass is the one the explanation names
    assert why["deciding"]["gate"] == "smoke"
    text = "\n".join(why["lines"])
    assert "user release r-explain: rolled_back" in text and "decided by: gate smoke: FAIL" in text
    assert "metrics (step 2): FAIL — production against the old colour: 5xx FAIL" in text and "recomputed: 4 same, 1 observed" in text


def test_an_edited_datapoint_in_the_ledger_is_a_changed_verdict_naming_what_moved(aws):
    results = live_gates(aws)
    record = entry(*results)
    ledger_put(aws, TABLE, record)
    # someone edits the stored entry: step 2's new colour had 40 errors, not 120
    tampered = json.loads(json.dumps(record))
    step2 = tampered["gates"][4]["evidence"]
    step2["datapoints"]["errors"][0][1] = 40.0
    item = {**release_key("user", record["started_at"], record["release_id"]), "outcome": {"S": "rolled_back"}, "entry": {"S": json.dumps(tampered)}}
    aws.client("dynamodb").put_item(TableName=TABLE, Item=item)
    (stored,) = ledger_list(aws, TABLE, "user")
    why = explain(stored)
    (changed,) = why["changed"]
    assert changed["step"] == 2 and changed["recomputed"]["status"] == "PASS"
    moved = "\n".join(changed["differences"])
    assert "status: recorded FAIL, recomputed PASS" in moved and "evidence.errors_5xx: recorded 120, recomputed 40" in moved
    assert "evidence.comparison" in moved
    assert [g["check"] for g in why["gates"]].count(SAME) == 3


def test_a_changed_limit_in_the_record_changes_the_verdict(aws):
    results = live_gates(aws)
    gate = results[3].as_dict()
    assert recheck(gate)["check"] == SAME
    gate["evidence"]["limits"]["max_5xx_rate"] = 0.001  # 1 % now exceeds the recorded limit
    got = recheck(gate)
    assert got["check"] == CHANGED and got["recomputed"]["status"] == "FAIL" and "production: 5xx rate 1.0% > limit 0.1%" in got["recomputed"]["summary"]


def test_what_cannot_be_recomputed_is_said_and_never_counted_as_confirmed():
    error = gates.GateResult("metrics", "ERROR", "could not read CloudWatch metrics: AccessDenied", step=1).as_dict()
    older = gates.GateResult("metrics", "PASS", "2400 requests, 5xx 0.0%, mean latency 40 ms", step=1, evidence={"requests": 2400, "datapoints": {}}).as_dict()
    unknown = gates.GateResult("canary-analysis", "PASS", "fine", evidence={"x": 1}).as_dict()
    approval = gates.GateResult("approval", "PASS", "approved by an operator").as_dict()
    checks = [recheck(g) for g in (error, older, unknown, approval)]
    assert [c["check"] for c in checks] == [UNRECOMPUTABLE, UNRECOMPUTABLE, UNRECOMPUTABLE, OBSERVED]
    assert "could not run" in checks[0]["why"] and "older than recomputable metrics" in checks[1]["why"] and "canary-analysis" in checks[2]["why"]
    why = explain(entry(gates.GateResult("metrics", "ERROR", "could not read CloudWatch metrics: AccessDenied", step=1)))
    assert why["changed"] == [] and why["counts"][SAME] == 0 and why["counts"][UNRECOMPUTABLE] == 1


def test_a_release_ended_outside_the_gates_says_so(aws):
    health = gates.GateResult("health", "PASS", "2/2 targets healthy")
    why = explain(entry(health, outcome="rolled_back", message="interrupted by SIGINT: rolled back"))
    assert why["deciding"] is None
    assert any("decided by: no gate" in line for line in why["lines"])
    ok = explain(entry(health, outcome="succeeded", message="live"))
    assert not any("decided by" in line for line in ok["lines"])
