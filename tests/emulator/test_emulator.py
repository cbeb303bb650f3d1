"""The emulator over HTTP: ECS tasks, target health, deployments, ALB routing,
metrics and the CLI life cycle. Tests run in file order and share one world."""

from __future__ import annotations

import collections
import datetime as dt
import json
import socket
from typing import Any

import pytest
import requests

from .conftest import REGISTRY, Emulator, wait_for

CLUSTER = "slipway-local"


def service(ecs: Any, name: str) -> dict[str, Any]:
    return ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]


def tasks_of(ecs: Any, name: str, status: str = "RUNNING") -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=CLUSTER, desiredStatus=status)["taskArns"]
    if not arns:
        return []
    found = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]
    return [t for t in found if t["group"] == f"service:{name}"]


def health(elb: Any, tg: str) -> list[tuple[str, str]]:
    return [(d["Target"]["Id"], d["TargetHealth"]["State"]) for d in elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]]


def completed(ecs: Any, name: str, desired: int) -> bool:
    s = service(ecs, name)
    deps = s["deployments"]
    return len(deps) == 1 and deps[0]["rolloutState"] == "COMPLETED" and s["runningCount"] == desired and deps[0]["runningCount"] == desired


def test_up_is_idempotent_and_status_lists_listeners(emulator: Emulator, world: dict[str, Any]) -> None:
    assert emulator.cli("up").stdout.strip() == emulator.endpoint
    out = emulator.cli("status").stdout
    assert f"HTTP:80  -> http://127.0.0.1:{emulator.base + 80}" in out
    assert f"HTTP:9000  -> http://127.0.0.1:{emulator.base + 9000}" in out
    assert "demo-blue" in out


