"""The emulator's Python Lambda runtime (tools/local_aws/lambdas.py) and the
Secrets Manager rotation that invokes it, against a real emulator over HTTP.

Ports: this module prefers API port 4790 and listener base 23500 (base + 80 and
base + 9000; no other module asks for them) and falls back to conftest's scan
of 4700-4799 / 21000-23700 when another run holds them.
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import textwrap
import time
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .conftest import REPO, Emulator, port_free, wait_for

PREFERRED_PORT = 4790
PREFERRED_BASE = 23100
ROLE = "arn:aws:iam::123456789012:role/slipway-lambda"

HANDLERS = textwrap.dedent(
    """
    import json
    import logging
    import os
    import time

    import boto3

    LOG = logging.getLogger()
    LOG.setLevel(logging.INFO)


    def value(event, context):
        return {"echo": event, "answer": 42}


    def environment(event, context):
        names = [
            "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
            "LAMBDA_TASK_ROOT", "AWS_ENDPOINT_URL", "AWS_EXECUTION_ENV", "_HANDLER", "GREETING",
        ]
        return {
            "env": {name: os.environ.get(name) for name in names},
            "cwd": os.getcwd(),
            "context": {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "remaining": context.get_remaining_time_in_millis(),
            },
        }


    def chatty(event, context):
        print("printed", event["marker"])
        LOG.info("logged %s", event["marker"])
        LOG.warning("warned %s", event["marker"])
        return {"stream": context.log_stream_name}


    def fail(event, context):
        raise ValueError("the handler refuses " + event.get("why", "everything"))


    def slow(event, context):
        print("pid", os.getpid(), flush=True)
        time.sleep(60)


    def unserialisable(event, context):
        return {"a set": {1, 2}}


    def leave(event, context):
        raise SystemExit(3)


    def send(event, context):
        time.sleep(event.get("delay", 0))
        sqs = boto3.client("sqs")
        url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
        return sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event["body"]))["MessageId"]
    """
)

ROTATION = textwrap.dedent(
    '''
    """A rotation function for a plain JSON secret, shaped like AWS's template."""
    import json
    import os
    import time

    import boto3

    sm = boto3.client("secretsmanager")


    def handler(event, context):
        print("EVENT " + json.dumps(event, sort_keys=True))
        arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
        meta = sm.describe_secret(SecretId=arn)
        if not meta.get("RotationEnabled"):
            raise ValueError("rotation is not enabled for " + arn)
        versions = meta["VersionIdsToStages"]
        if token not in versions:
            raise ValueError("version %s has no stage" % token)
        if "AWSCURRENT" in versions[token]:
            return
        if "AWSPENDING" not in versions[token]:
            raise ValueError("version %s is not AWSPENDING" % token)
        if step == os.environ.get("FAIL_STEP"):
            raise RuntimeError(step + " refused by the test")
        if step == "createSecret":
            time.sleep(float(os.environ.get("SLOW", "0")))
            current = json.loads(sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
            try:
                sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
            except sm.exceptions.ResourceNotFoundException:
                new = dict(current, password="rotated-" + token)
                sm.put_secret_value(
                    SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(new, sort_keys=True), VersionStages=["AWSPENDING"]
                )
        elif step == "testSecret":
            json.loads(sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")["SecretString"])
        elif step == "finishSecret":
            current = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token, RemoveFromVersionId=current)
    '''
)


def zipped(files: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("local-aws-lambda"))
    if port_free(PREFERRED_PORT) and port_free(PREFERRED_BASE + 80) and port_free(PREFERRED_BASE + 9000):
        emu.port, emu.base, emu.endpoint = PREFERRED_PORT, PREFERRED_BASE, f"http://127.0.0.1:{PREFERRED_PORT}"
        emu.env.update(SLIPWAY_EMULATOR_PORT=str(emu.port), SLIPWAY_LISTENER_PORT_BASE=str(emu.base))
    assert emu.cli("up").stdout.strip() == emu.endpoint
    try:
        yield emu
    finally:
        emu.cli("down", check=False)


@pytest.fixture(scope="module")
def lam(emulator: Emulator) -> Any:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    emulator.client("iam").create_role(RoleName=ROLE.rsplit("/", 1)[1], AssumeRolePolicyDocument=json.dumps(trust))
    return emulator.client("lambda")


@pytest.fixture(scope="module")
def functions(emulator: Emulator, lam: Any) -> dict[str, str]:
    """One function per handler of HANDLERS (python3.11, zip upload); name -> ARN."""
    code = zipped({"handlers.py": HANDLERS})
    arns = {}
    for name, timeout in (("value", 3), ("environment", 7), ("chatty", 3), ("fail", 3), ("slow", 1), ("send", 10), ("unserialisable", 3), ("leave", 3)):
        arns[name] = lam.create_function(
            FunctionName=f"rt-{name}",
            Runtime="python3.11",
            Role=ROLE,
            Handler=f"handlers.{name}",
            Code={"ZipFile": code},
            Timeout=timeout,
            MemorySize=256,
            Environment={"Variables": {"GREETING": "hello", "LOG_LEVEL": "INFO"}},
        )["FunctionArn"]
    return arns


def invoke(lam: Any, name: str, event: Any, **kwargs: Any) -> tuple[dict[str, Any], Any]:
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), **kwargs)
    return resp, json.loads(resp["Payload"].read() or b"null")


def log_messages(emulator: Emulator, group: str, stream: str | None = None) -> list[str]:
    logs = emulator.client("logs")
    kwargs: dict[str, Any] = {"logGroupName": group}
    if stream:
        kwargs["logStreamNames"] = [stream]
    try:
        return [e["message"] for e in logs.filter_log_events(**kwargs)["events"]]
    except logs.exceptions.ResourceNotFoundException:
        return []


# ---------------------------------------------------------------- the runtime
def test_a_handler_returns_its_value(lam: Any, functions: dict[str, str]) -> None:
    resp, payload = invoke(lam, "rt-value", {"n": [1, 2, "three"]})
    assert resp["StatusCode"] == 200
    assert "FunctionError" not in resp
    assert resp["ExecutedVersion"] == "$LATEST"
    assert payload == {"echo": {"n": [1, 2, "three"]}, "answer": 42}


def test_the_handler_sees_its_environment_and_context(emulator: Emulator, lam: Any, functions: dict[str, str]) -> None:
    _, out = invoke(lam, "rt-environment", {})
    env, ctx = out["env"], out["context"]
    assert env["GREETING"] == "hello"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "rt-environment"
    assert env["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "256"
    assert env["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/rt-environment"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11"
    assert env["_HANDLER"] == "handlers.environment"
    assert env["AWS_ENDPOINT_URL"] == emulator.endpoint
    assert env["LAMBDA_TASK_ROOT"] == out["cwd"]
    assert (Path(env["LAMBDA_TASK_ROOT"]) / "handlers.py").is_file()
    assert str(Path(env["LAMBDA_TASK_ROOT"])).startswith(emulator.env["SLIPWAY_EMULATOR_STATE_DIR"])
    assert ctx["function_name"] == "rt-environment"
    assert ctx["function_version"] == "$LATEST"
    assert ctx["invoked_function_arn"] == functions["environment"]
    assert ctx["memory_limit_in_mb"] == "256"
    assert ctx["log_group_name"] == "/aws/lambda/rt-environment"
    assert ctx["log_stream_name"] == env["AWS_LAMBDA_LOG_STREAM_NAME"]
    assert 5000 < ctx["remaining"] <= 7000
    uuid.UUID(ctx["aws_request_id"])


def test_prints_and_logging_reach_cloudwatch_logs_and_the_tail(emulator: Emulator, lam: Any, functions: dict[str, str]) -> None:
    resp, out = invoke(lam, "rt-chatty", {"marker": "m-1"}, LogType="Tail")
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert "printed m-1" in tail and "logged m-1" in tail and "warned m-1" in tail
    assert tail.startswith("START RequestId: ") and "\nREPORT RequestId: " in tail
    messages = log_messages(emulator, "/aws/lambda/rt-chatty", out["stream"])
    assert "printed m-1" in messages
    info = next(m for m in messages if m.endswith("logged m-1"))
    level, stamp, request_id, text = info.split("\t")
    assert (level, text) == ("[INFO]", "logged m-1")
    assert stamp.endswith("Z")
    assert messages[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert messages[-2] == f"END RequestId: {request_id}"
    assert messages[-1].startswith(f"REPORT RequestId: {request_id}\tDuration: ")
    # without LogType=Tail there is no log result
    resp, _ = invoke(lam, "rt-chatty", {"marker": "m-2"})
    assert "LogResult" not in resp


def test_an_exception_is_an_unhandled_function_error(lam: Any, functions: dict[str, str]) -> None:
    resp, payload = invoke(lam, "rt-fail", {"why": "today"}, LogType="Tail")
    assert resp["StatusCode"] == 200
    assert resp["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "the handler refuses today"
    assert isinstance(payload["stackTrace"], list)
    assert any('handlers.py", line' in frame and "in fail" in frame for frame in payload["stackTrace"])
    assert "[ERROR] ValueError: the handler refuses today" in base64.b64decode(resp["LogResult"]).decode()


def test_runtime_errors_have_aws_error_types(lam: Any, functions: dict[str, str]) -> None:
    resp, payload = invoke(lam, "rt-unserialisable", {})
    assert (resp["FunctionError"], payload["errorType"]) == ("Unhandled", "Runtime.MarshalError")
    assert payload["errorMessage"].startswith("Unable to marshal response: Object of type set is not JSON serializable")
    resp, payload = invoke(lam, "rt-leave", {})
    assert (resp["FunctionError"], payload["errorType"]) == ("Unhandled", "Runtime.ExitError")
    assert payload["errorMessage"].endswith("Runtime exited with error: exit status 3")
    code = {"ZipFile": zipped({"handlers.py": HANDLERS})}
    lam.create_function(FunctionName="rt-missing", Runtime="python3.11", Role=ROLE, Handler="handlers.nothing", Code=code)
    resp, payload = invoke(lam, "rt-missing", {})
    assert payload == {**payload, "errorType": "Runtime.HandlerNotFound", "errorMessage": "Handler 'nothing' missing on module 'handlers'"}
    with pytest.raises(ClientError) as err:
        lam.invoke(FunctionName="rt-value", Payload=b"{not json")
    assert err.value.response["Error"]["Code"] == "InvalidRequestContentException"
    assert lam.invoke(FunctionName="rt-value", InvocationType="DryRun")["StatusCode"] == 204


def test_a_timeout_kills_the_process(lam: Any, functions: dict[str, str]) -> None:
    started = time.monotonic()
    resp, payload = invoke(lam, "rt-slow", {}, LogType="Tail")
    assert time.monotonic() - started < 8
    assert resp["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]
    tail = base64.b64decode(resp["LogResult"]).decode()
    assert "Task timed out after 1.00 seconds" in tail and "Status: timeout" in tail
    pid = int(next(line for line in tail.splitlines() if line.startswith("pid ")).split()[1])
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_the_handler_calls_the_emulator_with_boto3_and_every_call_is_counted(emulator: Emulator, lam: Any, functions: dict[str, str]) -> None:
    sqs = emulator.client("sqs")
    url = sqs.create_queue(QueueName="rt-calls")["QueueUrl"]
    emulator.cli("calls", "--reset")  # zero the counts
    _, message_id = invoke(lam, "rt-send", {"queue": "rt-calls", "body": {"hello": "queue"}})
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [(m["MessageId"], json.loads(m["Body"])) for m in got] == [(message_id, {"hello": "queue"})]
    import urllib.request

    with urllib.request.urlopen(emulator.endpoint + "/_slipway/calls") as r:
        calls = json.loads(r.read())["calls"]
    assert calls.get("awslambda.Invoke") == 1
    assert calls.get("sqs.GetQueueUrl") == 1 and calls.get("sqs.SendMessage") == 1


def test_an_event_invocation_runs_in_the_background(emulator: Emulator, lam: Any, functions: dict[str, str]) -> None:
    sqs = emulator.client("sqs")
    url = sqs.create_queue(QueueName="rt-async")["QueueUrl"]
    started = time.monotonic()
    resp = lam.invoke(FunctionName="rt-send", InvocationType="Event", Payload=json.dumps({"queue": "rt-async", "body": "later", "delay": 1.5}).encode())
    assert resp["StatusCode"] == 202
    assert resp["Payload"].read() == b""
    assert time.monotonic() - started < 1.0
    msgs = wait_for(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages"), timeout=15, what="the asynchronous invocation's message")
    assert json.loads(msgs[0]["Body"]) == "later"


def test_code_from_s3(emulator: Emulator, lam: Any) -> None:
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket="rt-code")
    s3.put_object(
        Bucket="rt-code", Key="pkg/fn.zip", Body=zipped({"pkg/app.py": "def main(event, context):\n    return event['x'] * 2\n", "pkg/__init__.py": ""})
    )
    lam.create_function(FunctionName="rt-s3", Runtime="python3.12", Role=ROLE, Handler="pkg/app.main", Code={"S3Bucket": "rt-code", "S3Key": "pkg/fn.zip"})
    assert invoke(lam, "rt-s3", {"x": 21})[1] == 42


def test_faults_apply_to_invoke(emulator: Emulator, functions: dict[str, str]) -> None:
    from local_aws.faults import fault

    no_retry = emulator.client("lambda", Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    with fault(emulator.endpoint, "lambda.Invoke", "throttle", count=1):
        with pytest.raises(ClientError) as err:
            no_retry.invoke(FunctionName="rt-value", Payload=b"{}")
        assert err.value.response["Error"]["Code"] == "TooManyRequestsException"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert json.loads(no_retry.invoke(FunctionName="rt-value", Payload=b"{}")["Payload"].read())["answer"] == 42


# ---------------------------------------------------------------- the messaging module's function
def test_event_forwarder_delivers_an_eventbridge_event_to_sqs(emulator: Emulator, lam: Any, tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(REPO / "tools" / "package-lambdas"), "--out", str(tmp_path), "event_forwarder"], check=True, capture_output=True)
    sqs = emulator.client("sqs")
    url = sqs.create_queue(QueueName="rt-integration-events")["QueueUrl"]
    lam.create_function(
        FunctionName="rt-event-forwarder",
        Runtime="python3.11",
        Role=ROLE,
        Handler="handler.handler",
        Code={"ZipFile": (tmp_path / "event_forwarder.zip").read_bytes()},
        Timeout=10,
        Environment={"Variables": {"TARGET_QUEUE_URL": url, "ALLOWED_SOURCES": "slipway.", "LOG_LEVEL": "INFO"}},
    )
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "OrderPlaced",
        "source": "slipway.orders",
        "account": "123456789012",
        "time": "2026-11-30T12:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"order": 17, "total": "12.50"},
    }
    resp = lam.invoke(FunctionName="rt-event-forwarder", InvocationType="Event", Payload=json.dumps(event).encode())
    assert resp["StatusCode"] == 202
    msgs = wait_for(
        lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MessageAttributeNames=["All"]).get("Messages"), timeout=20, what="the forwarded event"
    )
    body = json.loads(msgs[0]["Body"])
    assert body == {
        "id": event["id"],
        "source": "slipway.orders",
        "detail_type": "OrderPlaced",
        "time": event["time"],
        "account": "123456789012",
        "region": "us-east-1",
        "detail": {"order": 17, "total": "12.50"},
    }
    attrs = {k: v["StringValue"] for k, v in msgs[0]["MessageAttributes"].items()}
    assert attrs == {"source": "slipway.orders", "detail_type": "OrderPlaced", "event_id": event["id"]}
    messages = wait_for(lambda: [m for m in log_messages(emulator, "/aws/lambda/rt-event-forwarder") if "forwarded event" in m], what="the log line")
    assert event["id"] in messages[0]
    # an event from a source it does not accept raises (on AWS: retried, then its DLQ)
    resp, payload = invoke(lam, "rt-event-forwarder", {**event, "source": "other.app"})
    assert resp["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "InvalidEventError"
    assert "is not one of ['slipway.']" in payload["errorMessage"]


# ---------------------------------------------------------------- Secrets Manager rotation
ORIGINAL = json.dumps({"username": "app_user", "password": 'p"w0rd\\ ü'}, sort_keys=True)


@pytest.fixture(scope="module")
def rotation_functions(lam: Any) -> dict[str, str]:
    code = zipped({"rotation.py": ROTATION})
    arns = {}
    for name, env in (("ok", {}), ("fail-set", {"FAIL_STEP": "setSecret"}), ("slow", {"SLOW": "2"})):
        arns[name] = lam.create_function(
            FunctionName=f"rotate-{name}",
            Runtime="python3.11",
            Role=ROLE,
            Handler="rotation.handler",
            Code={"ZipFile": code},
            Timeout=15,
            Environment={"Variables": env},
        )["FunctionArn"]
    return arns


def new_secret(sm: Any, name: str) -> tuple[str, str]:
    created = sm.create_secret(Name=name, SecretString=ORIGINAL)
    return created["ARN"], created["VersionId"]


def stages(sm: Any, arn: str) -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in sm.describe_secret(SecretId=arn)["VersionIdsToStages"].items()}


def events_for(emulator: Emulator, arn: str) -> list[dict[str, Any]]:
    ct = emulator.client("cloudtrail")
    got = ct.lookup_events(LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": arn}])["Events"]
    return [{**e, "detail": json.loads(e["CloudTrailEvent"])} for e in got]


def rotation_events(emulator: Emulator, arn: str) -> list[str]:
    """The step events the rotation function printed, in order."""
    lines = [m for m in log_messages(emulator, "/aws/lambda/rotate-ok") + log_messages(emulator, "/aws/lambda/rotate-fail-set") if m.startswith("EVENT ")]
    evs = [json.loads(m[len("EVENT ") :]) for m in lines]
    return [e["Step"] for e in evs if e["SecretId"] == arn]


def test_rotation_runs_the_four_steps_and_moves_awscurrent(emulator: Emulator, rotation_functions: dict[str, str]) -> None:
    sm = emulator.client("secretsmanager")
    arn, first = new_secret(sm, "rotation/ok")
    started = time.monotonic()
    resp = sm.rotate_secret(SecretId=arn, RotationLambdaARN=rotation_functions["ok"], RotationRules={"AutomaticallyAfterDays": 30})
    assert time.monotonic() - started < 1.0  # asynchronous: returns before the function has run
    token = resp["VersionId"]
    assert resp["ARN"] == arn
    assert token != first
    wait_for(lambda: "AWSCURRENT" in stages(sm, arn).get(token, []), timeout=30, what="AWSCURRENT on the new version")
    current = sm.get_secret_value(SecretId=arn)
    assert current["VersionId"] == token
    assert current["SecretString"] == json.dumps({"username": "app_user", "password": f"rotated-{token}"}, sort_keys=True)
    assert sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"] == current["SecretString"]
    previous = sm.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")
    assert previous["VersionId"] == first
    assert previous["SecretString"] == ORIGINAL  # byte for byte
    assert stages(sm, arn)[first] == ["AWSPREVIOUS"]
    done = wait_for(lambda: [e for e in events_for(emulator, arn) if e["EventName"] == "RotationSucceeded"], what="RotationSucceeded")
    assert done[0]["EventSource"] == "secretsmanager.amazonaws.com"
    assert done[0]["detail"]["eventType"] == "AwsServiceEvent"
    assert done[0]["detail"]["additionalEventData"] == {"SecretId": arn}
    desc = sm.describe_secret(SecretId=arn)
    assert desc["RotationEnabled"] is True
    assert desc["RotationLambdaARN"] == rotation_functions["ok"]
    assert desc["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert abs(desc["LastRotatedDate"].timestamp() - time.time()) < 60
    assert abs((desc["NextRotationDate"] - desc["LastRotatedDate"]).total_seconds() - 30 * 86400) < 5
    names = [e["EventName"] for e in events_for(emulator, arn)]
    assert names == ["RotationSucceeded", "RotationStarted", "RotateSecret"]  # newest first, as LookupEvents answers
    steps = wait_for(lambda: rotation_events(emulator, arn) if len(rotation_events(emulator, arn)) == 4 else None, what="four invocations")
    assert steps == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    first_event = json.loads(next(m for m in log_messages(emulator, "/aws/lambda/rotate-ok") if '"createSecret"' in m and arn in m)[len("EVENT ") :])
    assert first_event["ClientRequestToken"] == token and first_event["RotationToken"]

    # the configured rotation again, without parameters: another version, the same shape
    again = sm.rotate_secret(SecretId=arn)["VersionId"]
    wait_for(lambda: "AWSCURRENT" in stages(sm, arn).get(again, []), timeout=30, what="the second rotation")
    assert sm.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")["SecretString"] == current["SecretString"]
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == json.dumps({"username": "app_user", "password": f"rotated-{again}"}, sort_keys=True)


def test_a_failing_step_stops_the_rotation_and_leaves_awscurrent(emulator: Emulator, rotation_functions: dict[str, str]) -> None:
    sm = emulator.client("secretsmanager")
    arn, first = new_secret(sm, "rotation/fails")
    token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=rotation_functions["fail-set"], RotationRules={"AutomaticallyAfterDays": 7})["VersionId"]
    failed = wait_for(lambda: [e for e in events_for(emulator, arn) if e["EventName"] == "RotationFailed"], timeout=30, what="RotationFailed")
    details = failed[0]["detail"]
    assert details["eventSource"] == "secretsmanager.amazonaws.com"
    assert details["serviceEventDetails"]["step"] == "setSecret"
    assert details["serviceEventDetails"]["errorMessage"] == "setSecret refused by the test"
    assert stages(sm, arn) == {first: ["AWSCURRENT"], token: ["AWSPENDING"]}
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == ORIGINAL
    pending = sm.get_secret_value(SecretId=arn, VersionStage="AWSPENDING")
    assert pending["VersionId"] == token
    assert json.loads(pending["SecretString"])["password"] == f"rotated-{token}"
    assert rotation_events(emulator, arn) == ["createSecret", "setSecret"]
    desc = sm.describe_secret(SecretId=arn)
    assert "LastRotatedDate" not in desc
    # AWSPENDING on another version than AWSCURRENT: a new rotation is refused
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId=arn, RotationLambdaARN=rotation_functions["ok"])
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert err.value.response["Error"]["Message"] == "A previous rotation isn't complete. That rotation will be reattempted."
    # RotationFailed through the EventName attribute too
    ct = emulator.client("cloudtrail")
    by_name = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotationFailed"}])["Events"]
    assert any(r["ResourceName"] == arn for e in by_name for r in e["Resources"])


def test_a_second_rotate_secret_during_a_rotation_is_refused(emulator: Emulator, rotation_functions: dict[str, str]) -> None:
    sm = emulator.client("secretsmanager")
    arn, _ = new_secret(sm, "rotation/concurrent")
    token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=rotation_functions["slow"], RotationRules={"AutomaticallyAfterDays": 30})["VersionId"]
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId=arn)
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "A previous rotation isn't complete" in err.value.response["Error"]["Message"]
    wait_for(lambda: "AWSCURRENT" in stages(sm, arn).get(token, []), timeout=30, what="the slow rotation")
    assert sm.get_secret_value(SecretId=arn, VersionStage="AWSPREVIOUS")["SecretString"] == ORIGINAL
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == json.dumps({"username": "app_user", "password": f"rotated-{token}"}, sort_keys=True)
    wait_for(lambda: [e for e in events_for(emulator, arn) if e["EventName"] == "RotationSucceeded"], what="RotationSucceeded")


def test_rotate_immediately_false_only_tests_the_configuration(emulator: Emulator, rotation_functions: dict[str, str]) -> None:
    sm = emulator.client("secretsmanager")
    arn, first = new_secret(sm, "rotation/scheduled")
    token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=rotation_functions["ok"], RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)[
        "VersionId"
    ]
    wait_for(lambda: [e for e in events_for(emulator, arn) if e["EventName"] == "TestRotationSucceeded"], timeout=30, what="TestRotationSucceeded")
    assert rotation_events(emulator, arn) == ["testSecret"]
    assert stages(sm, arn) == {first: ["AWSCURRENT"]}  # the test version is removed again
    assert token != first
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == ORIGINAL
    desc = sm.describe_secret(SecretId=arn)
    assert desc["RotationEnabled"] is True
    assert "LastRotatedDate" not in desc
    assert abs(desc["NextRotationDate"].timestamp() - (time.time() + 7 * 86400)) < 60


def test_rotate_secret_without_a_function_is_refused(emulator: Emulator) -> None:
    sm = emulator.client("secretsmanager")
    arn, first = new_secret(sm, "rotation/none")
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId=arn)
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"
    assert stages(sm, arn) == {first: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == ORIGINAL


def test_a_fault_on_a_call_of_the_function_fails_the_rotation(emulator: Emulator, rotation_functions: dict[str, str]) -> None:
    from local_aws.faults import fault

    sm = emulator.client("secretsmanager")
    arn, first = new_secret(sm, "rotation/faulted")
    with fault(emulator.endpoint, "secretsmanager.PutSecretValue", "access-denied", count=1):
        token = sm.rotate_secret(SecretId=arn, RotationLambdaARN=rotation_functions["ok"])["VersionId"]
        failed = wait_for(lambda: [e for e in events_for(emulator, arn) if e["EventName"] == "RotationFailed"], timeout=30, what="RotationFailed")
    assert failed[0]["detail"]["serviceEventDetails"]["step"] == "createSecret"
    assert failed[0]["detail"]["serviceEventDetails"]["errorType"] == "ClientError"
    assert "AccessDenied" in failed[0]["detail"]["serviceEventDetails"]["errorMessage"]
    assert stages(sm, arn) == {first: ["AWSCURRENT"], token: ["AWSPENDING"]}
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == ORIGINAL


def test_lookup_events_follows_the_cloudtrail_api(emulator: Emulator, rotation_functions: dict[str, str]) -> None:
    ct = emulator.client("cloudtrail")
    source = [{"AttributeKey": "EventSource", "AttributeValue": "secretsmanager.amazonaws.com"}]
    everything = ct.lookup_events(LookupAttributes=source)["Events"]
    assert len(everything) >= 6
    times = [e["EventTime"] for e in everything]
    assert times == sorted(times, reverse=True)
    first = ct.lookup_events(LookupAttributes=source, MaxResults=2)
    assert len(first["Events"]) == 2 and first["NextToken"]
    second = ct.lookup_events(LookupAttributes=source, MaxResults=2, NextToken=first["NextToken"])
    assert [e["EventId"] for e in first["Events"] + second["Events"]] == [e["EventId"] for e in everything[:4]]
    api_call = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotateSecret"}])["Events"][0]
    record = json.loads(api_call["CloudTrailEvent"])
    assert record["eventType"] == "AwsApiCall" and record["responseElements"]["versionId"]
    assert ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "RotationFailed"}], EndTime=0)["Events"] == []
    with pytest.raises(ClientError) as err:
        ct.lookup_events(LookupAttributes=[*source, {"AttributeKey": "EventName", "AttributeValue": "RotateSecret"}])
    assert err.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    with pytest.raises(ClientError) as err:
        ct.lookup_events(StartTime=200, EndTime=100)
    assert err.value.response["Error"]["Code"] == "InvalidTimeRangeException"
