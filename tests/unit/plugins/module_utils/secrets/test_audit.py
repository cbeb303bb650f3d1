"""The audit's judging from plain data: every state, every control verdict, the policy, the outputs."""

import datetime as dt
import json
import xml.etree.ElementTree as ET

import pytest
from ansible_collections.slipway.aws.plugins.module_utils.errors import PreflightError
from ansible_collections.slipway.aws.plugins.module_utils.secrets import audit

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-AbCdEf"
FN = "arn:aws:lambda:us-east-1:123456789012:function:rotate"
POLICY = audit.check_policy({})
ALLOW = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "secretsmanager.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": FN}],
    }
)


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def meta(**over):
    base = {
        "ARN": ARN,
        "Name": "app/db",
        "RotationEnabled": True,
        "RotationLambdaARN": FN,
        "RotationRules": {"AutomaticallyAfterDays": 30},
        "CreatedDate": days_ago(40),
        "LastRotatedDate": days_ago(10),
        "NextRotationDate": NOW + dt.timedelta(days=20),
        "LastAccessedDate": days_ago(1),
        "VersionIdsToStages": {"v2": ["AWSCURRENT", "AWSPENDING"], "v1": ["AWSPREVIOUS"]},
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def facts(m=None, **over):
    out = {
        "name": "app/db",
        "arn": ARN,
        "meta": meta() if m is None else m,
        "function": {"arn": FN, "exists": True, "state": "Active", "policy": ALLOW},
        "events": {"readable": True, "failed": [], "succeeded": [{"time": days_ago(10)}]},
        "consumers": [],
    }
    out.update(over)
    return out


def judged(f, policy=None):
    return audit.judge(f, policy or POLICY, NOW)


# ------------------------------------------------------------------ states
def test_healthy():
    r = judged(facts())
    assert r["state"] == "healthy" and r["findings"] == []
    assert {c: v["verdict"] for c, v in r["controls"].items()} == dict.fromkeys(audit.CONTROL_IDS, "PASS")
    assert r["evidence"]["function_policy"].startswith("the function's resource policy allows")


def test_awspending_on_the_current_version_is_a_valid_end_state():
    r = judged(facts(meta(VersionIdsToStages={"v2": ["AWSCURRENT", "AWSPENDING"]})))
    assert r["state"] == "healthy"


def test_not_rotating():
    m = meta(RotationEnabled=False, RotationLambdaARN=None, NextRotationDate=None, LastRotatedDate=None)
    r = judged(facts(m, function=None))
    assert r["state"] == "not_rotating"
    assert r["controls"]["SecretsManager.1"]["verdict"] == "FAIL"
    assert r["controls"]["SecretsManager.2"]["verdict"] == "NOT_APPLICABLE"


def test_overdue_when_the_next_rotation_date_passed():
    r = judged(facts(meta(NextRotationDate=days_ago(2), LastRotatedDate=days_ago(32))))
    assert r["state"] == "overdue" and "has passed" in r["reason"]
    assert r["controls"]["SecretsManager.2"]["verdict"] == "FAIL"


def test_overdue_when_the_last_rotation_is_older_than_the_policy():
    policy = audit.check_policy({"max_age_days": 5})
    r = judged(facts(), policy)
    assert r["state"] == "overdue" and "max_age_days 5" in r["reason"]


def test_never_rotated_is_aged_from_its_creation():
    r = judged(facts(meta(LastRotatedDate=None, NextRotationDate=None, CreatedDate=days_ago(120))))
    assert r["state"] == "overdue" and "never rotated" in r["reason"]
    assert r["controls"]["SecretsManager.4"]["verdict"] == "FAIL"
    assert r["controls"]["SecretsManager.2"]["verdict"] == "FAIL"


def test_stuck_pending():
    r = judged(facts(meta(VersionIdsToStages={"v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]})))
    assert r["state"] == "stuck_pending" and "v2" in r["reason"] and r["evidence"]["pending_version"] == "v2"


def test_failing_from_recent_rotation_failed_events():
    events = {
        "readable": True,
        "failed": [{"time": days_ago(1), "details": {"step": "setSecret", "errorType": "RuntimeError"}}],
        "succeeded": [{"time": days_ago(10)}],
    }
    r = judged(facts(events=events))
    assert r["state"] == "failing" and "setSecret" in r["reason"]
    assert r["evidence"]["rotation_failed_events"]["unresolved"] == 1


def test_a_failure_followed_by_a_success_is_not_failing():
    events = {"readable": True, "failed": [{"time": days_ago(3)}], "succeeded": [{"time": days_ago(1)}]}
    r = judged(facts(events=events))
    assert r["state"] == "healthy" and r["evidence"]["rotation_failed_events"]["count"] == 1


def test_unreadable_events_are_said_so_not_hidden():
    r = judged(facts(events={"readable": False, "error": "LookupEvents: AccessDeniedException: no"}))
    assert r["state"] == "healthy"
    assert r["evidence"]["rotation_failed_events"] == {"window_days": 7, "readable": False, "reason": "LookupEvents: AccessDeniedException: no"}


@pytest.mark.parametrize(
    ("function", "why"),
    [
        ({"arn": FN, "exists": False}, "does not exist"),
        ({"arn": FN, "exists": True, "state": "Active", "policy": None}, "no resource policy"),
        ({"arn": FN, "exists": True, "state": "Failed", "policy": ALLOW}, "is Failed"),
        (
            {"arn": FN, "exists": True, "state": "Active", "policy": ALLOW.replace("secretsmanager.amazonaws.com", "events.amazonaws.com")},
            "no statement",
        ),
    ],
)
def test_rotator_broken(function, why):
    r = judged(facts(function=function))
    assert r["state"] == "rotator_broken" and why in r["reason"]


def test_rotation_on_without_a_function_is_broken():
    r = judged(facts(meta(RotationLambdaARN=None), function=None))
    assert r["state"] == "rotator_broken"


def test_managed_by_service_is_not_judged_by_a_missing_function():
    m = meta(OwningService="rds", RotationLambdaARN=None, RotationRules={"AutomaticallyAfterDays": 7}, NextRotationDate=NOW + dt.timedelta(days=3))
    r = judged(facts(m, function=None))
    assert r["state"] == "managed_by_service" and "rds" in r["reason"]


def test_managed_by_service_still_overdue_by_its_schedule():
    m = meta(OwningService="rds", RotationLambdaARN=None, NextRotationDate=days_ago(1))
    assert judged(facts(m, function=None))["state"] == "overdue"


def test_error_when_the_metadata_cannot_be_read():
    f = {"name": "app/db", "arn": ARN, "meta": None, "error": "DescribeSecret: AccessDeniedException: not authorized"}
    r = judged(f)
    assert r["state"] == "error" and "AccessDeniedException" in r["reason"]
    assert {v["verdict"] for v in r["controls"].values()} == {"ERROR"}


def test_error_when_the_rotation_function_cannot_be_read():
    r = judged(facts(function={"arn": FN, "error": "GetFunction: ThrottlingException: Rate exceeded"}))
    assert r["state"] == "error" and "ThrottlingException" in r["reason"]


def test_the_most_severe_state_wins_and_all_findings_are_kept():
    m = meta(VersionIdsToStages={"v1": ["AWSCURRENT"], "v2": ["AWSPENDING"]}, NextRotationDate=days_ago(1))
    r = judged(facts(m, function={"arn": FN, "exists": False}))
    assert r["state"] == "rotator_broken"
    assert [f["state"] for f in r["findings"]] == ["rotator_broken", "stuck_pending", "overdue"]


# ------------------------------------------------------------------ controls
def test_unused_secret_fails_securityhub_3_with_its_default():
    r = judged(facts(meta(LastAccessedDate=days_ago(91))))
    assert r["controls"]["SecretsManager.3"]["verdict"] == "FAIL" and "unusedForDays 90" in r["controls"]["SecretsManager.3"]["reason"]
    never = judged(facts(meta(LastAccessedDate=None, CreatedDate=days_ago(89))))
    assert never["controls"]["SecretsManager.3"]["verdict"] == "PASS" and "never accessed" in never["controls"]["SecretsManager.3"]["reason"]


def test_securityhub_4_uses_max_days_since_rotation_90():
    assert judged(facts(meta(LastRotatedDate=days_ago(89))))["controls"]["SecretsManager.4"]["verdict"] == "PASS"
    assert judged(facts(meta(LastRotatedDate=days_ago(91))))["controls"]["SecretsManager.4"]["verdict"] == "FAIL"


def test_securityhub_2_computes_the_due_date_without_next_rotation_date():
    r = judged(facts(meta(NextRotationDate=None, LastRotatedDate=days_ago(31), RotationRules={"ScheduleExpression": "rate(30 days)"})))
    assert r["controls"]["SecretsManager.2"]["verdict"] == "FAIL"
    cron = judged(facts(meta(NextRotationDate=None, RotationRules={"ScheduleExpression": "cron(0 4 1 * ? *)"})))
    assert cron["controls"]["SecretsManager.2"]["verdict"] == "ERROR"


# ------------------------------------------------------------------ stale consumers
def test_stale_consumers_are_tasks_started_before_the_last_rotation():
    consumers = [
        {
            "cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/app",
            "service": "api",
            "task_definition": "td:1",
            "tasks": [{"task_arn": "t1", "started_at": days_ago(11)}, {"task_arn": "t2", "started_at": days_ago(9)}],
        }
    ]
    r = judged(facts(consumers=consumers))
    assert r["stale_consumers"][0]["stale_tasks"] == 1 and r["stale_consumers"][0]["running_tasks"] == 2
    assert "--force-new-deployment" in r["stale_consumers"][0]["fix"]
    summary = audit.summarize([r], POLICY)
    assert summary["policy_failed"] and "stale consumers" in summary["failures"][0]


def test_unreadable_consumers_fail_a_policy_that_cares():
    r = judged(facts(consumers=None, consumers_error="ListClusters: AccessDeniedException: no"))
    assert r["evidence"]["consumers"] == {"readable": False, "reason": "ListClusters: AccessDeniedException: no"}
    assert audit.summarize([r], POLICY)["policy_failed"]
    lenient = audit.check_policy({"fail_on": ["overdue"]})
    assert not audit.summarize([r], lenient)["policy_failed"]


@pytest.mark.parametrize(
    ("value_from", "expected"),
    [
        (ARN, True),
        (ARN + ":password::", True),
        (ARN[:-7], True),
        (ARN[:-7] + ":username::", True),
        ("app/db", True),
        (ARN.replace("app/db", "app/dbx"), False),
        ("arn:aws:ssm:us-east-1:123456789012:parameter/app/db", False),
    ],
)
def test_references(value_from, expected):
    assert audit.references(value_from, ARN, "app/db") is expected


# ------------------------------------------------------------------ policy and input
@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ({"max_age_days": 0}, "max_age_days=0 is out of range"),
        ({"max_age_days": 1001}, "from 1 to 1000"),
        ({"failed_events_days": 91}, "failed_events_days=91"),
        ({"max_age_days": True}, "max_age_days=True"),
        ({"fail_on": ["healthy"]}, "fail_on"),
        ({"max_age": 3}, "unknown policy key"),
    ],
)
def test_bad_policy_is_refused(policy, message):
    with pytest.raises(PreflightError, match=message):
        audit.check_policy(policy)


def test_policy_defaults_and_error_always_fails():
    assert audit.check_policy({})["max_age_days"] == 90
    assert audit.check_policy({"max_age_days": "30"})["max_age_days"] == 30
    assert audit.check_policy({"fail_on": ["overdue"]})["fail_on"] == ["error", "overdue"]
    assert audit.check_policy({"fail_on": "overdue,stale_consumers"})["fail_on"] == ["error", "overdue", "stale_consumers"]


def test_patterns():
    assert audit.parse_patterns("slipway/local/*, rds!*") == ["slipway/local/*", "rds!*"]
    assert audit.in_scope("slipway/local/db", ["slipway/local/*"]) and not audit.in_scope("other", ["slipway/*"])
    assert audit.in_scope("anything", [])
    with pytest.raises(PreflightError):
        audit.parse_patterns(["bad name with spaces"])


def test_policy_conditions_on_source_arn():
    pol = json.loads(ALLOW)
    pol["Statement"][0]["Condition"] = {"ArnLike": {"AWS:SourceArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:other-*"}}
    ok, why = audit.policy_allows_secrets_manager(json.dumps(pol), ARN)
    assert not ok and "no statement" in why
    pol["Statement"][0]["Condition"] = {"ArnLike": {"AWS:SourceArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*"}}
    assert audit.policy_allows_secrets_manager(json.dumps(pol), ARN)[0]


# ------------------------------------------------------------------ outputs
def test_summary_table_and_junit():
    results = [
        judged(facts()),
        judged({"name": "app/denied", "arn": ARN + "x", "meta": None, "error": "DescribeSecret: AccessDeniedException: no"}),
        judged(facts(meta(RotationEnabled=False, NextRotationDate=None), function=None, name="app/off")),
    ]
    summary = audit.summarize(results, POLICY)
    assert summary["states"]["healthy"] == 1 and summary["states"]["error"] == 1 and summary["states"]["not_rotating"] == 1
    assert summary["controls"]["SecretsManager.1"] == {"PASS": 1, "FAIL": 1, "ERROR": 1, "NOT_APPLICABLE": 0}
    assert summary["policy_failed"]
    line = audit.verdict_line(summary, "/r/a.json")
    assert line.startswith("secret rotation audit failed: 1 error (app/denied)") and line.endswith("Details: /r/a.json (or run with -v)")
    table = audit.render_table(results, summary)
    assert table[0].split()[:6] == ["SECRET", "STATE", "SM.1", "SM.2", "SM.3", "SM.4"]
    assert any(row.startswith("app/denied") and " error " in row for row in table)
    root = ET.fromstring(audit.junit_xml(results, POLICY))  # noqa: S314  our own output
    assert root.attrib["tests"] == "18" and root.attrib["errors"] == "5"
    denied = next(s for s in root if s.attrib["name"] == "app/denied")
    assert denied.find("testcase/error") is not None


def test_write_reports(tmp_path):
    paths = audit.write_reports(str(tmp_path / "out"), {"a": 1}, "<x/>")
    assert json.loads((tmp_path / "out" / audit.REPORT_JSON).read_text()) == {"a": 1}
    assert paths["junit"].endswith(audit.REPORT_JUNIT)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [audit.REPORT_JSON, audit.REPORT_JUNIT]


def test_a_glob_that_matches_nothing_fails():
    assert audit.summarize([], POLICY, patterns=["app/typo*"])["failures"] == ["no secret matches app/typo*"]
    assert not audit.summarize([], POLICY)["policy_failed"]
