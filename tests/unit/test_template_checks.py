"""tests/template_checks.py on small hand-made templates: each check passes a compliant
template and names the problem of each non-compliant one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.template_checks import (
    STAR_RESOURCE_ACTIONS,
    acknowledgment_problems,
    encryption_problems,
    iam_statements,
    refers_to,
    star_resource_statements,
    text,
    tls_problems,
    untrusted_role_problems,
    untrusted_roles,
    wildcard_names,
    wildcard_problems,
)

Json = dict[str, Any]

QUEUE_ARN = {"Fn::GetAtt": ["Queue", "Arn"]}
BUCKET_ARN = {"Fn::GetAtt": ["Bucket", "Arn"]}
BUCKET_OBJECTS = {"Fn::Join": ["", [BUCKET_ARN, "/*"]]}
ROOT = {
    "Fn::Join": [
        "",
        ["arn:", {"Ref": "AWS::Partition"}, ":iam::", {"Ref": "AWS::AccountId"}, ":root"],
    ]
}
DENY_ALL = {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/AWSDenyAll"]]}
UNTRUSTED = [{"Key": "tenant-trust", "Value": "untrusted"}]
NO_TLS = {"Bool": {"aws:SecureTransport": "false"}}
XRAY = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]


def res(kind: str, **props: Any) -> Json:
    return {"Type": kind, "Properties": props}


def tmpl(**resources: Json) -> Json:
    return {"Resources": resources}


def doc(*statements: Json) -> Json:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, **extra: Any) -> Json:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny_tls(service: str, resource: Any, **extra: Any) -> Json:
    statement = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": f"{service}:*"}
    return {**statement, "Resource": resource, "Condition": NO_TLS, **extra}


def policy(*statements: Json, roles: tuple[str, ...] = ("Role",)) -> Json:
    return res(
        "AWS::IAM::Policy",
        PolicyName="p",
        PolicyDocument=doc(*statements),
        Roles=[{"Ref": r} for r in roles],
    )


# -------------------------------------------------------------------------- iam_statements


def test_iam_statements_reads_every_policy_document_but_trust_policies() -> None:
    # GIVEN one resource of each kind that holds a policy document
    s = allow("sqs:SendMessage", QUEUE_ARN)
    template = tmpl(
        Policy=policy(s),
        Managed=res("AWS::IAM::ManagedPolicy", PolicyDocument=doc(s)),
        Role=res(
            "AWS::IAM::Role",
            AssumeRolePolicyDocument=doc({"Effect": "Allow", "Action": "sts:AssumeRole"}),
            Policies=[{"PolicyName": "inline", "PolicyDocument": doc(s, s)}],
        ),
        QueuePolicy=res("AWS::SQS::QueuePolicy", PolicyDocument=doc(s)),
        BucketPolicy=res("AWS::S3::BucketPolicy", PolicyDocument='{"Statement": [{"a": 1}]}'),
        TopicPolicy=res("AWS::SNS::TopicPolicy", PolicyDocument={"Statement": s}),
        Key=res("AWS::KMS::Key", KeyPolicy=doc(s)),
        Bus=res("AWS::Events::EventBusPolicy", StatementId="x", Statement=s),
        Legacy=res("AWS::Events::EventBusPolicy", Action="events:PutEvents", Principal="1"),
        Permission=res("AWS::Lambda::Permission", Action="lambda:InvokeFunction"),
        Broken=res("AWS::IAM::Policy", PolicyDocument="not json"),
    )
    # WHEN the statements are listed
    found = [(logical_id, kind) for logical_id, kind, _ in iam_statements(template)]
    # THEN every document is read (JSON strings and single statements included) and the
    # trust policy and the Lambda permission are not
    assert found == [
        ("Policy", "AWS::IAM::Policy"),
        ("Managed", "AWS::IAM::ManagedPolicy"),
        ("Role", "AWS::IAM::Role"),
        ("Role", "AWS::IAM::Role"),
        ("QueuePolicy", "AWS::SQS::QueuePolicy"),
        ("BucketPolicy", "AWS::S3::BucketPolicy"),
        ("TopicPolicy", "AWS::SNS::TopicPolicy"),
        ("Key", "AWS::KMS::Key"),
        ("Bus", "AWS::Events::EventBusPolicy"),
        ("Legacy", "AWS::Events::EventBusPolicy"),
    ]
    (legacy,) = [st for lid, _, st in iam_statements(template) if lid == "Legacy"]
    assert legacy == {"Effect": "Allow", "Action": "events:PutEvents", "Principal": "1"}


def test_text_renders_intrinsics_like_cdk_nag() -> None:
    assert text(BUCKET_OBJECTS) == "<Bucket.Arn>/*"
    assert text({"Fn::GetAtt": "Bucket.Arn"}) == "<Bucket.Arn>"
    assert text(ROOT) == "arn:<AWS::Partition>:iam::<AWS::AccountId>:root"
    assert text({"Fn::Sub": ["${A}-x", {}]}) == "${A}-x"
    assert text(3) == "3"


def test_refers_to_finds_refs_and_getatts_anywhere() -> None:
    assert refers_to(BUCKET_OBJECTS, "Bucket")
    assert refers_to([{"Ref": "Queue"}], "Queue")
    assert refers_to({"Fn::GetAtt": "Queue.Arn"}, "Queue")
    assert not refers_to({"Fn::GetAtt": "Queues.Arn"}, "Queue")
    assert not refers_to("Queue", "Queue")


# ----------------------------------------------------------------------- wildcard_problems


def test_least_privilege_statements_have_no_wildcard_problem() -> None:
    # GIVEN X-Ray and EC2 network actions on '*', scoped actions, a TLS deny, AWS's default
    # key policy, an allowed key policy pattern and an organization-wide bus policy
    template = tmpl(
        Policy=policy(
            allow(XRAY, "*"),
            allow(["ec2:CreateNetworkInterface", "ec2:DescribeVpcs"], ["*"]),
            allow("s3:GetObject", {"Fn::Join": ["", [BUCKET_ARN, "/claims/*"]]}),
            deny_tls("sqs", "*"),
        ),
        Key=res(
            "AWS::KMS::Key",
            KeyPolicy=doc(
                allow("kms:*", "*", Principal={"AWS": ROOT}),
                allow("kms:*", "*", Principal={"AWS": "arn:aws:iam::111122223333:root"}),
                allow(
                    ["kms:Decrypt", "kms:GenerateDataKey"],
                    "*",
                    Principal={"Service": "events.amazonaws.com"},
                ),
            ),
        ),
        Bus=res(
            "AWS::Events::EventBusPolicy",
            Statement=allow(
                "events:PutEvents",
                {"Fn::GetAtt": ["Bus", "Arn"]},
                Principal="*",
                Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}},
            ),
        ),
    )
    # THEN there is nothing to report, and the '*' statements are the allowlisted ones
    assert wildcard_problems(template) == []
    assert len(star_resource_statements(template)) == 2


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (allow("*", QUEUE_ARN), "allows the action pattern '*'"),
        (allow("sqs:*", QUEUE_ARN), "allows the action pattern 'sqs:*'"),
        (allow(["sqs:SendMessage", "s3:Get*"], QUEUE_ARN), "pattern 's3:Get*'"),
        (allow("s3:GetObjec?", QUEUE_ARN), "pattern 's3:GetObjec?'"),
        (allow({"Ref": "Action"}, QUEUE_ARN), "computed action <Action>"),
        (
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": QUEUE_ARN},
            "every action except iam:* (NotAction)",
        ),
        (
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            "allows every action except iam:* on Resource '*'",
        ),
        (
            {"Effect": "Allow", "Action": "sqs:SendMessage", "NotResource": QUEUE_ARN},
            "every resource except <Queue.Arn>",
        ),
        (allow("s3:GetObject", "*"), "allows s3:GetObject on Resource '*'"),
        (allow([*XRAY, "s3:GetObject"], ["*"]), "allows s3:GetObject on Resource '*'"),
        (allow("sqs:SendMessage", QUEUE_ARN, Principal="*"), "Principal '*' without"),
        (allow("sqs:SendMessage", QUEUE_ARN, Principal={"AWS": ["*"]}), "Principal '*'"),
    ],
)
def test_wildcard_problems_names_each_wildcard(statement: Json, problem: str) -> None:
    # GIVEN a policy with one over-broad Allow statement (Sid shown when present)
    template = tmpl(Policy=policy({**statement, "Sid": "Broad"}))
    # WHEN it is checked THEN the problems name the policy, the Sid and the wildcard
    found = wildcard_problems(template)
    assert found and all(f.startswith("AWS::IAM::Policy Policy (Sid Broad) ") for f in found)
    assert any(problem in f for f in found), found
    assert star_resource_statements(template) == []


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (allow("kms:*", "*", Principal={"Service": "events.amazonaws.com"}), "'kms:*'"),
        (allow("kms:*", "*", Principal={"AWS": [ROOT, ROOT]}), "'kms:*'"),
        (allow("kms:*", "*", Principal={"AWS": "arn:aws:iam::1:role/x"}), "'kms:*'"),
        (allow("kms:ReEncrypt*", "*", Principal={"AWS": ROOT}), "'kms:ReEncrypt*'"),
        (allow("kms:Decrypt", "*", Principal="*"), "Principal '*' without a Condition"),
    ],
)
def test_key_policy_wildcards_beyond_the_default_key_policy_are_problems(
    statement: Json, problem: str
) -> None:
    # GIVEN a KMS key policy statement ('*' as Resource is the key itself)
    template = tmpl(Key=res("AWS::KMS::Key", KeyPolicy=doc(statement)))
    # THEN only the action pattern or the public principal is reported
    (found,) = wildcard_problems(template)
    assert found.startswith("AWS::KMS::Key Key ")
    assert problem in found


def test_star_resource_actions_cite_an_aws_page() -> None:
    # every allowlisted action says why, with the AWS documentation page that says so
    for action, entry in STAR_RESOURCE_ACTIONS.items():
        assert ":" in action and "*" not in action
        assert entry.why and entry.url.startswith("https://docs.aws.amazon.com/")


# ----------------------------------------------------------------- untrusted_role_problems


def untrusted_role(**props: Any) -> Json:
    props.setdefault("ManagedPolicyArns", [DENY_ALL])
    props.setdefault("Tags", UNTRUSTED)
    return res("AWS::IAM::Role", AssumeRolePolicyDocument=doc(), **props)


def test_untrusted_role_with_deny_all_only_allows_nothing() -> None:
    # GIVEN an untrusted role with AWSDenyAll (and a Deny-only inline policy), and a trusted
    # role with permissions and a policy of its own
    template = tmpl(
        Role=untrusted_role(
            Policies=[{"PolicyName": "d", "PolicyDocument": doc(deny_tls("s3", "*"))}]
        ),
        Trusted=res(
            "AWS::IAM::Role",
            Policies=[{"PolicyName": "t", "PolicyDocument": doc(allow(XRAY, "*"))}],
        ),
        TrustedPolicy=policy(allow(XRAY, "*"), roles=("Trusted",)),
    )
    # THEN only the untrusted role is checked, and it passes
    assert untrusted_roles(template) == ["Role"]
    assert untrusted_role_problems(template) == []


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        (
            tmpl(
                Role=untrusted_role(
                    Policies=[{"PolicyName": "p", "PolicyDocument": doc(allow(XRAY, "*"))}]
                )
            ),
            "untrusted role Role: inline policy 'p' has an Allow",
        ),
        (
            tmpl(
                Role=untrusted_role(
                    ManagedPolicyArns=[DENY_ALL, "arn:aws:iam::aws:policy/ReadOnlyAccess"]
                )
            ),
            "managed policy arn:aws:iam::aws:policy/ReadOnlyAccess attached",
        ),
        (tmpl(Role=untrusted_role(ManagedPolicyArns=[])), "untrusted role Role: no AWSDenyAll"),
        (
            tmpl(Role=untrusted_role(), P=policy(allow(XRAY, "*"))),
            "untrusted role Role: AWS::IAM::Policy P is attached to it",
        ),
        (
            tmpl(Role=untrusted_role(), M=res("AWS::IAM::ManagedPolicy", Roles=[{"Ref": "Role"}])),
            "AWS::IAM::ManagedPolicy M is attached",
        ),
        (
            tmpl(Role=untrusted_role(), R=res("AWS::IAM::RolePolicy", RoleName={"Ref": "Role"})),
            "AWS::IAM::RolePolicy R is attached",
        ),
        (
            tmpl(
                Role=untrusted_role(
                    Tags=[{"Key": "tenant-trust", "Value": "Untrusted"}], ManagedPolicyArns=[]
                )
            ),
            "no AWSDenyAll",
        ),
    ],
)
def test_untrusted_role_problems_names_each_permission(template: Json, problem: str) -> None:
    # GIVEN an untrusted tenant role that is given something WHEN checked THEN it is named
    (found,) = untrusted_role_problems(template)
    assert problem in found


# --------------------------------------------------------------------- encryption_problems


def function(**props: Any) -> Json:
    props.setdefault("Role", {"Fn::GetAtt": ["FnRole", "Arn"]})
    return res("AWS::Lambda::Function", **props)


def test_encrypted_resources_and_functions_logging_to_template_log_groups_pass() -> None:
    # GIVEN encrypted queues, topic and bucket, log groups (one with a KMS key ARN), and
    # functions that log to them (by Ref or name), or whose role is untrusted (no logs)
    template = tmpl(
        Sse=res("AWS::SQS::Queue", SqsManagedSseEnabled=True),
        Kms=res("AWS::SQS::Queue", KmsMasterKeyId="alias/aws/sqs", SqsManagedSseEnabled="false"),
        Topic=res("AWS::SNS::Topic", KmsMasterKeyId={"Fn::GetAtt": ["Key", "Arn"]}),
        Bucket=res(
            "AWS::S3::Bucket",
            BucketEncryption={
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
        ),
        Key=res("AWS::KMS::Key"),
        Logs=res("AWS::Logs::LogGroup", RetentionInDays=30),
        Named=res(
            "AWS::Logs::LogGroup",
            LogGroupName="/aws/lambda/named",
            KmsKeyId={"Fn::GetAtt": ["Key", "Arn"]},
        ),
        Arn=res("AWS::Logs::LogGroup", KmsKeyId="arn:aws:kms:eu-west-1:111122223333:key/abc"),
        ByParameter=res("AWS::Logs::LogGroup", KmsKeyId={"Ref": "KeyArnParameter"}),
        ByRef=function(LoggingConfig={"LogGroup": {"Ref": "Logs"}}),
        ByName=function(LoggingConfig={"LogGroup": "/aws/lambda/named"}),
        Default=function(FunctionName="named"),
        Untrusted=function(
            Role={"Fn::GetAtt": ["Tenant", "Arn"]}, LoggingConfig={"LogFormat": "JSON"}
        ),
        Tenant=untrusted_role(),
    )
    # THEN nothing is reported
    assert encryption_problems(template) == []


@pytest.mark.parametrize(
    ("resource", "problem"),
    [
        (res("AWS::SQS::Queue"), "neither KmsMasterKeyId nor SqsManagedSseEnabled: true"),
        (res("AWS::SQS::Queue", SqsManagedSseEnabled=False), "neither KmsMasterKeyId"),
        (res("AWS::SNS::Topic"), "no KmsMasterKeyId"),
        (res("AWS::S3::Bucket"), "no BucketEncryption with a ServerSideEncryptionByDefault"),
        (
            res(
                "AWS::S3::Bucket",
                BucketEncryption={
                    "ServerSideEncryptionConfiguration": [{"BucketKeyEnabled": True}]
                },
            ),
            "no BucketEncryption",
        ),
        (res("AWS::Logs::LogGroup", KmsKeyId={"Ref": "Key"}), "Ref of KMS key Key is its key id"),
        (res("AWS::Logs::LogGroup", KmsKeyId="alias/logs"), "'alias/logs' is not a KMS key ARN"),
        (res("AWS::Logs::LogGroup", KmsKeyId={"Fn::Select": [0, []]}), "not a reference"),
        (
            function(LoggingConfig={"LogGroup": {"Ref": "Elsewhere"}}),
            "<Elsewhere> is not a log group",
        ),
        (function(LoggingConfig={"LogGroup": "/aws/lambda/other"}), "/aws/lambda/other is not"),
        (
            function(LoggingConfig={"LogGroup": {"Fn::GetAtt": ["Logs", "Arn"]}}),
            "is not a log group",
        ),
        (function(FunctionName="unnamed"), "no LoggingConfig.LogGroup"),
        (function(), "no LoggingConfig.LogGroup"),
    ],
)
def test_encryption_problems_names_each_unencrypted_resource(resource: Json, problem: str) -> None:
    # GIVEN a template with a key, a log group and one resource that is not compliant
    template = tmpl(
        Key=res("AWS::KMS::Key"),
        Logs=res("AWS::Logs::LogGroup", LogGroupName="/aws/lambda/named"),
        Subject=resource,
    )
    # WHEN checked THEN exactly that resource is reported, with why
    (found,) = encryption_problems(template)
    assert found.startswith(f"{resource['Type']} Subject: ")
    assert problem in found


# ----------------------------------------------------------------------------- tls_problems


def queue_policy(*statements: Json, queues: tuple[str, ...] = ("Queue",)) -> Json:
    return res(
        "AWS::SQS::QueuePolicy",
        PolicyDocument=doc(*statements),
        Queues=[{"Ref": q} for q in queues],
    )


def bucket_policy(*statements: Json) -> Json:
    return res("AWS::S3::BucketPolicy", PolicyDocument=doc(*statements), Bucket={"Ref": "Bucket"})


def test_queues_and_buckets_with_a_tls_deny_pass() -> None:
    # GIVEN a queue and a bucket whose policies deny non-TLS requests (bucket and objects),
    # one of them with a boolean false and "*" as action, resource and principal
    template = tmpl(
        Queue=res("AWS::SQS::Queue"),
        Other=res("AWS::SQS::Queue"),
        QueuePolicy=queue_policy(deny_tls("sqs", QUEUE_ARN)),
        OtherPolicy=queue_policy(
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": False}},
            },
            queues=("Other",),
        ),
        Bucket=res("AWS::S3::Bucket"),
        BucketPolicy=bucket_policy(
            deny_tls("s3", [BUCKET_ARN, BUCKET_OBJECTS]), allow("s3:GetObject", BUCKET_OBJECTS)
        ),
    )
    # THEN nothing is reported
    assert tls_problems(template) == []


@pytest.mark.parametrize(
    ("policies", "problems"),
    [
        ({}, ["AWS::SQS::Queue Queue: no resource policy denies non-TLS requests on it"]),
        (
            {"P": queue_policy(allow("sqs:SendMessage", QUEUE_ARN))},
            [
                "AWS::SQS::QueuePolicy P: no Deny of sqs:* when aws:SecureTransport is false",
                "Queue Queue",
            ],
        ),
        (
            {
                "P": queue_policy(
                    {
                        **deny_tls("sqs", QUEUE_ARN),
                        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                    }
                )
            },
            ["QueuePolicy P: no Deny", "Queue Queue"],
        ),
        (
            {"P": queue_policy(deny_tls("sqs", QUEUE_ARN, Action="sqs:SendMessage"))},
            ["QueuePolicy P: no Deny", "Queue Queue"],
        ),
        (
            {
                "P": queue_policy(
                    deny_tls("sqs", QUEUE_ARN, Principal={"Service": "events.amazonaws.com"})
                )
            },
            ["QueuePolicy P: no Deny", "Queue Queue"],
        ),
        (
            {"P": queue_policy(deny_tls("sqs", QUEUE_ARN, Effect="Allow"))},
            ["QueuePolicy P: no Deny", "Queue Queue"],
        ),
        (
            {"P": queue_policy(deny_tls("sqs", {"Fn::GetAtt": ["Other", "Arn"]}))},
            ["AWS::SQS::Queue Queue: no resource policy"],
        ),
        (
            {"P": queue_policy(deny_tls("sqs", QUEUE_ARN), queues=("Other",))},
            ["AWS::SQS::Queue Queue: no resource policy"],
        ),
    ],
)
def test_tls_problems_names_uncovered_queues_and_policies(
    policies: dict[str, Json], problems: list[str]
) -> None:
    # GIVEN a queue and queue policies that do not deny its non-TLS requests
    template = tmpl(Queue=res("AWS::SQS::Queue"), **policies)
    # WHEN checked THEN the policy without the deny and the uncovered queue are named
    found = tls_problems(template)
    assert len(found) == len(problems)
    assert all(p in f for p, f in zip(problems, found, strict=True)), found


def test_a_bucket_deny_must_cover_its_objects() -> None:
    # GIVEN a bucket policy whose TLS deny covers the bucket ARN only (not <arn>/*)
    template = tmpl(Bucket=res("AWS::S3::Bucket"), P=bucket_policy(deny_tls("s3", BUCKET_ARN)))
    # THEN the bucket is reported as not covered (object requests over HTTP are allowed)
    assert tls_problems(template) == [
        "AWS::S3::Bucket Bucket: no resource policy denies non-TLS requests on it"
    ]


# ----------------------------------------------------------------- acknowledgment_problems

PRUNER = tmpl(
    P=policy(
        allow(XRAY, "*"),
        allow("lambda:DeleteFunction", {"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":*"]]}),
        allow(["s3:PutObject", "s3:Get*"], {"Fn::Join": ["", [BUCKET_ARN, "/claims/*"]]}),
    )
)


@pytest.mark.parametrize(
    ("rule_id", "reason"),
    [
        (
            "AwsSolutions-SQS3",
            "This queue is the dead-letter queue of the consumer's source queue.",
        ),
        (
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray tracing actions have no resource-level permissions at all.",
        ),
        (
            "AwsSolutions-IAM5[Resource::*]",
            "PutTraceSegments has no resource-level permissions, so Resource is '*'.",
        ),
        (
            "AwsSolutions-IAM5[Resource::<Fn.Arn>:*]",
            "DeleteFunction on published versions: numbers are assigned at publish.",
        ),
        (
            "AwsSolutions-IAM5[Resource::<Fn.Arn>:*]",
            "The grant covers every version of the function (<function ARN>:*).",
        ),
        (
            "AwsSolutions-IAM5[Resource::<Bucket.Arn>/claims/*]",
            "Payloads are written under claims/ with a random key, unknown when granting.",
        ),
        (
            "AwsSolutions-IAM5[Resource::<Bucket.Arn>/claims/*]",
            "The handler may only call s3:PutObject, on one bucket and one prefix.",
        ),
        (
            "AwsSolutions-IAM5[Action::s3:Get*]",
            "s3:Get covers GetObject and GetObjectVersion of the claim-check payloads.",
        ),
        (
            "Serverless-LambdaStarPermissions",
            "The only wildcard is DeleteFunction on versions, numbered at publish time.",
        ),
    ],
)
def test_specific_reasons_pass(rule_id: str, reason: str) -> None:
    # GIVEN a specific reason (for wildcard rules: naming an action or the resource pattern
    # of the statements granting the wildcard) THEN there is no problem
    assert acknowledgment_problems(rule_id, reason, PRUNER) == []


@pytest.mark.parametrize(
    ("rule_id", "reason", "problem"),
    [
        ("AwsSolutions-SQS3", "", "no reason"),
        ("AwsSolutions-SQS3", "   ", "no reason"),
        ("AwsSolutions-SQS3", "Dead-letter queue, consumed manually.", "4 words (at least 8)"),
        (
            "AwsSolutions-SQS3",
            "False positive: this queue cannot have a dead-letter queue here.",
            "'False positive'",
        ),
        (
            "AwsSolutions-L1",
            "Not applicable to this function, it is pinned by the platform team.",
            "'Not applicable'",
        ),
        (
            "AwsSolutions-L1",
            "N/A - the runtime is pinned by the platform team for every service.",
            "'N/A'",
        ),
        (
            "AwsSolutions-S1",
            "Accepted risk: access logs are not needed for this particular bucket.",
            "'Accepted risk'",
        ),
        (
            "AwsSolutions-S1",
            "This is by design, the bucket holds nothing sensitive for the service.",
            "'by design'",
        ),
        (
            "AwsSolutions-S1",
            "TODO: add server access logging once the log bucket exists somewhere.",
            "'TODO'",
        ),
        (
            "AwsSolutions-S1",
            "Finding suppressed until the shared logging bucket is provisioned later.",
            "'suppressed'",
        ),
        (
            "AwsSolutions-S1",
            "Known issue with the logging bucket, tracked in the platform backlog.",
            "'Known issue'",
        ),
        (
            "AwsSolutions-IAM5[Resource::*]",
            "Wildcard resources are needed here for the function to work at all.",
            "names none",
        ),
        (
            "AwsSolutions-IAM5[Resource::<Fn.Arn>:*]",
            "The pruner removes old versions of the governed function after deploys.",
            "names none",
        ),
        (
            "AwsSolutions-IAM5[Action::s3:Get*]",
            "The handler reads the payloads it is handed by the producer service.",
            "names none",
        ),
        (
            "Serverless-LambdaStarPermissions",
            "The wildcard permissions are required for the function to operate.",
            "names none",
        ),
    ],
)
def test_unspecific_reasons_are_problems(rule_id: str, reason: str, problem: str) -> None:
    # GIVEN an empty, short, generic or (for wildcard rules) unnamed reason THEN it is named
    found = acknowledgment_problems(rule_id, reason, PRUNER)
    assert any(problem in f for f in found), found


def test_wildcard_names_come_from_the_template_or_flag_a_stale_acknowledgment() -> None:
    # GIVEN the statements of a template WHEN the names of a wildcard are looked up
    names, stale = wildcard_names("AwsSolutions-IAM5[Resource::<Bucket.Arn>/claims/*]", PRUNER)
    # THEN they are the actions granted on it and its literal part
    assert names == {"s3:PutObject", "PutObject", "s3:Get*", "Get*", "/claims/*", "claims/"}
    assert not stale
    # AND an acknowledgment of a wildcard no statement grants is stale; for Resource::* the
    # allowlisted actions still count as names (the fleet acknowledges every shard)
    names, stale = wildcard_names("AwsSolutions-IAM5[Resource::*]", tmpl())
    assert stale and {"X-Ray", "PutTraceSegments", "ec2:DescribeVpcs"} <= names
    assert wildcard_names("AwsSolutions-IAM5[Resource::<Gone.Arn>:*]", tmpl()) == ({":*"}, True)
