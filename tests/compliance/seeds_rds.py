"""The compliance world's resources for the later FSBP controls of RDS (clusters, snapshots, event subscriptions, more instance checks)
(plugins/module_utils/compliance/controls_rds.py).

``seed(w)`` is called by ``tests/compliance/conftest.py``'s ``build_world`` after the first controls' resources
exist. Per control, one compliant and one non-compliant resource: ``w.expected[control] = (good_arn, bad_arn)``.
"""

from __future__ import annotations

from typing import Any

PASSWORD = "password123"  # a test value of the emulator, never a real secret


def seed(w: Any) -> None:
    """Aurora MySQL and Aurora PostgreSQL clusters (one compliant, one not, of each), their manual cluster snapshots
    (RDS.4), two MySQL instances with a custom and a default administrator name (RDS.25) and a manual snapshot of
    each (RDS.1: one shared with one account, one public), and one event subscription per source type and verdict."""
    rds = w.client("rds")

    def cluster(name: str, engine: str, good: bool, exports: list[str]) -> str:
        settings: dict[str, Any] = {"DeletionProtection": good, "EnableIAMDatabaseAuthentication": good, "CopyTagsToSnapshot": good}
        settings.update(StorageEncrypted=good, AutoMinorVersionUpgrade=good, EnableCloudwatchLogsExports=exports)
        if engine == "aurora-mysql" and good:
            settings["BacktrackWindow"] = 3600
        if good:
            settings["BackupRetentionPeriod"] = 7  # RDS.50 (the emulator's default is 1 day)
        user = "dbowner" if good else ("admin" if engine == "aurora-mysql" else "postgres")
        created = rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername=user, MasterUserPassword=PASSWORD, **settings)
        return created["DBCluster"]["DBClusterArn"]

    good = cluster("cr-rds-good", "aurora-mysql", True, ["audit", "error"])
    bad = cluster("cr-rds-bad", "aurora-mysql", False, ["error"])
    for c in ("RDS.7", "RDS.12", "RDS.14", "RDS.16", "RDS.24", "RDS.27", "RDS.34", "RDS.50"):
        w.expected[c] = (good, bad)
    pg_good, pg_bad = cluster("cr-rds-pg-good", "aurora-postgresql", True, ["postgresql"]), cluster("cr-rds-pg-bad", "aurora-postgresql", False, [])
    w.expected["RDS.37"] = (pg_good, pg_bad)

    # RDS.15: an Aurora cluster is Multi-AZ when its DB instances are in more than one Availability Zone
    def member(name: str, source: str, zone: str) -> None:
        rds.create_db_instance(
            DBInstanceIdentifier=name, DBClusterIdentifier=source, Engine="aurora-postgresql", DBInstanceClass="db.r6g.large", AvailabilityZone=zone
        )

    member("cr-rds-pg-good-a", "cr-rds-pg-good", "us-east-1a")
    member("cr-rds-pg-good-b", "cr-rds-pg-good", "us-east-1b")
    member("cr-rds-pg-bad-a", "cr-rds-pg-bad", "us-east-1a")
    w.expected["RDS.15"] = (pg_good, pg_bad)

    # RDS.35 / RDS.47 / RDS.48: RDS Multi-AZ DB clusters (engines mysql and postgres, not Aurora)
    def multi_az(name: str, engine: str, good: bool) -> str:
        settings = {"DBClusterInstanceClass": "db.m6gd.large", "AllocatedStorage": 100, "StorageType": "io1", "Iops": 1000}
        settings.update(AutoMinorVersionUpgrade=good, CopyTagsToSnapshot=good, BackupRetentionPeriod=7)
        created = rds.create_db_cluster(DBClusterIdentifier=name, Engine=engine, MasterUsername="dbowner", MasterUserPassword=PASSWORD, **settings)
        return created["DBCluster"]["DBClusterArn"]

    my_good, my_bad = multi_az("cr-rds-maz-my-good", "mysql", True), multi_az("cr-rds-maz-my-bad", "mysql", False)
    w.expected["RDS.35"] = w.expected["RDS.48"] = (my_good, my_bad)
    w.expected["RDS.47"] = (multi_az("cr-rds-maz-pg-good", "postgres", True), multi_az("cr-rds-maz-pg-bad", "postgres", False))

    def cluster_snapshot(name: str, source: str) -> str:
        return rds.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=name, DBClusterIdentifier=source)["DBClusterSnapshot"]["DBClusterSnapshotArn"]

    w.expected["RDS.4"] = (cluster_snapshot("cr-rds-snap-good", "cr-rds-good"), cluster_snapshot("cr-rds-snap-bad", "cr-rds-bad"))

    db = {"DBInstanceClass": "db.t3.micro", "Engine": "mysql", "MasterUserPassword": PASSWORD, "AllocatedStorage": 20}
    monitored = {"MonitoringInterval": 60, "MonitoringRoleArn": "arn:aws:iam::123456789012:role/rds-monitoring"}  # RDS.6
    ig = rds.create_db_instance(DBInstanceIdentifier="cr-rds-admin-good", MasterUsername="dbowner", **monitored, **db)["DBInstance"]["DBInstanceArn"]
    ib = rds.create_db_instance(DBInstanceIdentifier="cr-rds-admin-bad", MasterUsername="admin", **db)["DBInstance"]["DBInstanceArn"]
    w.expected["RDS.25"] = w.expected["RDS.6"] = (ig, ib)

    # RDS.36 / RDS.40 / RDS.42: each engine's logs published to CloudWatch Logs (Security Hub's default logTypes)
    def logging(name: str, engine: str, exports: list[str]) -> str:
        extra = {"EngineVersion": "10.11.6"} if engine == "mariadb" else {}
        created = rds.create_db_instance(
            DBInstanceIdentifier=name, MasterUsername="dbowner", EnableCloudwatchLogsExports=exports, **{**db, "Engine": engine}, **extra
        )
        return created["DBInstance"]["DBInstanceArn"]

    w.expected["RDS.36"] = (logging("cr-rds-logs-pg-good", "postgres", ["postgresql"]), logging("cr-rds-logs-pg-bad", "postgres", ["upgrade"]))
    w.expected["RDS.40"] = (logging("cr-rds-logs-ss-good", "sqlserver-ex", ["agent", "error"]), logging("cr-rds-logs-ss-bad", "sqlserver-ex", ["error"]))
    w.expected["RDS.42"] = (logging("cr-rds-logs-md-good", "mariadb", ["audit", "error"]), logging("cr-rds-logs-md-bad", "mariadb", []))

    def snapshot(name: str, source: str, share: str) -> str:
        arn = rds.create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier=source)["DBSnapshot"]["DBSnapshotArn"]
        rds.modify_db_snapshot_attribute(DBSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=[share])
        return arn

    w.expected["RDS.1"] = (snapshot("cr-rds-shared", "cr-rds-admin-good", "111111111111"), snapshot("cr-rds-public", "cr-rds-admin-bad", "all"))

    topic = w.client("sns").create_topic(Name="cr-rds-events")["TopicArn"]

    def subscription(name: str, source: str, categories: list[str], enabled: bool = True) -> str:
        created = rds.create_event_subscription(SubscriptionName=name, SnsTopicArn=topic, SourceType=source, EventCategories=categories, Enabled=enabled)
        return created["EventSubscription"]["EventSubscriptionArn"]

    w.expected["RDS.19"] = (subscription("cr-rds-cluster-good", "db-cluster", []), subscription("cr-rds-cluster-bad", "db-cluster", ["failure"]))
    w.expected["RDS.20"] = (
        subscription("cr-rds-instance-good", "db-instance", ["maintenance", "configuration change", "failure"]),
        subscription("cr-rds-instance-bad", "db-instance", ["maintenance", "configuration change", "failure"], enabled=False),
    )
    w.expected["RDS.21"] = (
        subscription("cr-rds-pg-good", "db-parameter-group", ["configuration change"]),
        subscription("cr-rds-pg-bad", "db-parameter-group", ["notification"]),
    )
    w.expected["RDS.22"] = (
        subscription("cr-rds-sg-good", "db-security-group", ["configuration change", "failure"]),
        subscription("cr-rds-sg-bad", "db-security-group", ["configuration change"]),
    )
    _seed_parameters(w, rds, db)
    _seed_network(w, rds, db)