def test_tasks_run_and_register_healthy(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs, elb = emulator.client("ecs"), emulator.client("elbv2")
    wait_for(lambda: completed(ecs, "demo-blue", 2), what="blue steady")
    running = tasks_of(ecs, "demo-blue")
    assert len(running) == 2
    ips = set()
    for t in running:
        assert t["lastStatus"] == "RUNNING" and t["startedBy"].startswith("ecs-svc/")
        ip = next(d["value"] for d in t["attachments"][0]["details"] if d["name"] == "privateIPv4Address")
        assert ip.startswith("10.0.")
        ips.add(ip)
    assert len(ips) == 2
    states = wait_for(lambda: (h := health(elb, world["tgs"]["blue"])) and all(s == "healthy" for _, s in h) and h, what="blue targets healthy")
    assert {ip for ip, _ in states} == ips
    events = [e["message"] for e in service(ecs, "demo-blue")["events"]]
    assert any("has started 2 tasks" in m for m in events)
    assert any("has reached a steady state" in m for m in events)


def test_list_tasks_filters_by_service_name(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs = emulator.client("ecs")
    for status in ("RUNNING", "STOPPED"):
        every = ecs.list_tasks(cluster=CLUSTER, desiredStatus=status)["taskArns"]
        groups = {t["taskArn"]: t["group"] for t in ecs.describe_tasks(cluster=CLUSTER, tasks=every)["tasks"]} if every else {}
        for name in ("demo-blue", "demo-green"):
            listed = ecs.list_tasks(cluster=CLUSTER, serviceName=name, desiredStatus=status)["taskArns"]
            assert set(listed) == {arn for arn, group in groups.items() if group == f"service:{name}"}, (status, name)
    assert ecs.list_tasks(cluster=CLUSTER, serviceName="demo-blue")["taskArns"], "blue runs tasks"


def test_set_queue_attributes_changes_only_the_attributes_it_names(emulator: Emulator) -> None:
    sqs = emulator.client("sqs")
    dlq = sqs.create_queue(QueueName="attrs-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="attrs")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "Deny", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": arn}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": "45"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert json.loads(got["Policy"]) == policy, "setting other attributes dropped the policy"
    assert json.loads(got["RedrivePolicy"])["deadLetterTargetArn"] == dlq_arn and got["VisibilityTimeout"] == "45"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def test_listener_routes_by_host_and_default_action(emulator: Emulator, world: dict[str, Any]) -> None:
    r = requests.get(emulator.url(80, "/orders"), headers={"Host": world["host"] + ":80"}, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert body["service"] == "demo" and body["version"] == "1.0.0" and body["path"] == "/orders"
    assert r.headers["x-slipway-target-group"] == "local-demo-blue"
    assert body["image"].startswith("sha256:")
    miss = requests.get(emulator.url(80, "/"), headers={"Host": "other.example"}, timeout=5)
    assert miss.status_code == 404 and miss.text == "no route"
    # the test listener points at green, which has no targets yet: ALB answers 503
    assert requests.get(emulator.url(9000, "/"), headers={"Host": world["host"]}, timeout=5).status_code == 503


def test_green_deploy_and_weighted_routing(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs, elb = emulator.client("ecs"), emulator.client("elbv2")
    v2 = world["taskdef"]("2.0.0")
    world["v2"] = v2
    ecs.update_service(cluster=CLUSTER, service="demo-green", taskDefinition=v2, desiredCount=2)
    s = service(ecs, "demo-green")
    assert s["deployments"][0]["status"] == "PRIMARY" and s["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert s["runningCount"] == 0  # moto would claim 2 immediately
    wait_for(lambda: completed(ecs, "demo-green", 2), what="green steady")
    r = requests.get(emulator.url(9000, "/"), headers={"Host": world["host"]}, timeout=5)
    assert r.status_code == 200 and r.json()["version"] == "2.0.0"

    elb.modify_rule(
        RuleArn=world["prod_rule"],
        Actions=[
            {
                "Type": "forward",
                "ForwardConfig": {
                    "TargetGroups": [{"TargetGroupArn": world["tgs"]["blue"], "Weight": 80}, {"TargetGroupArn": world["tgs"]["green"], "Weight": 20}]
                },
            }
        ],
    )
    seen: collections.Counter[str] = collections.Counter()
    tasks: collections.Counter[str] = collections.Counter()
    with requests.Session() as http:
        for _ in range(200):
            r = http.get(emulator.url(80, "/"), headers={"Host": world["host"]}, timeout=5)
            assert r.status_code == 200
            seen[r.json()["version"]] += 1
            tasks[r.headers["x-slipway-task"]] += 1
    assert set(seen) == {"1.0.0", "2.0.0"}
    assert 15 <= seen["2.0.0"] <= 70, seen  # 20% of 200 = 40, generous bounds
    assert len(tasks) == 4  # round robin reaches every healthy task
    world["routed"] = dict(seen)


def test_metrics_reach_cloudwatch(emulator: Emulator, world: dict[str, Any]) -> None:
    cw = emulator.client("cloudwatch")
    dims = [
        {"Name": "TargetGroup", "Value": "targetgroup/" + world["tgs"]["blue"].split(":targetgroup/")[1]},
        {"Name": "LoadBalancer", "Value": world["lb"]["LoadBalancerArn"].split(":loadbalancer/")[1]},
    ]
    now = dt.datetime.now(dt.UTC)
    window = {"StartTime": now - dt.timedelta(minutes=10), "EndTime": now + dt.timedelta(minutes=5)}

    def total(name: str, stat: str = "Sum") -> float:
        pts = cw.get_metric_statistics(Namespace="AWS/ApplicationELB", MetricName=name, Dimensions=dims, Period=60, Statistics=[stat], **window)["Datapoints"]
        return sum(p[stat] for p in pts)

    # blue got 1 request in the routing test before the weights plus its share of the 200
    expected = world["routed"]["1.0.0"] + 1
    wait_for(lambda: total("RequestCount") >= expected, what="RequestCount published")
    assert total("RequestCount") == expected
    assert total("HTTPCode_Target_2XX_Count") == expected
    assert total("HTTPCode_Target_5XX_Count") == 0
    wait_for(lambda: total("HealthyHostCount", "Maximum") == 2, what="HealthyHostCount")
    data = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "rt",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "TargetResponseTime", "Dimensions": dims},
                    "Period": 60,
                    "Stat": "Average",
                },
            },
            {
                "Id": "rc",
                "MetricStat": {"Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": "RequestCount", "Dimensions": dims}, "Period": 60, "Stat": "Sum"},
            },
        ],
        **window,
    )
    results = {r["Id"]: r["Values"] for r in data["MetricDataResults"]}
    assert sum(results["rc"]) == expected
    assert results["rt"] and all(0 <= v < 1 for v in results["rt"])


