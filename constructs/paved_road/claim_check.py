"""ClaimCheck: the claim-check pattern for payloads larger than the 1 MiB service limit.

SQS messages, EventBridge entries and asynchronous Lambda invokes accept payloads up to
1 MiB (AWS Compute Blog, "More room to build: serverless services now support payloads
up to 1 MB"). A larger payload is stored in S3 and a small reference travels instead;
the consumer resolves the reference. ClaimCheck builds the bucket for it (encrypted,
TLS-only, private, lifecycle-managed) and ships the runtime helper
(``paved_road_claim_check``) as a Lambda layer; ``grant_producer`` / ``grant_consumer``
wire a function to it with least-privilege grants.

Service rules validated at construct time:

* the threshold (the largest payload sent inline) is 1 byte - 1 MiB (1,048,576 bytes);
* S3 lifecycle expiration counts whole days ("LifecycleExpiration": a non-zero positive
  integer of days); paved-road allows 1-365;
* the key prefix is what IAM grants and the lifecycle rule are scoped to: no leading
  ``/``, ends with ``/``, no IAM wildcard characters.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aws_cdk import (
    Acknowledgment,
    Annotations,
    Duration,
    Names,
    RemovalPolicy,
    Size,
    Stack,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from constructs import Construct

from paved_road._boundary import checked_props
from paved_road._validate import ONE_MIB, check_range, is_token, seconds, size_bytes
from paved_road.errors import Problems
from paved_road.function import GovernedFunction

SERVICE_MAX_BYTES = ONE_MIB
"""1 MiB: the largest SQS message, EventBridge entry and asynchronous Lambda payload."""
DEFAULT_PREFIX = "claims/"
MAX_EXPIRATION_DAYS = 365
DAY_SECONDS = 86400

BUCKET_ENV = "PAVED_ROAD_CLAIM_CHECK_BUCKET"
PREFIX_ENV = "PAVED_ROAD_CLAIM_CHECK_PREFIX"
THRESHOLD_ENV = "PAVED_ROAD_CLAIM_CHECK_THRESHOLD"

CLAIM_CHECK_LAYER_DIR = Path(__file__).resolve().parent / "handlers" / "claim_check_layer"
"""The layer asset: ``python/paved_road_claim_check.py`` (on ``sys.path`` in Lambda)."""
LAYER_RUNTIMES = (
    lambda_.Runtime.PYTHON_3_11,
    lambda_.Runtime.PYTHON_3_12,
    lambda_.Runtime.PYTHON_3_13,
    lambda_.Runtime.PYTHON_3_14,
)
_LAYER_RUNTIME_NAMES = tuple(r.name for r in LAYER_RUNTIMES)
_METADATA_TYPE = "paved-road:claim-check"

# Characters S3 calls safe for key names, without the IAM wildcards '*' and '?' (they
# would widen the prefix-scoped grants). Segments are non-empty and not '.' or '..'.
_SEGMENT = r"(?!\.\.?/)[A-Za-z0-9!_.'()-]+"
KEY_PREFIX = re.compile(rf"^(?:{_SEGMENT}/)+$")
MAX_PREFIX_LENGTH = 512

_BUCKET_PROP_NAMES = tuple(
    name for name in inspect.signature(s3.BucketProps.__init__).parameters if name != "self"
)
_ALLOWED_REMOVAL = (
    RemovalPolicy.RETAIN,
    RemovalPolicy.DESTROY,
    RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
)


class ClaimCheck(Construct):
    """An S3 bucket for claim-check payloads and the runtime helper layer, governed.

    Attributes: ``bucket`` (the ``IBucket``), ``layer`` (the ``LayerVersion`` with the
    ``paved_road_claim_check`` module), ``threshold_bytes``, ``key_prefix``,
    ``expiration`` (``Duration``), ``encryption_key`` (the bucket's KMS key or None) and
    ``environment`` (the variables ``grant_producer``/``grant_consumer`` set).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        threshold: Size | None = None,
        expiration: Duration | None = None,
        existing_bucket: s3.IBucket | None = None,
        bucket_props: s3.BucketProps | Mapping[str, Any] | None = None,
        key_prefix: str = DEFAULT_PREFIX,
        encryption_key: kms.IKey | None = None,
        removal_policy: RemovalPolicy | None = None,
        server_access_logs_bucket: s3.IBucket | None = None,
    ) -> None:
        """
        :param threshold: the largest payload sent inline: a payload whose size (UTF-8
            bytes, plus SQS message attributes or EventBridge entry fields) exceeds it is
            stored in S3. 1 byte - 1 MiB; default 1 MiB (the SQS / EventBridge /
            asynchronous Lambda maximum). Use 256 KiB for SNS.
        :param expiration: how long stored payloads live (the lifecycle rule on
            ``key_prefix``); whole days, 1-365; default 14 days (the longest SQS
            retention). Must outlive every queue, retry and replay carrying a reference.
        :param existing_bucket: store payloads in this bucket instead of creating one.
            Exclusive with ``bucket_props``, ``encryption_key``, ``removal_policy`` and
            ``server_access_logs_bucket``. An ``s3.Bucket`` of the same app gets the
            lifecycle rule added; an imported bucket gets a warning (expire the prefix
            yourself).
        :param bucket_props: props of the bucket to create, an ``s3.BucketProps`` or a
            dict of its keyword arguments (``{"versioned": True}``); default: none (all
            governed defaults). Governed: encryption S3-managed (KMS when a key is given;
            ``UNENCRYPTED`` is an error), ``enforce_ssl`` True (False is an error),
            ``minimum_tls_version`` 1.2, ``block_public_access`` BLOCK_ALL (weaker is an
            error, as is ``public_read_access``), ``object_ownership``
            BUCKET_OWNER_ENFORCED (ACLs disabled; others are an error), versioning off
            (``versioned=True`` also expires noncurrent versions after 1 day). Your
            ``lifecycle_rules`` are kept; the claim rule is added.
        :param key_prefix: where payloads are written (``<prefix><uuid>``) and what grants
            and the lifecycle rule are scoped to; default ``claims/``. Must end with ``/``,
            not start with ``/``, use S3's safe characters (letters, digits,
            ``! _ . ' ( ) -``), no empty, ``.`` or ``..`` segments; at most 512 characters.
        :param encryption_key: encrypt the created bucket with this KMS key (SSE-KMS with
            an S3 Bucket Key); default none (SSE-S3). Grants then include
            ``kms:GenerateDataKey`` (producer) / ``kms:Decrypt`` (consumer) on it.
        :param removal_policy: of the created bucket: RETAIN, DESTROY (only succeeds when
            the bucket is empty) or RETAIN_ON_UPDATE_OR_DELETE; default RETAIN.
        :param server_access_logs_bucket: write S3 server access logs there (prefix: this
            construct's unique id); default none: ``AwsSolutions-S1`` is acknowledged.
        """
        super().__init__(scope, id)
        problems = Problems("ClaimCheck", self.node.path)

        # the props' types were checked at the boundary (@checked_props)
        props = self._bucket_props(problems, bucket_props)

        threshold_b = size_bytes(threshold) if threshold is not None else SERVICE_MAX_BYTES
        if threshold_b is None:
            problems.add("threshold", "must be a concrete Size, not an unresolved token", "a token")
        check_range(problems, "threshold", threshold_b, 1, SERVICE_MAX_BYTES, "bytes")
        expiration = expiration or Duration.days(14)
        expiration_s = seconds(expiration)
        if expiration_s is not None:
            if expiration_s % DAY_SECONDS:
                problems.add(
                    "expiration",
                    "must be a whole number of days (S3 lifecycle expiration counts days)",
                    f"{expiration_s:g} seconds",
                )
            else:
                check_range(
                    problems,
                    "expiration",
                    expiration_s // DAY_SECONDS,
                    1,
                    MAX_EXPIRATION_DAYS,
                    "days",
                )
        self._check_prefix(problems, key_prefix)
        if existing_bucket is not None:
            for prop, value in (
                ("bucket_props", bucket_props),
                ("encryption_key", encryption_key),
                ("removal_policy", removal_policy),
                ("server_access_logs_bucket", server_access_logs_bucket),
            ):
                if value is not None:
                    problems.add(
                        f"existing_bucket/{prop}",
                        f"are exclusive: {prop} applies only to the bucket ClaimCheck creates",
                        "both",
                    )
        if removal_policy is not None and removal_policy not in _ALLOWED_REMOVAL:
            problems.add(
                "removal_policy",
                "must be RETAIN, DESTROY or RETAIN_ON_UPDATE_OR_DELETE",
                str(removal_policy),
            )
        bucket_kwargs: dict[str, Any] = {}
        if existing_bucket is None:
            bucket_kwargs = self._governed_bucket_kwargs(
                problems,
                props,
                encryption_key,
                removal_policy,
                server_access_logs_bucket,
            )
        problems.raise_if_any()

        self.threshold_bytes: int = int(threshold_b or SERVICE_MAX_BYTES)
        self.key_prefix = key_prefix
        self.expiration = expiration
        expiry_rule = s3.LifecycleRule(
            id="ExpireClaims",
            prefix=key_prefix,
            expiration=expiration,
            abort_incomplete_multipart_upload_after=Duration.days(1),
            noncurrent_version_expiration=(
                Duration.days(1) if bucket_kwargs.get("versioned") else None
            ),
        )
        if existing_bucket is None:
            bucket_kwargs["lifecycle_rules"] = [*bucket_kwargs["lifecycle_rules"], expiry_rule]
            self.bucket: s3.IBucket = s3.Bucket(self, "Bucket", **bucket_kwargs)
            if bucket_kwargs.get("server_access_logs_bucket") is None:
                Validations.of(self.bucket).acknowledge(
                    Acknowledgment(
                        id="AwsSolutions-S1",
                        reason=f"Claim-check bucket of transient payloads under '{key_prefix}' "
                        f"(expired after {expiration.to_human_string()}), readable and "
                        "writable only by the roles granted by ClaimCheck; no "
                        "server_access_logs_bucket was given to log object access to.",
                    )
                )
        else:
            self.bucket = existing_bucket
            if isinstance(existing_bucket, s3.Bucket):
                existing_bucket.add_lifecycle_rule(
                    id=f"ExpireClaims{Names.unique_id(self)}",
                    prefix=key_prefix,
                    expiration=expiration,
                    abort_incomplete_multipart_upload_after=Duration.days(1),
                )
            else:
                Annotations.of(self).add_warning_v2(
                    "paved-road:ClaimCheck:noLifecycle",
                    f"existing_bucket is imported: ClaimCheck cannot add its lifecycle rule. "
                    f"Expire objects under '{key_prefix}' after "
                    f"{expiration.to_human_string()} on the bucket yourself.",
                )
        self.encryption_key: kms.IKey | None = self.bucket.encryption_key

        self.layer = lambda_.LayerVersion(
            self,
            "RuntimeLayer",
            code=lambda_.Code.from_asset(
                str(CLAIM_CHECK_LAYER_DIR), exclude=["__pycache__", "*.pyc"]
            ),
            compatible_runtimes=list(LAYER_RUNTIMES),
            compatible_architectures=[lambda_.Architecture.ARM_64, lambda_.Architecture.X86_64],
            description="paved-road claim-check runtime helper (module paved_road_claim_check)",
            license="Apache-2.0",
        )

    # ------------------------------------------------------------------ validation
    @staticmethod
    def _bucket_props(problems: Problems, given: object) -> s3.BucketProps:
        """``given`` as ``s3.BucketProps``: a dict is converted key by key (an unknown key
        or a value of the wrong type is a problem naming that key); empty props for None
        or after a problem."""
        if given is None or isinstance(given, s3.BucketProps):
            return given or s3.BucketProps()
        if not isinstance(given, Mapping):
            problems.add(
                "bucket_props",
                "must be an s3.BucketProps or a dict of its keyword arguments "
                "(e.g. {'versioned': True})",
                type(given).__name__,
            )
            return s3.BucketProps()
        unknown = [key for key in given if key not in _BUCKET_PROP_NAMES]
        if unknown:
            problems.add(
                "bucket_props",
                "must only have keys of s3.BucketProps (snake_case, e.g. 'versioned', "
                "'lifecycle_rules')",
                unknown,
            )
            return s3.BucketProps()
        ok = True
        for key, value in given.items():
            try:
                s3.BucketProps(**{key: value})
            except TypeError as exc:  # jsii's runtime type check of the struct field
                problems.add(f"bucket_props[{key!r}]", f"has the wrong type ({exc})", value)
                ok = False
        return s3.BucketProps(**given) if ok else s3.BucketProps()

    @staticmethod
    def _check_prefix(problems: Problems, prefix: str) -> None:
        if not isinstance(prefix, str):
            problems.add("key_prefix", "must be a string such as 'claims/'", prefix)
            return
        if is_token(prefix):
            return
        if not KEY_PREFIX.match(prefix):
            problems.add(
                "key_prefix",
                "must end with '/', not start with '/', and be made of non-empty segments "
                "(not '.' or '..') of letters, digits and ! _ . ' ( ) - (no IAM wildcards "
                "'*' or '?'), e.g. 'claims/'",
                prefix,
            )
        elif len(prefix) > MAX_PREFIX_LENGTH:
            problems.add(
                "key_prefix", f"must be at most {MAX_PREFIX_LENGTH} characters", len(prefix)
            )

    def _governed_bucket_kwargs(
        self,
        problems: Problems,
        props: s3.BucketProps,
        encryption_key: kms.IKey | None,
        removal_policy: RemovalPolicy | None,
        logs_bucket: s3.IBucket | None,
    ) -> dict[str, Any]:
        given = {
            name: getattr(props, name)
            for name in _BUCKET_PROP_NAMES
            if getattr(props, name, None) is not None
        }
        encryption = given.get("encryption")
        if encryption == s3.BucketEncryption.UNENCRYPTED:
            problems.add(
                "bucket_props.encryption",
                "must be S3_MANAGED, KMS_MANAGED, KMS, DSSE_MANAGED or DSSE (or omitted)",
                "UNENCRYPTED",
            )
        if encryption_key is not None:
            if given.get("encryption_key") is not None:
                problems.add(
                    "encryption_key/bucket_props.encryption_key",
                    "are exclusive: give the key once",
                    "both",
                )
            if encryption not in (None, s3.BucketEncryption.KMS, s3.BucketEncryption.DSSE):
                problems.add(
                    "bucket_props.encryption",
                    "must be KMS or DSSE (or omitted) when encryption_key is given",
                    str(encryption),
                )
            given["encryption_key"] = encryption_key
            given.setdefault("encryption", s3.BucketEncryption.KMS)
            given.setdefault("bucket_key_enabled", True)
        elif given.get("encryption_key") is not None:
            given.setdefault("encryption", s3.BucketEncryption.KMS)
            given.setdefault("bucket_key_enabled", True)
        else:
            given.setdefault("encryption", s3.BucketEncryption.S3_MANAGED)
        if given.get("enforce_ssl") is False:
            problems.add("bucket_props.enforce_ssl", "must be True (TLS-only bucket policy)", False)
        if given.get("public_read_access"):
            problems.add(
                "bucket_props.public_read_access", "must be False: claims are private", True
            )
        block = given.get("block_public_access")
        if block is not None and not all(
            getattr(block, flag)
            for flag in (
                "block_public_acls",
                "block_public_policy",
                "ignore_public_acls",
                "restrict_public_buckets",
            )
        ):
            problems.add(
                "bucket_props.block_public_access",
                "must be BlockPublicAccess.BLOCK_ALL (or omitted)",
                "a weaker setting",
            )
        ownership = given.get("object_ownership")
        if ownership is not None and ownership != s3.ObjectOwnership.BUCKET_OWNER_ENFORCED:
            problems.add(
                "bucket_props.object_ownership",
                "must be BUCKET_OWNER_ENFORCED (ACLs disabled) or omitted",
                str(ownership),
            )
        access_control = given.get("access_control")
        if access_control is not None and access_control != s3.BucketAccessControl.PRIVATE:
            problems.add(
                "bucket_props.access_control",
                "must be PRIVATE or omitted (ACLs are disabled)",
                str(access_control),
            )
        if removal_policy is not None and given.get("removal_policy") is not None:
            problems.add(
                "removal_policy/bucket_props.removal_policy",
                "are exclusive: give it once",
                "both",
            )
        if given.get("removal_policy") not in (None, *_ALLOWED_REMOVAL):
            problems.add(
                "bucket_props.removal_policy",
                "must be RETAIN, DESTROY or RETAIN_ON_UPDATE_OR_DELETE",
                str(given["removal_policy"]),
            )
        policy = removal_policy or given.get("removal_policy") or RemovalPolicy.RETAIN
        if logs_bucket is not None and given.get("server_access_logs_bucket") is not None:
            problems.add(
                "server_access_logs_bucket/bucket_props.server_access_logs_bucket",
                "are exclusive: give it once",
                "both",
            )
        logs = logs_bucket or given.get("server_access_logs_bucket")
        if logs is not None:
            given["server_access_logs_bucket"] = logs
            given.setdefault("server_access_logs_prefix", f"{Names.unique_id(self)}/")
        given.setdefault("minimum_tls_version", 1.2)
        return {
            **given,
            "enforce_ssl": True,
            "block_public_access": s3.BlockPublicAccess.BLOCK_ALL,
            "object_ownership": s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            "removal_policy": policy,
            "lifecycle_rules": list(given.get("lifecycle_rules") or ()),
        }

    # ------------------------------------------------------------------ grants
    @property
    def environment(self) -> dict[str, str]:
        """The variables the runtime helper reads: bucket name, key prefix, threshold."""
        return {
            BUCKET_ENV: self.bucket.bucket_name,
            PREFIX_ENV: self.key_prefix,
            THRESHOLD_ENV: str(self.threshold_bytes),
        }

    def grant_producer(
        self, target: GovernedFunction | lambda_.IFunction | iam.IGrantable
    ) -> list[iam.Grant]:
        """Let ``target`` store payloads: ``s3:PutObject`` on ``<bucket>/<prefix>*`` (plus
        ``kms:GenerateDataKey`` on the bucket's KMS key, if any). A ``GovernedFunction``
        or ``aws_lambda.Function`` also gets the runtime layer (Python runtimes) and the
        ``PAVED_ROAD_CLAIM_CHECK_*`` environment; any other grantee only the grant."""
        return self._grant(target, "producer", "s3:PutObject", "kms:GenerateDataKey")

    def grant_consumer(
        self, target: GovernedFunction | lambda_.IFunction | iam.IGrantable
    ) -> list[iam.Grant]:
        """Let ``target`` resolve references: ``s3:GetObject`` on ``<bucket>/<prefix>*``
        (plus ``kms:Decrypt`` on the bucket's KMS key, if any), and the layer and
        environment as for :meth:`grant_producer`. Objects are not deleted after reading:
        the lifecycle rule expires them (a reference may be delivered more than once)."""
        return self._grant(target, "consumer", "s3:GetObject", "kms:Decrypt")

    def _grant(
        self,
        target: GovernedFunction | lambda_.IFunction | iam.IGrantable,
        role: str,
        s3_action: str,
        kms_action: str,
    ) -> list[iam.Grant]:
        grantee: iam.IGrantable = (
            target.function if isinstance(target, GovernedFunction) else target
        )
        self._wire(grantee, role)
        objects = self.bucket.arn_for_objects(f"{self.key_prefix}*")
        grants = [
            iam.Grant.add_to_principal(
                grantee=grantee, actions=[s3_action], resource_arns=[objects]
            )
        ]
        if self.encryption_key is not None:
            grants.append(self.encryption_key.grant(grantee, kms_action))
        principal = grantee.grant_principal
        if isinstance(principal, Construct):
            # cdk-nag names the finding after the statement's resource as the principal's
            # template resolves it (same stack or imported bucket; a bucket in another
            # stack of the app arrives as an Fn::ImportValue, named at synth time).
            Validations.of(principal).acknowledge(
                Acknowledgment(
                    id=f"AwsSolutions-IAM5[Resource::{_nag_flatten(Stack.of(principal).resolve(objects))}]",
                    reason=f"{s3_action} is scoped to the claim-check key prefix "
                    f"'{self.key_prefix}' of {self.node.path}: every payload is written "
                    "under a new random key (<prefix><uuid>), unknown when granting.",
                )
            )
        return grants

    def _wire(self, grantee: iam.IGrantable, role: str) -> None:
        """Layer and environment on a function this app defines (once per function)."""
        if not isinstance(grantee, lambda_.Function):
            if isinstance(grantee, Construct) and hasattr(grantee, "function_arn"):
                Annotations.of(self).add_warning_v2(
                    "paved-road:ClaimCheck:importedFunction",
                    f"grant_{role}({grantee.node.path}): an imported function gets the "
                    "grant only; add the ClaimCheck layer and its PAVED_ROAD_CLAIM_CHECK_* "
                    "environment variables to it yourself.",
                )
            return
        owners = {
            str(entry.data) for entry in grantee.node.metadata if entry.type == _METADATA_TYPE
        }
        if owners - {self.node.path}:
            problems = Problems("ClaimCheck", self.node.path)
            problems.add(
                f"grant_{role}",
                "cannot wire a function already wired to another ClaimCheck (the "
                f"PAVED_ROAD_CLAIM_CHECK_* variables hold one store; {sorted(owners)[0]}); "
                "grant that function as an iam.IGrantable (its role) and configure a "
                "ClaimStore(bucket=...) in code",
                grantee.node.path,
            )
            raise problems.error()
        if owners:
            return  # already wired by this ClaimCheck (producer and consumer)
        runtime = grantee.runtime
        if runtime.family == lambda_.RuntimeFamily.PYTHON:
            if runtime.name not in _LAYER_RUNTIME_NAMES:
                problems = Problems("ClaimCheck", self.node.path)
                problems.add(
                    f"grant_{role}",
                    "needs a Python runtime the runtime layer supports "
                    f"({', '.join(_LAYER_RUNTIME_NAMES)})",
                    f"{grantee.node.path} ({runtime.name})",
                )
                raise problems.error()
            grantee.add_layers(self.layer)
        else:
            Annotations.of(self).add_warning_v2(
                "paved-road:ClaimCheck:notPython",
                f"grant_{role}({grantee.node.path}): the runtime helper layer is Python-only; "
                f"the {runtime.name} function gets the grant and the PAVED_ROAD_CLAIM_CHECK_* "
                "variables and must store / resolve claims itself.",
            )
        for key, value in self.environment.items():
            grantee.add_environment(key, value)
        grantee.node.add_metadata(_METADATA_TYPE, self.node.path)


def _nag_flatten(value: Any) -> str:
    """A resolved CloudFormation value as cdk-nag flattens it in finding ids:
    ``{"Fn::GetAtt": [X, "Arn"]}`` -> ``<X.Arn>``, ``{"Ref": X}`` -> ``<X>``, joins joined."""
    if isinstance(value, str):
        return value.replace("${", "<").replace("}", ">")
    if isinstance(value, dict):
        if "Fn::Join" in value:
            delimiter, items = value["Fn::Join"]
            return str(delimiter).join(_nag_flatten(item) for item in items)
        if "Fn::Sub" in value:
            return _nag_flatten(value["Fn::Sub"])
        if "Fn::GetAtt" in value:
            resource, attribute = value["Fn::GetAtt"]
            return f"<{_nag_flatten(resource)}.{_nag_flatten(attribute)}>"
        if "Fn::ImportValue" in value:
            return _nag_flatten(value["Fn::ImportValue"])
        if "Ref" in value:
            return f"<{_nag_flatten(value['Ref'])}>"
    return json.dumps(value, separators=(",", ":"))
