"""ClaimCheck: the bucket's governed defaults, the least-privilege grants, the runtime
layer and environment wiring, guardrails and cfn-lint, and every validation branch."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from aws_cdk import CfnElement, CfnParameter, Duration, RemovalPolicy, Size, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match

from paved_road import GovernedFunction, Invocation, PavedRoadError
from paved_road.claim_check import (
    BUCKET_ENV,
    CLAIM_CHECK_LAYER_DIR,
    PREFIX_ENV,
    THRESHOLD_ENV,
    ClaimCheck,
)
from tests.cfn_lint import lint_errors
from tests.conftest import new_stack, run_guardrails, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def governed(stack: Stack, id: str, **props: typing.Any) -> GovernedFunction:
    # keep_versions=None: no version pruner function in these templates
    return GovernedFunction(
        stack,
        id,
        code=CODE,
        handler="index.handler",
        invocation=Invocation.SYNCHRONOUS,
        keep_versions=None,
        **props,
    )


def policy_statements(stack: Stack, role_prefix: str) -> list[dict[str, typing.Any]]:
    """The statements of the default policy of the role whose logical id starts so."""
    policies = template(stack).find_resources("AWS::IAM::Policy")
    (policy,) = (p for lid, p in policies.items() if lid.startswith(role_prefix))
    return policy["Properties"]["PolicyDocument"]["Statement"]  # type: ignore[no-any-return]


def claim_statements(stack: Stack, role_prefix: str) -> list[dict[str, typing.Any]]:
    """Statements on S3 or KMS (the ones ClaimCheck adds)."""
    return [
        s
        for s in policy_statements(stack, role_prefix)
        if any(a.startswith(("s3:", "kms:")) for a in _actions(s))
    ]


def _actions(statement: dict[str, typing.Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def logical_id(stack: Stack, construct: typing.Any) -> str:
    child = construct.node.default_child
    assert isinstance(child, CfnElement)
    return str(stack.resolve(stack.get_logical_id(child)))


def function_props(stack: Stack, logical_prefix: str) -> dict[str, typing.Any]:
    functions = template(stack).find_resources("AWS::Lambda::Function")
    (fn,) = (f for lid, f in functions.items() if lid.startswith(logical_prefix))
    return fn["Properties"]  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- bucket
def test_bucket_defaults(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    t = template(stack)
    t.resource_count_is("AWS::S3::Bucket", 1)
    t.has_resource(
        "AWS::S3::Bucket",
        {
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": Match.absent(),
                "LoggingConfiguration": Match.absent(),
            },
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
        },
    )
    assert claims.threshold_bytes == 1024 * 1024
    assert claims.key_prefix == "claims/"
    assert claims.expiration.to_days() == 14
    assert claims.encryption_key is None


def test_lifecycle_expires_the_prefix_and_aborts_uploads(stack: Stack) -> None:
    ClaimCheck(stack, "Claims", expiration=Duration.days(3), key_prefix="payloads/large/")
    template(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "ExpireClaims",
                        "Prefix": "payloads/large/",
                        "Status": "Enabled",
                        "ExpirationInDays": 3,
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    }
                ]
            }
        },
    )


def test_bucket_policy_denies_plain_http_and_old_tls(stack: Stack) -> None:
    ClaimCheck(stack, "Claims")
    (policy,) = template(stack).find_resources("AWS::S3::BucketPolicy").values()
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    assert {(s["Effect"], s["Action"], str(s["Condition"])) for s in statements} == {
        ("Deny", "s3:*", str({"Bool": {"aws:SecureTransport": "false"}})),
        ("Deny", "s3:*", str({"NumericLessThan": {"s3:TlsVersion": 1.2}})),
    }


def test_kms_key_encrypts_with_a_bucket_key(stack: Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    claims = ClaimCheck(stack, "Claims", encryption_key=key)
    template(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {
                        "BucketKeyEnabled": True,
                        "ServerSideEncryptionByDefault": {
                            "SSEAlgorithm": "aws:kms",
                            "KMSMasterKeyID": {
                                "Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]
                            },
                        },
                    }
                ]
            }
        },
    )
    assert claims.encryption_key is key


def test_versioned_bucket_also_expires_noncurrent_versions(stack: Stack) -> None:
    ClaimCheck(stack, "Claims", bucket_props=s3.BucketProps(versioned=True))
    template(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {
                            "ExpirationInDays": 14,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                        }
                    )
                ]
            },
        },
    )


def test_bucket_props_as_a_dict_are_applied(stack: Stack) -> None:
    # GIVEN bucket_props as a dict of s3.BucketProps keyword arguments
    ClaimCheck(stack, "Claims", bucket_props={"versioned": True, "bucket_name": "org-claims"})
    # THEN they reach the bucket, with the governed defaults and the claim rule
    template(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "VersioningConfiguration": {"Status": "Enabled"},
            "BucketName": "org-claims",
            "PublicAccessBlockConfiguration": Match.object_like({"BlockPublicAcls": True}),
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {"Id": "ExpireClaims", "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}
                    )
                ]
            },
        },
    )


def test_bucket_props_lifecycle_rules_are_kept(stack: Stack) -> None:
    ClaimCheck(
        stack,
        "Claims",
        bucket_props=s3.BucketProps(
            lifecycle_rules=[
                s3.LifecycleRule(id="Other", prefix="other/", expiration=Duration.days(1))
            ]
        ),
    )
    template(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like({"Id": "Other"}),
                    Match.object_like({"Id": "ExpireClaims"}),
                ]
            }
        },
    )


def test_server_access_logs_go_to_the_given_bucket(stack: Stack) -> None:
    logs = s3.Bucket.from_bucket_name(stack, "Logs", "org-access-logs")
    ClaimCheck(stack, "Claims", server_access_logs_bucket=logs)
    template(stack).has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LoggingConfiguration": {
                "DestinationBucketName": "org-access-logs",
                "LogFilePrefix": "TestClaimsD053399E/",  # the construct's unique id
            }
        },
    )


def test_removal_policy_destroy(stack: Stack) -> None:
    ClaimCheck(stack, "Claims", removal_policy=RemovalPolicy.DESTROY)
    template(stack).has_resource(
        "AWS::S3::Bucket", {"DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete"}
    )


def test_existing_bucket_of_the_app_gets_the_lifecycle_rule(stack: Stack) -> None:
    bucket = s3.Bucket(stack, "Shared", enforce_ssl=True)
    claims = ClaimCheck(stack, "Claims", existing_bucket=bucket, key_prefix="orders/claims/")
    assert claims.bucket is bucket
    t = template(stack)
    t.resource_count_is("AWS::S3::Bucket", 1)
    t.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "LifecycleConfiguration": {
                "Rules": [
                    Match.object_like(
                        {"Prefix": "orders/claims/", "ExpirationInDays": 14, "Status": "Enabled"}
                    )
                ]
            }
        },
    )


def test_imported_existing_bucket_warns_about_the_lifecycle(stack: Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Shared", "org-claims")
    ClaimCheck(stack, "Claims", existing_bucket=bucket)
    Annotations.from_stack(stack).has_warning(
        "/Test/Claims", Match.string_like_regexp("cannot add its lifecycle rule")
    )
    template(stack).resource_count_is("AWS::S3::Bucket", 0)


# --------------------------------------------------------------------------- layer
def test_layer_ships_the_runtime_module(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    assert (CLAIM_CHECK_LAYER_DIR / "python" / "paved_road_claim_check.py").is_file()
    template(stack).has_resource_properties(
        "AWS::Lambda::LayerVersion",
        {
            "CompatibleRuntimes": ["python3.11", "python3.12", "python3.13", "python3.14"],
            "CompatibleArchitectures": ["arm64", "x86_64"],
        },
    )
    assert isinstance(claims.layer, lambda_.LayerVersion)


# --------------------------------------------------------------------------- grants
def _matches(statements: list[dict[str, typing.Any]], actions: list[tuple[str, ...]]) -> bool:
    return [tuple(_actions(s)) for s in statements] == actions


def test_grants_are_exact(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    claims.grant_producer(governed(stack, "Producer"))
    claims.grant_consumer(governed(stack, "Consumer"))
    bucket_arn = {"Fn::GetAtt": [logical_id(stack, claims.bucket), "Arn"]}
    objects = {"Fn::Join": ["", [bucket_arn, "/claims/*"]]}
    # producer: write only, consumer: read only; no bucket-level or delete permission
    assert claim_statements(stack, "ProducerRole") == [
        {"Action": "s3:PutObject", "Effect": "Allow", "Resource": objects}
    ]
    assert claim_statements(stack, "ConsumerRole") == [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": objects}
    ]


def test_kms_grants_are_least_privilege(stack: Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    claims = ClaimCheck(stack, "Claims", encryption_key=key)
    claims.grant_producer(governed(stack, "Producer"))
    claims.grant_consumer(governed(stack, "Consumer"))
    key_arn = {"Fn::GetAtt": [logical_id(stack, key), "Arn"]}
    producer = claim_statements(stack, "ProducerRole")
    consumer = claim_statements(stack, "ConsumerRole")
    assert {"Action": "kms:GenerateDataKey", "Effect": "Allow", "Resource": key_arn} in producer
    assert {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": key_arn} in consumer
    assert _matches(producer, [("s3:PutObject",), ("kms:GenerateDataKey",)])
    assert _matches(consumer, [("s3:GetObject",), ("kms:Decrypt",)])


def test_grant_wires_layer_and_environment(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims", threshold=Size.kibibytes(256), key_prefix="big/")
    claims.grant_producer(governed(stack, "Producer"))
    props = function_props(stack, "ProducerFunction")
    bucket_id = logical_id(stack, claims.bucket)
    variables = props["Environment"]["Variables"]
    assert variables[BUCKET_ENV] == {"Ref": bucket_id}
    assert variables[PREFIX_ENV] == "big/"
    assert variables[THRESHOLD_ENV] == "262144"
    layer_id = logical_id(stack, claims.layer)
    assert {"Ref": layer_id} in props["Layers"]
    assert len(props["Layers"]) == 2  # Powertools + claim check


def test_producer_and_consumer_on_one_function_get_one_layer(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    fn = governed(stack, "Relay")
    claims.grant_consumer(fn)
    claims.grant_producer(fn)
    props = function_props(stack, "RelayFunction")
    assert len(props["Layers"]) == 2
    assert _matches(claim_statements(stack, "RelayRole"), [("s3:GetObject",), ("s3:PutObject",)])


def test_plain_lambda_function(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    fn = lambda_.Function(
        stack, "Plain", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_12
    )
    claims.grant_consumer(fn)
    props = function_props(stack, "Plain")
    assert props["Environment"]["Variables"][PREFIX_ENV] == "claims/"
    assert len(props["Layers"]) == 1
    assert _matches(claim_statements(stack, "PlainServiceRole"), [("s3:GetObject",)])


def test_iam_grantable_gets_the_grant_only(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    role = iam.Role(stack, "Batch", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    grants = claims.grant_producer(role)
    assert len(grants) == 1 and grants[0].success
    assert _matches(claim_statements(stack, "BatchDefaultPolicy"), [("s3:PutObject",)])


def test_non_python_function_gets_environment_and_a_warning(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    fn = lambda_.Function(
        stack,
        "Node",
        code=lambda_.Code.from_inline("exports.handler = async () => ({})"),
        handler="index.handler",
        runtime=lambda_.Runtime.NODEJS_22_X,
    )
    claims.grant_consumer(fn)
    props = function_props(stack, "Node")
    assert "Layers" not in props
    assert BUCKET_ENV in props["Environment"]["Variables"]
    Annotations.from_stack(stack).has_warning(
        "/Test/Claims", Match.string_like_regexp("layer is Python-only")
    )


def test_imported_function_gets_the_grant_and_a_warning(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims")
    fn = lambda_.Function.from_function_attributes(
        stack,
        "Imported",
        function_arn="arn:aws:lambda:eu-west-1:111122223333:function:orders",
        role=iam.Role.from_role_arn(stack, "ImportedRole", "arn:aws:iam::111122223333:role/orders"),
    )
    claims.grant_consumer(fn)
    Annotations.from_stack(stack).has_warning(
        "/Test/Claims", Match.string_like_regexp("imported function gets the grant only")
    )
    assert _matches(claim_statements(stack, "ImportedRolePolicy"), [("s3:GetObject",)])


def test_environment_property(stack: Stack) -> None:
    claims = ClaimCheck(stack, "Claims", threshold=Size.bytes(1000))
    assert set(claims.environment) == {BUCKET_ENV, PREFIX_ENV, THRESHOLD_ENV}
    assert claims.environment[THRESHOLD_ENV] == "1000"


# --------------------------------------------------------------------------- guardrails
def _claims_with_functions(stack: Stack, **props: typing.Any) -> None:
    claims = ClaimCheck(stack, "Claims", **props)
    claims.grant_producer(governed(stack, "Producer"))
    claims.grant_consumer(governed(stack, "Consumer"))


def test_guardrails_report_nothing_unacknowledged(tmp_path: Path) -> None:
    run = run_guardrails(_claims_with_functions, tmp_path)
    assert run.error is None, run.error
    assert run.violations == []


def test_guardrails_with_kms_and_a_custom_prefix(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        key = kms.Key(stack, "Key", enable_key_rotation=True)
        _claims_with_functions(stack, encryption_key=key, key_prefix="orders/big/")

    run = run_guardrails(build, tmp_path)
    assert run.error is None, run.error
    assert run.violations == []


def test_guardrails_with_an_imported_existing_bucket(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        bucket = s3.Bucket.from_bucket_name(stack, "Shared", "org-claims")
        _claims_with_functions(stack, existing_bucket=bucket)

    run = run_guardrails(build, tmp_path)
    assert run.error is None, run.error
    assert run.violations == []


def test_access_logs_acknowledgment_only_without_a_logs_bucket(stack: Stack) -> None:
    ClaimCheck(stack, "Claims")
    other = new_stack(name="Other")
    logs = s3.Bucket.from_bucket_name(other, "Logs", "org-access-logs")
    ClaimCheck(other, "Claims", server_access_logs_bucket=logs)

    def acknowledged(s: Stack) -> bool:
        bucket = s.node.find_child("Claims").node.find_child("Bucket")
        return any("AwsSolutions-S1" in str(entry.data) for entry in bucket.node.metadata)

    assert acknowledged(stack)
    assert not acknowledged(other)


@pytest.mark.parametrize("with_key", [False, True], ids=["sse-s3", "sse-kms"])
def test_cfn_lint_clean(stack: Stack, with_key: bool) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True) if with_key else None
    _claims_with_functions(stack, encryption_key=key)
    assert lint_errors(template(stack).to_json()) == []


# --------------------------------------------------------------------------- validation
def make(stack: Stack, **props: typing.Any) -> ClaimCheck:
    return ClaimCheck(stack, "Claims", **props)


def test_threshold_zero(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': threshold must be between 1 and 1048576 bytes, got 0",
    ):
        make(stack, threshold=Size.bytes(0))


def test_threshold_above_the_service_maximum(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError, match=r"threshold must be between 1 and 1048576 bytes, got 1048577"
    ):
        make(stack, threshold=Size.bytes(1024 * 1024 + 1))


def test_threshold_token(stack: Stack) -> None:
    size = Token.as_number(CfnParameter(stack, "Threshold", type="Number").value_as_number)
    with pytest.raises(PavedRoadError, match=r"threshold must be a concrete Size"):
        make(stack, threshold=Size.bytes(size))


def test_threshold_not_a_size(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': threshold must be an aws_cdk.Size "
        r"\(Size.kibibytes\(n\), Size.mebibytes\(n\), ...\) or None, got 1024$",
    ):
        make(stack, threshold=1024)


def test_expiration_not_a_duration(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': expiration must be an aws_cdk.Duration "
        r"\(Duration.seconds\(n\), Duration.minutes\(n\), ...\) or None, got 14$",
    ):
        make(stack, expiration=14)


def test_expiration_not_whole_days(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"expiration must be a whole number of days .*got '129600 seconds'",
    ):
        make(stack, expiration=Duration.hours(36))


def test_expiration_zero_days(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"expiration must be between 1 and 365 days, got 0"):
        make(stack, expiration=Duration.days(0))


def test_expiration_too_long(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"expiration must be between 1 and 365 days, got 366"):
        make(stack, expiration=Duration.days(366))


@pytest.mark.parametrize(
    "prefix",
    ["/claims/", "claims", "", "claims/*", "claims?/", "a//b/", "a/../", "./", "cla ims/"],
)
def test_key_prefix_shape(stack: Stack, prefix: str) -> None:
    with pytest.raises(PavedRoadError, match=r"key_prefix must end with '/', not start with '/'"):
        make(stack, key_prefix=prefix)


def test_key_prefix_too_long(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"key_prefix must be at most 512 characters, got 514"):
        make(stack, key_prefix="a" * 513 + "/")


@pytest.mark.parametrize(("prefix", "got"), [(None, "None"), (5, "5"), (b"claims/", "a bytes")])
def test_key_prefix_not_a_string(stack: Stack, prefix: typing.Any, got: str) -> None:
    with pytest.raises(
        PavedRoadError,
        match=rf"ClaimCheck 'Test/Claims': key_prefix must be a string, got {got}$",
    ):
        make(stack, key_prefix=prefix)


def test_existing_bucket_not_a_bucket(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': existing_bucket must be an s3.IBucket or None, "
        r"got 'org-claims'$",
    ):
        make(stack, existing_bucket="org-claims")


def test_server_access_logs_bucket_not_a_bucket(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': server_access_logs_bucket must be an s3.IBucket "
        r"or None, got 'org-access-logs'$",
    ):
        make(stack, server_access_logs_bucket="org-access-logs")


def test_encryption_key_not_a_key(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': encryption_key must be a kms.IKey or None, "
        r"got 'arn:aws:kms:us-east-1:111122223333:key/abc'$",
    ):
        make(stack, encryption_key="arn:aws:kms:us-east-1:111122223333:key/abc")


def test_bucket_props_neither_props_nor_dict(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': bucket_props must be an s3.BucketProps, a dict "
        r"with string keys or None, got a list$",
    ):
        make(stack, bucket_props=[("versioned", True)])


def test_bucket_props_dict_with_an_unknown_key(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': bucket_props must only have keys of s3.BucketProps "
        r".*got \['versoned'\]$",
    ):
        make(stack, bucket_props={"versoned": True})


def test_bucket_props_dict_with_a_wrong_value_type(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Claims': bucket_props\['versioned'\] has the wrong type "
        r"\(.*\), got 'yes'$",
    ):
        make(stack, bucket_props={"versioned": "yes"})


def test_bucket_props_dict_is_governed(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"bucket_props.encryption must be S3_MANAGED, .* got 'UNENCRYPTED'",
    ):
        make(stack, bucket_props={"encryption": s3.BucketEncryption.UNENCRYPTED})


def test_existing_bucket_and_bucket_props(stack: Stack) -> None:
    bucket = s3.Bucket.from_bucket_name(stack, "Shared", "org-claims")
    with pytest.raises(
        PavedRoadError,
        match=r"existing_bucket/bucket_props are exclusive: bucket_props applies only to the "
        r"bucket ClaimCheck creates, got 'both'",
    ):
        make(stack, existing_bucket=bucket, bucket_props=s3.BucketProps())


@pytest.mark.parametrize("prop", ["encryption_key", "removal_policy", "server_access_logs_bucket"])
def test_existing_bucket_and_creation_props(stack: Stack, prop: str) -> None:
    values: dict[str, typing.Any] = {
        "encryption_key": kms.Key(stack, "Key", enable_key_rotation=True),
        "removal_policy": RemovalPolicy.DESTROY,
        "server_access_logs_bucket": s3.Bucket.from_bucket_name(stack, "Logs", "logs"),
    }
    bucket = s3.Bucket.from_bucket_name(stack, "Shared", "org-claims")
    with pytest.raises(PavedRoadError, match=rf"existing_bucket/{prop} are exclusive"):
        make(stack, existing_bucket=bucket, **{prop: values[prop]})


def test_removal_policy_snapshot(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"removal_policy must be RETAIN, DESTROY or RETAIN_ON_UPDATE_OR_DELETE",
    ):
        make(stack, removal_policy=RemovalPolicy.SNAPSHOT)


def test_bucket_props_removal_policy_snapshot(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"bucket_props.removal_policy must be RETAIN"):
        make(stack, bucket_props=s3.BucketProps(removal_policy=RemovalPolicy.SNAPSHOT))


def test_removal_policy_twice(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError, match=r"removal_policy/bucket_props.removal_policy are exclusive"
    ):
        make(
            stack,
            removal_policy=RemovalPolicy.DESTROY,
            bucket_props=s3.BucketProps(removal_policy=RemovalPolicy.RETAIN),
        )


def test_unencrypted_bucket(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"bucket_props.encryption must be S3_MANAGED, .* got 'UNENCRYPTED'",
    ):
        make(stack, bucket_props=s3.BucketProps(encryption=s3.BucketEncryption.UNENCRYPTED))


def test_enforce_ssl_false(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"bucket_props.enforce_ssl must be True"):
        make(stack, bucket_props=s3.BucketProps(enforce_ssl=False))


def test_public_read_access(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"bucket_props.public_read_access must be False"):
        make(stack, bucket_props=s3.BucketProps(public_read_access=True))


def test_weaker_block_public_access(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"bucket_props.block_public_access must be BlockPublicAccess.BLOCK_ALL",
    ):
        make(
            stack, bucket_props=s3.BucketProps(block_public_access=s3.BlockPublicAccess.BLOCK_ACLS)
        )


def test_object_writer_ownership(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError, match=r"bucket_props.object_ownership must be BUCKET_OWNER_ENFORCED"
    ):
        make(stack, bucket_props=s3.BucketProps(object_ownership=s3.ObjectOwnership.OBJECT_WRITER))


def test_public_acl(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"bucket_props.access_control must be PRIVATE"):
        make(
            stack,
            bucket_props=s3.BucketProps(access_control=s3.BucketAccessControl.PUBLIC_READ),
        )


def test_encryption_key_twice(stack: Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    with pytest.raises(
        PavedRoadError, match=r"encryption_key/bucket_props.encryption_key are exclusive"
    ):
        make(stack, encryption_key=key, bucket_props=s3.BucketProps(encryption_key=key))


def test_encryption_key_with_s3_managed_encryption(stack: Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    with pytest.raises(
        PavedRoadError,
        match=r"bucket_props.encryption must be KMS or DSSE \(or omitted\) when encryption_key",
    ):
        make(
            stack,
            encryption_key=key,
            bucket_props=s3.BucketProps(encryption=s3.BucketEncryption.S3_MANAGED),
        )


def test_access_logs_bucket_twice(stack: Stack) -> None:
    logs = s3.Bucket.from_bucket_name(stack, "Logs", "logs")
    with pytest.raises(
        PavedRoadError,
        match=r"server_access_logs_bucket/bucket_props.server_access_logs_bucket are exclusive",
    ):
        make(
            stack,
            server_access_logs_bucket=logs,
            bucket_props=s3.BucketProps(server_access_logs_bucket=logs),
        )


def test_every_problem_is_reported_at_once(stack: Stack) -> None:
    with pytest.raises(PavedRoadError) as caught:
        make(
            stack,
            threshold=Size.mebibytes(2),
            expiration=Duration.days(400),
            key_prefix="/x",
            bucket_props=s3.BucketProps(enforce_ssl=False),
        )
    assert len(caught.value.problems) == 4
    assert str(caught.value).startswith("ClaimCheck 'Test/Claims': 4 problems:")


def test_unsupported_python_runtime(stack: Stack) -> None:
    claims = make(stack)
    fn = lambda_.Function(
        stack, "Old", code=CODE, handler="index.handler", runtime=lambda_.Runtime.PYTHON_3_10
    )
    with pytest.raises(
        PavedRoadError,
        match=r"grant_consumer needs a Python runtime the runtime layer supports "
        r"\(python3.11, .*python3.14\), got 'Test/Old \(python3.10\)'",
    ):
        claims.grant_consumer(fn)


def test_function_wired_to_two_claim_checks(stack: Stack) -> None:
    first = ClaimCheck(stack, "First")
    second = ClaimCheck(stack, "Second")
    fn = governed(stack, "Relay")
    first.grant_consumer(fn)
    with pytest.raises(
        PavedRoadError,
        match=r"ClaimCheck 'Test/Second': grant_producer cannot wire a function already wired "
        r"to another ClaimCheck .*Test/First",
    ):
        second.grant_producer(fn)
    # the role can still be granted on its own
    second.grant_producer(fn.role)