def _requests_in_three_seconds(emulator: Emulator, world: dict[str, Any]) -> dict[int, int]:
    """3, 5 and 2 requests to blue in three consecutive seconds, each batch 0.2 s into its second (far from
    both edges); the count per second."""
    import time

    per_second: dict[int, int] = {}
    with requests.Session() as http:
        for count in (3, 5, 2):
            now = time.time()
            time.sleep(int(now) + 1.2 - now)
            second = int(time.time())
            for _ in range(count):
                r = http.get(emulator.url(80, "/"), headers={"Host": world["host"]}, timeout=5)
                assert r.status_code == 200
                # a target's answer is passed through: no Server header of the load balancer's
                assert not r.headers.get("Server", "").startswith("awselb"), r.headers
            assert int(time.time()) == second, "the requests of a second took longer than 0.8 s"
            per_second[second] = count
        lb_answer = http.get(emulator.url(80, "/"), headers={"Host": "no-rule.example"}, timeout=5)
        assert lb_answer.headers.get("Server", "").startswith("awselb/2.0")  # made by the load balancer itself
    return per_second


def test_metrics_are_stamped_with_the_second_their_requests_were_answered(emulator: Emulator, world: dict[str, Any]) -> None:
    """A window of whole seconds holds exactly the requests answered in it, and a host count stamped at or after a
    moment says every request answered before it is published (what a release waits for before it judges)."""
    import time

    cw = emulator.client("cloudwatch")
    tg_dim = "targetgroup/" + world["tgs"]["blue"].split(":targetgroup/")[1]
    lb_dim = world["lb"]["LoadBalancerArn"].split(":loadbalancer/")[1]
    dims = [{"Name": "TargetGroup", "Value": tg_dim}, {"Name": "LoadBalancer", "Value": lb_dim}]
    elb = emulator.client("elbv2")
    (rule,) = elb.describe_rules(RuleArns=[world["prod_rule"]])["Rules"]
    only_blue = {"TargetGroups": [{"TargetGroupArn": world["tgs"]["blue"], "Weight": 100}, {"TargetGroupArn": world["tgs"]["green"], "Weight": 0}]}
    elb.modify_rule(RuleArn=world["prod_rule"], Actions=[{"Type": "forward", "ForwardConfig": only_blue}])
    try:
        per_second = _requests_in_three_seconds(emulator, world)
    finally:
        elb.modify_rule(RuleArn=world["prod_rule"], Actions=rule["Actions"])

    first, last = min(per_second), max(per_second)
    end = last + 1

    def query(name: str, stat: str) -> dict[str, Any]:
        metric = {"Namespace": "AWS/ApplicationELB", "MetricName": name, "Dimensions": dims}
        return {"Id": "q", "MetricStat": {"Metric": metric, "Period": 1, "Stat": stat}}

    def at(second: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(second, dt.UTC)

    def covered() -> bool:
        got = cw.get_metric_data(MetricDataQueries=[query("HealthyHostCount", "SampleCount")], StartTime=at(end), EndTime=at(time.time() + 5))
        return bool(got["MetricDataResults"][0]["Values"])

    wait_for(covered, timeout=20, what="a host count stamped after the last request")
    got = cw.get_metric_data(MetricDataQueries=[query("RequestCount", "Sum")], StartTime=at(first), EndTime=at(end))
    (result,) = got["MetricDataResults"]
    seen = {int(ts.timestamp()): int(v) for ts, v in zip(result["Timestamps"], result["Values"], strict=True) if v}
    assert seen == per_second


def test_new_task_definition_replaces_old_tasks(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs = emulator.client("ecs")
    old = {t["taskArn"] for t in tasks_of(ecs, "demo-blue")}
    ecs.update_service(cluster=CLUSTER, service="demo-blue", taskDefinition=world["v2"])
    deps = service(ecs, "demo-blue")["deployments"]
    assert [d["status"] for d in deps] == ["PRIMARY", "ACTIVE"]
    assert deps[0]["rolloutState"] == "IN_PROGRESS" and deps[0]["taskDefinition"] == world["v2"]
    wait_for(lambda: completed(ecs, "demo-blue", 2), what="blue on v2")
    assert service(ecs, "demo-blue")["deployments"][0]["taskDefinition"] == world["v2"]
    stopped = ecs.describe_tasks(cluster=CLUSTER, tasks=list(old))["tasks"]
    assert all(t["lastStatus"] == "STOPPED" for t in stopped)
    assert all(t["stoppedReason"].startswith("Scaling activity initiated by") for t in stopped)
    assert {t["taskArn"] for t in tasks_of(ecs, "demo-blue")}.isdisjoint(old)


def _extra_service(emulator: Emulator, world: dict[str, Any], name: str, tag: str, tg: str | None, breaker: bool = True) -> None:
    ecs = emulator.client("ecs")
    lbs = [{"targetGroupArn": tg, "containerName": "demo", "containerPort": 8080}] if tg else []
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=name,
        taskDefinition=world["taskdef"](tag),
        desiredCount=2,
        launchType="FARGATE",
        networkConfiguration=world["net"],
        loadBalancers=lbs,
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": breaker, "rollback": False}},
    )


def test_crashing_image_fails_deployment(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs = emulator.client("ecs")
    _extra_service(emulator, world, "demo-crash", "3.0.0-crash", None)
    s = wait_for(lambda: (s := service(ecs, "demo-crash"))["deployments"][0]["rolloutState"] == "FAILED" and s, timeout=20, what="circuit breaker")
    dep = s["deployments"][0]
    assert dep["failedTasks"] >= 3 and "circuit breaker" in dep["rolloutStateReason"]
    stopped = tasks_of(ecs, "demo-crash", "STOPPED")
    assert stopped and all(t["stoppedReason"] == "Essential container in task exited" for t in stopped)
    assert all(t["containers"][0]["exitCode"] == 1 for t in stopped)


def test_missing_image_cannot_be_pulled(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs = emulator.client("ecs")
    _extra_service(emulator, world, "demo-missing", "9.9.9", None, breaker=False)
    stopped = wait_for(lambda: tasks_of(ecs, "demo-missing", "STOPPED"), what="pull failure")
    assert stopped[0]["stoppedReason"].startswith("CannotPullContainerError")
    assert "not found" in stopped[0]["stoppedReason"]
    # without a circuit breaker the scheduler keeps retrying
    wait_for(lambda: service(ecs, "demo-missing")["deployments"][0]["failedTasks"] >= 4, what="retries")
    assert service(ecs, "demo-missing")["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    ecs.update_service(cluster=CLUSTER, service="demo-missing", desiredCount=0)


def test_unhealthy_image_has_unhealthy_targets(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs, elb = emulator.client("ecs"), emulator.client("elbv2")
    tg = elb.create_target_group(Name="local-demo-sick", Protocol="HTTP", Port=8080, VpcId=world["vpc"], TargetType="ip", HealthCheckPath="/health")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    _extra_service(emulator, world, "demo-sick", "4.0.0-sick", tg)
    wait_for(lambda: (h := health(elb, tg)) and len(h) == 2 and all(s == "unhealthy" for _, s in h), what="unhealthy targets")
    d = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"][0]["TargetHealth"]
    assert d["Reason"] == "Target.ResponseCodeMismatch" and "503" in d["Description"] and "/health" in d["Description"]
    s = service(ecs, "demo-sick")
    assert s["runningCount"] == 2 and s["deployments"][0]["rolloutState"] == "IN_PROGRESS"


def test_error_rate_image_answers_500s(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs = emulator.client("ecs")
    ecs.update_service(cluster=CLUSTER, service="demo-green", taskDefinition=world["taskdef"]("5.0.0-flaky"))
    wait_for(lambda: completed(ecs, "demo-green", 2), what="green on flaky image")
    codes = collections.Counter(requests.get(emulator.url(9000, "/api"), headers={"Host": world["host"]}, timeout=5).status_code for _ in range(100))
    assert set(codes) == {200, 500} and 25 <= codes[500] <= 75, codes
    r = next(r for r in (requests.get(emulator.url(9000, "/x"), headers={"Host": world["host"]}, timeout=5) for _ in range(50)) if r.status_code == 500)
    assert r.json()["version"] == "5.0.0-flaky" and "error" in r.json()


def test_push_image_validation(emulator: Emulator, world: dict[str, Any]) -> None:
    bad = emulator.cli("push-image", "demo", "1.0", "--error-rate", "1.5", check=False)
    assert bad.returncode != 0 and "between 0 and 1" in bad.stderr
    bad = emulator.cli("push-image", "demo", "-bad", check=False)
    assert bad.returncode != 0
    bad = emulator.cli("push-image", "nosuch", "1.0", check=False)
    assert bad.returncode != 0 and "run terraform first" in bad.stderr
    ecr = emulator.client("ecr")
    a = emulator.cli("push-image", "demo", "6.0.0").stdout.split()[1]
    b = emulator.cli("push-image", "demo", "6.0.1", "--latency-ms", "5").stdout.split()[1]
    assert a != b
    img = ecr.batch_get_image(repositoryName="slipway/demo", imageIds=[{"imageTag": "6.0.1"}])["images"][0]
    assert '"dev.slipway.latency-ms":"5"' in img["imageManifest"]
    assert REGISTRY  # image references in task definitions use the emulated registry


def test_circuit_breaker_rolls_back(emulator: Emulator, world: dict[str, Any]) -> None:
    ecs = emulator.client("ecs")
    ecs.update_service(
        cluster=CLUSTER,
        service="demo-blue",
        taskDefinition=world["taskdef"]("3.0.0-crash"),
        deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}},
    )
    s = service(ecs, "demo-blue")
    assert s["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    wait_for(lambda: any("rolling back" in e["message"] for e in service(ecs, "demo-blue")["events"]), timeout=20, what="rollback")
    wait_for(lambda: completed(ecs, "demo-blue", 2), what="rolled back to v2")
    assert service(ecs, "demo-blue")["deployments"][0]["taskDefinition"] == world["v2"]


def test_call_counter_counts_requests_by_operation(emulator: Emulator, world: dict[str, Any]) -> None:
    calls_url = emulator.endpoint + "/_slipway/calls"
    assert requests.delete(calls_url, timeout=5).status_code == 200
    ecs, elb, cw, ddb = (emulator.client(n) for n in ("ecs", "elbv2", "cloudwatch", "dynamodb"))
    service(ecs, "demo-blue")
    service(ecs, "demo-blue")
    elb.describe_target_health(TargetGroupArn=world["tgs"]["blue"])
    cw.describe_alarms()
    ddb.list_tables()
    try:
        ecs.describe_services(cluster="no-such-cluster", services=["x"])
    except ecs.exceptions.ClusterNotFoundException:
        pass
    requests.get(emulator.endpoint + "/moto-api/state-manager/get-transition?model_name=ecs::task", timeout=5)  # not an AWS call
    counts = requests.get(calls_url, timeout=5).json()
    assert counts["calls"] == {
        "cloudwatch.DescribeAlarms": 1,
        "dynamodb.ListTables": 1,
        "ecs.DescribeServices": 3,
        "elbv2.DescribeTargetHealth": 1,
    }
    assert counts["total"] == 6 and counts["since"]
    # the reconcile loop and the ALB data plane call moto's backends directly: never counted
    wait_for(lambda: requests.get(emulator.url(80, "/"), headers={"Host": world["host"]}, timeout=5).status_code == 200, what="traffic")
    assert requests.get(calls_url, timeout=5).json()["total"] == 6
    table = emulator.cli("calls").stdout
    assert "API calls since" in table and ": 6" in table.splitlines()[0]
    assert table.splitlines()[2].split() == ["ecs.DescribeServices", "3"]  # most frequent first
    emulator.cli("calls", "--reset")
    after = requests.get(calls_url, timeout=5).json()
    assert after["total"] == 0 and after["calls"] == {}
    assert requests.post(calls_url, timeout=5).status_code == 405


def test_identical_create_rule_retry_answers_with_the_existing_rule(emulator: Emulator, world: dict[str, Any]) -> None:
    elb = emulator.client("elbv2")
    cond = [{"Field": "host-header", "HostHeaderConfig": {"Values": [world["host"]]}}]
    again = elb.create_rule(ListenerArn=world["prod"], Priority=10, Conditions=cond, Actions=[{"Type": "forward", "TargetGroupArn": world["tgs"]["blue"]}])
    assert again["Rules"][0]["RuleArn"] == world["prod_rule"]
    assert len([r for r in elb.describe_rules(ListenerArn=world["prod"])["Rules"] if not r["IsDefault"]]) == 1
    other = [{"Field": "host-header", "HostHeaderConfig": {"Values": ["other.local.slipway.internal"]}}]
    with pytest.raises(elb.exceptions.PriorityInUseException):
        elb.create_rule(ListenerArn=world["prod"], Priority=10, Conditions=other, Actions=[{"Type": "forward", "TargetGroupArn": world["tgs"]["blue"]}])


def test_reset_clears_state_and_closes_listeners(emulator: Emulator, world: dict[str, Any]) -> None:
    emulator.cli("reset")
    assert emulator.client("ecs").list_clusters()["clusterArns"] == []
    assert emulator.client("elbv2").describe_load_balancers()["LoadBalancers"] == []

    def closed() -> bool:
        with socket.socket() as s:
            s.settimeout(0.3)
            return s.connect_ex(("127.0.0.1", emulator.base + 80)) != 0

    wait_for(closed, what="listener port closed")


def test_down_is_idempotent(emulator: Emulator) -> None:
    emulator.cli("down")
    assert emulator.cli("status", check=False).returncode != 0
    assert emulator.cli("down").returncode == 0
    assert emulator.cli("up").stdout.strip() == emulator.endpoint  # fixture teardown stops it again


def test_awsvpc_without_security_groups_gets_the_vpcs_default_group(emulator: Emulator) -> None:
    """ECS: "If you don't specify a security group, the default security group for the VPC is used" (moto alone fails with a 500)."""
    ecs, ec2 = emulator.client("ecs"), emulator.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    ecs.create_cluster(clusterName="nosg")
    task = ecs.register_task_definition(
        family="nosg", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512", containerDefinitions=[{"name": "app", "image": "x"}]
    )["taskDefinition"]["taskDefinitionArn"]
    net = {"awsvpcConfiguration": {"subnets": [subnet], "assignPublicIp": "DISABLED"}}
    ecs.create_service(cluster="nosg", serviceName="nosg", taskDefinition=task, desiredCount=0, launchType="FARGATE", networkConfiguration=net)
    try:
        got = ecs.describe_services(cluster="nosg", services=["nosg"])["services"][0]["networkConfiguration"]["awsvpcConfiguration"]
        assert got["securityGroups"] == [default[0]["GroupId"]]
    finally:
        ecs.delete_service(cluster="nosg", service="nosg", force=True)
        ecs.delete_cluster(cluster="nosg")


def test_create_target_group_is_idempotent_for_the_same_settings(emulator: Emulator) -> None:
    """AWS: "If you attempt to create multiple target groups with the same settings, each call succeeds" (an SDK
    retry of a request that succeeded); other settings under the same name are still DuplicateTargetGroupName."""
    elb, ec2 = emulator.client("elbv2"), emulator.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    settings = {"Protocol": "HTTP", "Port": 8080, "VpcId": vpc, "TargetType": "ip", "HealthCheckPath": "/healthz"}
    first = elb.create_target_group(Name="idem-tg", **settings)["TargetGroups"][0]["TargetGroupArn"]
    try:
        again = elb.create_target_group(Name="idem-tg", **settings)["TargetGroups"][0]["TargetGroupArn"]
        assert again == first
        assert [tg["TargetGroupArn"] for tg in elb.describe_target_groups(Names=["idem-tg"])["TargetGroups"]] == [first]
        with pytest.raises(elb.exceptions.DuplicateTargetGroupNameException):
            elb.create_target_group(Name="idem-tg", **{**settings, "Port": 9090})
    finally:
        elb.delete_target_group(TargetGroupArn=first)