def _seed_parameters(w: Any, rds: Any, db: dict[str, Any]) -> None:
    """RDS.38 / RDS.39 / RDS.41 / RDS.44: per engine, an instance whose DB parameter group requires TLS and one whose
    group does not, through a default group's engine default (answered by the emulator as AWS does) or a value set in
    a custom group; RDS.45: Aurora MySQL clusters with and without Advanced Auditing in their cluster parameter group."""

    def group(name: str, family: str, parameter: str, value: str) -> str:
        rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description=f"{parameter}={value}")
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=[{"ParameterName": parameter, "ParameterValue": value, "ApplyMethod": "immediate"}])
        return name

    def instance(name: str, engine: str, version: str, parameter_group: str | None = None) -> str:
        extra = {"DBParameterGroupName": parameter_group} if parameter_group else {}
        created = rds.create_db_instance(DBInstanceIdentifier=name, MasterUsername="dbowner", EngineVersion=version, **{**db, "Engine": engine}, **extra)
        return created["DBInstance"]["DBInstanceArn"]

    # PostgreSQL 16's default group forces SSL (rds.force_ssl defaults to 1 from 15); a custom group turning it off fails
    w.expected["RDS.38"] = (
        instance("cr-rds-tls-pg-good", "postgres", "16.3"),
        instance("cr-rds-tls-pg-bad", "postgres", "16.3", group("cr-rds-pg16-nossl", "postgres16", "rds.force_ssl", "0")),
    )
    w.expected["RDS.39"] = (
        instance("cr-rds-tls-my-good", "mysql", "8.0.35", group("cr-rds-my80-tls", "mysql8.0", "require_secure_transport", "1")),
        instance("cr-rds-tls-my-bad", "mysql", "8.0.35"),  # default: require_secure_transport 0 (OFF) up to 8.4
    )
    w.expected["RDS.41"] = (
        instance("cr-rds-tls-ss-good", "sqlserver-ex", "15.00.4153.1.v1", group("cr-rds-ss15-tls", "sqlserver-ex-15.0", "rds.force_ssl", "1")),
        instance("cr-rds-tls-ss-bad", "sqlserver-ex", "15.00.4153.1.v1"),  # default: rds.force_ssl 0
    )
    w.expected["RDS.44"] = (
        instance("cr-rds-tls-md-good", "mariadb", "10.11.6", group("cr-rds-md1011-tls", "mariadb10.11", "require_secure_transport", "ON")),
        instance("cr-rds-tls-md-bad", "mariadb", "10.11.6"),  # default: OFF up to 11.4
    )

    rds.create_db_cluster_parameter_group(DBClusterParameterGroupName="cr-rds-audit", DBParameterGroupFamily="aurora-mysql8.0", Description="audit")
    audit = [("server_audit_logging", "1"), ("server_audit_events", "CONNECT,QUERY")]
    parameters = [{"ParameterName": k, "ParameterValue": v, "ApplyMethod": "immediate"} for k, v in audit]
    rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName="cr-rds-audit", Parameters=parameters)

    def cluster(name: str, **extra: Any) -> str:
        created = rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-mysql",
            EngineVersion="8.0.mysql_aurora.3.08.0",
            MasterUsername="dbowner",
            MasterUserPassword=PASSWORD,
            **extra,
        )
        return created["DBCluster"]["DBClusterArn"]

    # the bad one uses the engine's default cluster group (default.aurora-mysql8.0: Advanced Auditing off)
    w.expected["RDS.45"] = (cluster("cr-rds-audit-good", DBClusterParameterGroupName="cr-rds-audit"), cluster("cr-rds-audit-bad"))

    def global_cluster(name: str, version: str) -> str:
        return rds.create_global_cluster(GlobalClusterIdentifier=name, Engine="aurora-mysql", EngineVersion=version)["GlobalCluster"]["GlobalClusterArn"]

    w.expected["RDS.51"] = (global_cluster("cr-rds-global-good", "8.0.mysql_aurora.3.08.0"), global_cluster("cr-rds-global-bad", "5.7.mysql_aurora.2.11.2"))


