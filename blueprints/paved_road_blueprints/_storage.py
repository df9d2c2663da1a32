"""Secure S3 storage shared by the blueprints: a data bucket with server access logs, and
a write-only grant to one key prefix."""

from __future__ import annotations

import re
from typing import Any

from aws_cdk import Acknowledgment, RemovalPolicy, Stack, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from paved_road._validate import is_token
from paved_road.errors import Problems

S3_ACCESS_LOGS_BUCKET_POLICY_FLAG = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"

# Any printable characters but the IAM wildcards '*' and '?' and the policy-variable '$'
# (each would widen or change the prefix-scoped PutObject grant) and '/', which joins
# segments; segments are non-empty and not '.' or '..' (so "source=orders", "a+b" work).
_SEGMENT = r"(?!\.\.?(?:/|$))[^*?$/\x00-\x1f\x7f]+"
OBJECT_PREFIX = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})*$")
MAX_OBJECT_PREFIX_LENGTH = 512


def check_object_prefix(problems: Problems, prefix: str) -> None:
    """A blueprint's ``object_prefix``: the key prefix objects are written under and the
    write grant is scoped to (``<bucket>/<prefix>/*``)."""
    if is_token(prefix):
        return
    if not OBJECT_PREFIX.match(prefix):
        problems.add(
            "object_prefix",
            "must be non-empty with no leading or trailing '/': segments (not '.' or '..') "
            "joined by single '/', without the IAM wildcards '*' and '?', '$' or control "
            "characters, e.g. 'events' or 'raw/source=orders'",
            prefix,
        )
    elif len(prefix) > MAX_OBJECT_PREFIX_LENGTH:
        problems.add(
            "object_prefix", f"must be at most {MAX_OBJECT_PREFIX_LENGTH} characters", len(prefix)
        )


def secure_bucket(scope: Construct, id: str, production: bool, **logging: Any) -> s3.Bucket:
    """Block public access, SSE-S3, TLS only, ACLs disabled, versioned in production,
    kept on stack deletion."""
    return s3.Bucket(
        scope,
        id,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=production,
        removal_policy=RemovalPolicy.RETAIN,
        **logging,
    )


def data_bucket_with_access_logs(scope: Construct, production: bool) -> tuple[s3.Bucket, s3.Bucket]:
    """(``DataBucket``, ``AccessLogsBucket``) under ``scope``: the data bucket logs server
    access to the second one (prefix ``data-bucket/``)."""
    # Grant S3 log delivery through a bucket policy instead of the deprecated
    # LogDeliveryWrite ACL, so the log bucket can enforce bucket-owner ownership
    # (ACLs disabled). Scoped to this construct's subtree.
    scope.node.set_context(S3_ACCESS_LOGS_BUCKET_POLICY_FLAG, True)
    access_logs = secure_bucket(scope, "AccessLogsBucket", production)
    Validations.of(access_logs).acknowledge(
        Acknowledgment(
            id="AwsSolutions-S1",
            reason="This bucket is the server access log target; logging it to itself would loop.",
        )
    )
    data = secure_bucket(
        scope,
        "DataBucket",
        production,
        server_access_logs_bucket=access_logs,
        server_access_logs_prefix="data-bucket/",
    )
    return data, access_logs


def grant_put_under_prefix(
    function: lambda_.IFunction, role: iam.IRole | None, bucket: s3.Bucket, prefix: str, why: str
) -> None:
    """``s3:PutObject`` on ``bucket/prefix/*`` only, with the cdk-nag acknowledgment of
    that (necessary) object wildcard on ``role``; ``why`` says what is written there."""
    function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["s3:PutObject"], resources=[bucket.arn_for_objects(f"{prefix}/*")]
        )
    )
    if role is None:
        return
    bucket_id = Stack.of(bucket).resolve(bucket.node.default_child.logical_id)  # type: ignore[union-attr]
    Validations.of(role).acknowledge(
        Acknowledgment(
            id=f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/{prefix}/*]",
            reason=f"{why}: s3:PutObject only, one bucket, one prefix.",
        )
    )
