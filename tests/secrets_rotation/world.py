"""The rotation world: a real PostgreSQL, its roles and tables, their secrets in the emulator, and
the pg_rotation function deployed by Terraform (terraform/environments/local with ``rotation_database``,
applied with ``-target=module.rotation``: only the rotated secrets, their functions, roles, log groups,
permissions and rotation configuration, not the whole foundation).

No pytest here: the drill benchmark and the molecule scenario use it too.

How the local foundation and the test PostgreSQL meet: Terraform creates the secrets
(``slipway/local/SERVICE/KEY``) and the functions; the harness, which made the roles (it holds the
superuser), puts each secret's first value, then applies again with ``enable_rotation`` so
Terraform's ``aws_secretsmanager_secret_rotation`` points the secret at its function.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ansible_collections.slipway.aws.plugins.module_utils.secrets import pg_rotation as core

from tests.support.emulator import pick_port
from tests.support.postgres import PostgresServer
from tests.support.terraform import LOCAL_ROOT, copy_code, tf_ok

DB = "appdb"
SERVICE = "user"
# credential key -> (strategy, login role); the alternating pair's owner role is OWNER.
SINGLE_KEY, ALT_KEY = "orders-single", "orders-alt"
SINGLE_ROLE, ALT_ROLE, OWNER = "tf_single", "tf_app", "tf_app_owner"
TABLE = "public.tf_orders"


@dataclass
class Deployed:
    """What the Terraform apply made, plus the first passwords (for the leak checks)."""

    work: Path
    env: dict[str, str]
    secret_ids: dict[str, str]  # credential key -> secret name
    function_names: dict[str, str]
    master_id: str
    grants: list[dict[str, str]]
    passwords: set[str] = field(default_factory=set)
    seconds: float = 0.0


def pick_pg_port(preferred: int) -> int:
    return pick_port(preferred, also=())


def new_password() -> str:
    import secrets

    return secrets.token_urlsafe(24)


def create_role(pg: PostgresServer, role: str, password: str, *extra: str) -> None:
    """The password reaches the server as a SCRAM verifier only (it logs every statement)."""
    pg.execute(f"CREATE ROLE {core.quote_ident(role)} LOGIN PASSWORD {core.quote_literal(core.scram_verifier(password))} {' '.join(extra)}")


def grants_for(table: str = TABLE, database: str = DB) -> list[dict[str, str]]:
    return [{"privilege": "SELECT, INSERT", "table": table}, {"privilege": "CONNECT", "database": database}, {"privilege": "USAGE", "schema": "public"}]


def make_database(pg: PostgresServer) -> None:
    if not pg.execute(f"SELECT 1 FROM pg_database WHERE datname = '{DB}'"):  # noqa: S608  DB is a constant
        pg.execute(f"CREATE DATABASE {DB}")


def make_single(pg: PostgresServer, role: str, password: str, table: str) -> None:
    """A login role owning nothing, granted SELECT, INSERT on a table the superuser owns."""
    create_role(pg, role, password)
    pg.execute(
        f"CREATE TABLE IF NOT EXISTS {table} (id serial PRIMARY KEY, note text)",
        f"GRANT SELECT, INSERT ON {table} TO {role}",
        f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {role}",
        f"GRANT CONNECT ON DATABASE {DB} TO {role}",
        database=DB,
    )


def make_alternating(pg: PostgresServer, role: str, password: str, owner: str, table: str) -> None:
    """An owner role (NOLOGIN) owning the table, one login role in it running as the owner."""
    pg.execute(f"CREATE ROLE {owner} NOLOGIN", database=DB)
    create_role(pg, role, password, "INHERIT")
    pg.execute(
        f"GRANT {owner} TO {role}",
        f"ALTER ROLE {role} SET role = '{owner}'",
        f"GRANT CONNECT, CREATE ON DATABASE {DB} TO {owner}",
        f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
        f"CREATE TABLE IF NOT EXISTS {table} (id serial PRIMARY KEY, note text)",
        f"ALTER TABLE {table} OWNER TO {owner}",
        f"ALTER SEQUENCE {table}_id_seq OWNER TO {owner}",
        database=DB,
    )


def secret_value(pg: PostgresServer, username: str, password: str, **extra: Any) -> dict[str, Any]:
    return {"engine": "postgres", "host": pg.host, "port": pg.port, "username": username, "password": password, "dbname": DB, **extra}


def wait_idle(sm: Any, secret_id: str, timeout: float = 60) -> dict[str, Any]:
    """Until no rotation of ``secret_id`` runs in the emulator (RotationEnabled's test or a RotateSecret): no
    version carries AWSPENDING. finishSecret moves AWSCURRENT and then removes AWSPENDING in two calls, so a
    version that is both is still a rotation in progress."""
    deadline = time.monotonic() + timeout
    while True:
        meta = sm.describe_secret(SecretId=secret_id)
        busy = any(core.PENDING in stages for stages in (meta.get("VersionIdsToStages") or {}).values())
        if not busy or time.monotonic() > deadline:
            return meta
        time.sleep(0.2)


def deploy(tmp: Path, env: dict[str, str], pg: PostgresServer, sm: Any) -> Deployed:
    """Roles in PostgreSQL, the master secret, then terraform/environments/local with ``rotation_database``
    (-target=module.rotation), the first values, and rotation enabled."""
    started = time.monotonic()
    make_database(pg)
    single_pw, alt_pw = new_password(), new_password()
    make_single(pg, SINGLE_ROLE, single_pw, TABLE)
    make_alternating(pg, ALT_ROLE, alt_pw, OWNER, TABLE.replace("tf_orders", "tf_items"))
    master_id = "slipway/local/rotation/master"
    master_arn = sm.create_secret(Name=master_id, SecretString=json.dumps(pg.admin_secret(DB)))["ARN"]
    grants = grants_for()
    alt_grants = [{"privilege": "SELECT, INSERT, UPDATE, DELETE", "table": TABLE.replace("tf_orders", "tf_items")}, {"privilege": "CONNECT", "database": DB}]

    work = copy_code(tmp / "code")
    root = work / LOCAL_ROOT

    def apply(enable: bool) -> None:
        variables = {
            "rotation_database": {
                "host": pg.host,
                "port": pg.port,
                "dbname": DB,
                "enable_rotation": enable,
                "credentials": {
                    SINGLE_KEY: {"service": SERVICE, "username": SINGLE_ROLE, "grants": grants},
                    ALT_KEY: {"service": SERVICE, "username": ALT_ROLE, "grants": alt_grants, "owner_role": OWNER, "master_secret_arn": master_arn},
                },
            }
        }
        var_file = root / "rotation.tfvars.json"
        var_file.write_text(json.dumps(variables))
        tf_ok(root, "apply", "-auto-approve", "-input=false", "-no-color", "-target=module.rotation", f"-var-file={var_file}", env=env, timeout=600)

    tf_ok(root, "init", "-input=false", "-no-color", env=env, timeout=300)
    apply(False)
    secret_ids = {key: f"slipway/local/{SERVICE}/{key}" for key in (SINGLE_KEY, ALT_KEY)}
    sm.put_secret_value(SecretId=secret_ids[SINGLE_KEY], SecretString=json.dumps(secret_value(pg, SINGLE_ROLE, single_pw)))
    sm.put_secret_value(SecretId=secret_ids[ALT_KEY], SecretString=json.dumps(secret_value(pg, ALT_ROLE, alt_pw, masterarn=master_arn, ownerrole=OWNER)))
    apply(True)
    for secret_id in secret_ids.values():
        wait_idle(sm, secret_id)
    names = {key: f"slipway-local-{key}-rotation" for key in secret_ids}
    return Deployed(work, env, secret_ids, names, master_id, grants, {single_pw, alt_pw, pg.superuser_password}, time.monotonic() - started)


def current(sm: Any, secret_id: str) -> dict[str, Any]:
    return json.loads(sm.get_secret_value(SecretId=secret_id, VersionStage="AWSCURRENT")["SecretString"])


def can_login(pg: PostgresServer, value: dict[str, Any]) -> bool:
    """Whether the credentials of ``value`` log in now (a refused password is False)."""
    try:
        conn = pg.connect(value["username"], value["password"], value.get("dbname") or DB)
    except Exception as exc:
        if core._sqlstate(exc) in ("28P01", "28000"):
            return False
        raise
    conn.close()
    return True


def passwords_of(sm: Any, *secret_ids: str) -> set[str]:
    """Every password any version of the secrets ever held."""
    found = set()
    for secret_id in secret_ids:
        try:
            versions = sm.list_secret_version_ids(SecretId=secret_id, IncludeDeprecated=True)["Versions"]
        except Exception:  # noqa: BLE001,S112  a secret that is gone holds nothing
            continue
        for version in versions:
            try:
                value = json.loads(sm.get_secret_value(SecretId=secret_id, VersionId=version["VersionId"])["SecretString"])
            except Exception:  # noqa: BLE001,S112  an empty AWSPENDING version
                continue
            if isinstance(value, dict) and value.get("password"):
                found.add(str(value["password"]))
    return found


# ------------------------------------------------------------------ consumers (an ECS blue/green pair)
def make_consumer(client: Any, cluster: str, service: str, secret_arn: str, live: str = "blue", value_from: str | None = None) -> dict[str, Any]:
    """An ECS service pair SERVICE-blue / SERVICE-green whose task definition takes the secret, behind
    one production listener rule with all traffic on ``live``; the foundation's ``services`` entry for it."""
    ec2, elb, ecs = client("ec2"), client("elbv2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    alb = elb.create_load_balancer(Name=f"{service}-alb", Subnets=subnets, Scheme="internal", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    groups = {
        colour: elb.create_target_group(Name=f"{service}-{colour}", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        for colour in ("blue", "green")
    }
    listener = elb.create_listener(
        LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
    )["Listeners"][0]["ListenerArn"]
    rule = elb.create_rule(
        ListenerArn=listener,
        Priority=10,
        Conditions=[{"Field": "host-header", "Values": [f"{service}.local"]}],
        Actions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": groups[c], "Weight": 100 if c == live else 0} for c in groups]}}],
    )["Rules"][0]["RuleArn"]
    if not ecs.describe_clusters(clusters=[cluster])["clusters"]:
        ecs.create_cluster(clusterName=cluster)
    td = ecs.register_task_definition(
        family=f"{service}-td",
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
        containerDefinitions=[
            {
                "name": "app",
                "image": "public.ecr.aws/slipway/app:1",
                "essential": True,
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": value_from or f"{secret_arn}:password::"}],
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    for colour in ("blue", "green"):
        ecs.create_service(cluster=cluster, serviceName=f"{service}-{colour}", taskDefinition=td, desiredCount=0, launchType="FARGATE")
    return {
        "blue_service_name": f"{service}-blue",
        "green_service_name": f"{service}-green",
        "blue_target_group_arn": groups["blue"],
        "green_target_group_arn": groups["green"],
        "prod_rule_arn": rule,
    }


def deployments(client: Any, cluster: str, name: str) -> list[dict[str, Any]]:
    return client("ecs").describe_services(cluster=cluster, services=[name])["services"][0].get("deployments", [])


def make_table(client: Any, name: str) -> str:
    client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def hold_lease(client: Any, table: str, service: str, seconds: int = 600) -> None:
    """A release of ``service`` in progress: its lease item, as ledger.Lease.acquire writes it."""
    client("dynamodb").put_item(
        TableName=table,
        Item={
            "pk": {"S": f"lock#{service}"},
            "sk": {"S": "lock"},
            "release_id": {"S": "r-test-held"},
            "holder": {"S": "someone-else"},
            "started_at": {"S": "2026-01-01T00:00:00Z"},
            "expires_at": {"N": str(int(time.time()) + seconds)},
            "state": {"S": "{}"},
        },
    )