def _seed_network(w: Any, rds: Any, db: dict[str, Any]) -> None:
    """RDS.46: a VPC with an internet gateway, public subnets (their own route table routes 0.0.0.0/0 to it) and private
    ones (the main route table, no such route), a DB subnet group of each and an instance in each; RDS.43: DB proxies
    in the private subnets, one requiring TLS and one not."""
    ec2 = w.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.46.0.0/16")["Vpc"]["VpcId"]

    def subnet(cidr: str, zone: str) -> str:
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone)["Subnet"]["SubnetId"]

    private = [subnet("10.46.1.0/24", "us-east-1a"), subnet("10.46.2.0/24", "us-east-1b")]
    public = [subnet("10.46.101.0/24", "us-east-1a"), subnet("10.46.102.0/24", "us-east-1b")]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for s in public:
        ec2.associate_route_table(RouteTableId=table, SubnetId=s)
    for name, subnets in (("cr-rds-private", private), ("cr-rds-public", public)):
        rds.create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription=name, SubnetIds=subnets)

    def instance(name: str, subnet_group: str) -> str:
        created = rds.create_db_instance(DBInstanceIdentifier=name, MasterUsername="dbowner", DBSubnetGroupName=subnet_group, **db)
        return created["DBInstance"]["DBInstanceArn"]

    w.expected["RDS.46"] = (instance("cr-rds-net-good", "cr-rds-private"), instance("cr-rds-net-bad", "cr-rds-public"))

    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:cr-rds-proxy-auth"  # named only: the proxies are never connected to

    def proxy(name: str, tls: bool) -> str:
        created = rds.create_db_proxy(
            DBProxyName=name,
            EngineFamily="MYSQL",
            Auth=[{"AuthScheme": "SECRETS", "SecretArn": secret, "IAMAuth": "DISABLED"}],
            RoleArn="arn:aws:iam::123456789012:role/cr-rds-proxy",
            VpcSubnetIds=private,
            RequireTLS=tls,
        )
        return created["DBProxy"]["DBProxyArn"]

    w.expected["RDS.43"] = (proxy("cr-rds-proxy-good", True), proxy("cr-rds-proxy-bad", False))
