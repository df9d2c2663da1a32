"""Least-privilege, encryption and TLS checks over a synthesized CloudFormation template.

Pure functions over the template dict (no aws-cdk-lib import), for the sample apps'
templates (tests/integration/test_least_privilege.py) and for any other template a test
builds. Each ``*_problems`` function returns human-readable problems; an empty list means
the template passes.

Scope notes:

* Role trust policies (``AssumeRolePolicyDocument``) are not checked for wildcards: they
  are the role's own resource policy, their actions are ``sts:AssumeRole``-family only and
  they have no ``Resource`` element (the role is the resource); who may assume a role is its
  ``Principal``, which the guardrails check, not a permission on other resources.
* ``AWS::Lambda::Permission`` is not a policy document (one action, one principal, one
  function), so :func:`iam_statements` skips it.
* AWS managed policies attached by ARN (``ManagedPolicyArns``) are not in the template;
  only their ARNs can be checked (:func:`untrusted_role_problems` does).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from paved_road._markers import DENY_ALL_POLICY_NAME, TRUST_TAG, UNTRUSTED

Template = Mapping[str, Any]
Statement = Mapping[str, Any]

KMS_KEY = "AWS::KMS::Key"
IAM_ROLE = "AWS::IAM::Role"
QUEUE = "AWS::SQS::Queue"
TOPIC = "AWS::SNS::Topic"
BUCKET = "AWS::S3::Bucket"
LOG_GROUP = "AWS::Logs::LogGroup"
FUNCTION = "AWS::Lambda::Function"
QUEUE_POLICY = "AWS::SQS::QueuePolicy"
BUCKET_POLICY = "AWS::S3::BucketPolicy"
EVENT_BUS_POLICY = "AWS::Events::EventBusPolicy"

ENCRYPTED_TYPES = (QUEUE, TOPIC, BUCKET, LOG_GROUP)
"""The resource types :func:`encryption_problems` checks for encryption at rest."""

TLS_POLICY_TYPES = (QUEUE_POLICY, BUCKET_POLICY)
"""The resource policies :func:`tls_problems` checks for the non-TLS deny."""

_DOCUMENT_PROPERTY = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::IAM::RolePolicy": "PolicyDocument",
    "AWS::IAM::UserPolicy": "PolicyDocument",
    "AWS::IAM::GroupPolicy": "PolicyDocument",
    QUEUE_POLICY: "PolicyDocument",
    BUCKET_POLICY: "PolicyDocument",
    "AWS::SNS::TopicPolicy": "PolicyDocument",
    KMS_KEY: "KeyPolicy",
}
"""Resource type -> the property holding its one policy document."""

_INLINE_POLICIES = (IAM_ROLE, "AWS::IAM::User", "AWS::IAM::Group")
"""Resource types with inline ``Policies: [{PolicyName, PolicyDocument}]``."""

_ATTACHED_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
"""Policy resources attached to roles by ``Roles: [{"Ref": role}]``."""


class StarResource(NamedTuple):
    """Why an action may be allowed on ``Resource: "*"``, and the AWS page that says so."""

    why: str
    url: str


_XRAY_SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html"
_EC2_SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html"
_KAFKA_ESM = "https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-permissions.html"
_VPC_ROLE = (
    "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/"
    "AWSLambdaVPCAccessExecutionRole.html"
)

STAR_RESOURCE_ACTIONS: dict[str, StarResource] = {
    "xray:PutTraceSegments": StarResource(
        "X-Ray defines no resource type for it (no resource-level permissions): active "
        "tracing can only be granted on '*'.",
        _XRAY_SAR,
    ),
    "xray:PutTelemetryRecords": StarResource(
        "X-Ray defines no resource type for it (no resource-level permissions): active "
        "tracing can only be granted on '*'.",
        _XRAY_SAR,
    ),
    "ec2:DescribeNetworkInterfaces": StarResource(
        "EC2 Describe* actions have no resource-level permissions; Lambda documents that it "
        "only works when allowed on all resources. Kafka event source mapping networking.",
        _EC2_SAR,
    ),
    "ec2:DescribeSubnets": StarResource(
        "EC2 Describe* actions have no resource-level permissions. Kafka event source "
        "mapping networking.",
        _EC2_SAR,
    ),
    "ec2:DescribeSecurityGroups": StarResource(
        "EC2 Describe* actions have no resource-level permissions. Kafka event source "
        "mapping networking.",
        _EC2_SAR,
    ),
    "ec2:DescribeVpcs": StarResource(
        "EC2 Describe* actions have no resource-level permissions. Kafka event source "
        "mapping networking.",
        _EC2_SAR,
    ),
    "ec2:CreateNetworkInterface": StarResource(
        "Lambda creates the Kafka mapping's network interfaces in the cluster's subnets with "
        "the execution role; the interface ids do not exist at deploy time and AWS's "
        "documented execution-role policy grants it on '*'. (EC2 does define resource "
        "types for it: subnet/security-group/network-interface ARNs could narrow it.)",
        _KAFKA_ESM,
    ),
    "ec2:DeleteNetworkInterface": StarResource(
        "Lambda deletes the network interfaces it created (ids assigned at creation); AWS's "
        "documented Kafka execution-role policy grants it on '*'. (EC2 does define the "
        "network-interface resource type: arn:...:network-interface/* could narrow it.)",
        _KAFKA_ESM,
    ),
    "ec2:AssignPrivateIpAddresses": StarResource(
        "A VPC function's network interfaces (TenantFunctionFleet(subnet_ids=...)) are "
        "created by Lambda, their ids unknown at deploy time; AWS's managed "
        "AWSLambdaVPCAccessExecutionRole grants it on '*'.",
        _VPC_ROLE,
    ),
    "ec2:UnassignPrivateIpAddresses": StarResource(
        "As ec2:AssignPrivateIpAddresses: the VPC function's interfaces are Lambda's; "
        "AWSLambdaVPCAccessExecutionRole grants it on '*'.",
        _VPC_ROLE,
    ),
}
"""Actions an Allow statement may grant on ``Resource: "*"``: only actions our templates
use and whose service defines no resource type for them, or AWS documents with ``"*"``."""

KEY_POLICY_ACTION_PATTERNS: dict[str, StarResource] = {}
"""Action patterns a KMS key policy may allow (a key policy only governs its own key)."""

KEY_POLICY_RESOURCE_URL = (
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html"
)
"""In a key policy, ``Resource: "*"`` means "this KMS key" (not every resource)."""

DEFAULT_KEY_POLICY_URL = (
    "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html"
)
"""The default key policy allows ``kms:*`` to the account (root), enabling IAM policies."""

LOGS_ENCRYPTED_AT_REST_URL = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
)
"""'Log group data is always encrypted in CloudWatch Logs' (AES-256-GCM at rest by
default); a KMS key is optional."""


# ----------------------------------------------------------------------- template walking


def resources(template: Template) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(logical id, type, properties) of every resource, in template order."""
    found = template.get("Resources")
    for logical_id, resource in (found if isinstance(found, Mapping) else {}).items():
        if isinstance(resource, Mapping):
            props = resource.get("Properties")
            yield logical_id, str(resource.get("Type")), props if isinstance(props, Mapping) else {}


def _statements(document: Any) -> list[Statement]:
    if isinstance(document, str):  # some policy properties accept a JSON string
        try:
            document = json.loads(document)
        except ValueError:
            return []
    found = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(found, Mapping):
        found = [found]
    return [s for s in found if isinstance(s, Mapping)] if isinstance(found, list) else []


def iam_statements(template: Template) -> Iterator[tuple[str, str, Statement]]:
    """(logical id, resource type, statement) of every permission statement: IAM policies
    (``AWS::IAM::Policy``/``ManagedPolicy``/``RolePolicy``..., inline ``Policies`` of roles,
    users and groups), resource policies (queue, bucket, topic, event bus) and KMS key
    policies. Trust policies and ``AWS::Lambda::Permission`` are not included (module doc).
    """
    for logical_id, kind, props in resources(template):
        documents: list[Any] = []
        if kind in _DOCUMENT_PROPERTY:
            documents.append(props.get(_DOCUMENT_PROPERTY[kind]))
        elif kind in _INLINE_POLICIES:
            policies = props.get("Policies")
            for policy in policies if isinstance(policies, list) else []:
                if isinstance(policy, Mapping):
                    documents.append(policy.get("PolicyDocument"))
        elif kind == EVENT_BUS_POLICY:
            if isinstance(props.get("Statement"), Mapping):
                documents.append({"Statement": props["Statement"]})
            elif "Action" in props:  # the older Action/Principal/Condition form
                legacy = {k: props[k] for k in ("Action", "Principal", "Condition") if k in props}
                documents.append({"Statement": {"Effect": "Allow", **legacy}})
        for document in documents:
            for statement in _statements(document):
                yield logical_id, kind, statement


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def text(value: Any) -> str:
    """A CloudFormation value as text, the way cdk-nag prints it: ``{"Ref": "X"}`` ->
    ``<X>``, ``{"Fn::GetAtt": ["X", "Arn"]}`` -> ``<X.Arn>``, ``Fn::Join`` joined."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            return f"<{arg}>"
        if key == "Fn::GetAtt":
            return f"<{'.'.join(map(str, arg)) if isinstance(arg, list) else arg}>"
        if key == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
            return str(arg[0]).join(text(part) for part in _items(arg[1]))
        if key == "Fn::Sub":
            return str(arg[0] if isinstance(arg, list) else arg)
    return json.dumps(value, sort_keys=True)


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether ``value`` contains a ``Ref`` or ``Fn::GetAtt`` of ``logical_id``."""
    if isinstance(value, Mapping):
        ref = value.get("Ref")
        att = value.get("Fn::GetAtt")
        if ref == logical_id:
            return True
        if isinstance(att, list) and att and att[0] == logical_id:
            return True
        if isinstance(att, str) and att.split(".")[0] == logical_id:
            return True
        return any(refers_to(v, logical_id) for v in value.values())
    if isinstance(value, list):
        return any(refers_to(v, logical_id) for v in value)
    return False


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    tags = props.get("Tags")
    return {
        str(t.get("Key")): str(t.get("Value"))
        for t in (tags if isinstance(tags, list) else [])
        if isinstance(t, Mapping)
    }


# ------------------------------------------------------------------------------ wildcards


def _is_account_root(principal: Any) -> bool:
    """``{"AWS": "arn:<partition>:iam::<account>:root"}``: the key's own account, as CDK
    writes it (``AWS::AccountId``, or the literal account of a stack with an env)."""
    aws = principal.get("AWS") if isinstance(principal, Mapping) else None
    arns = [text(a) for a in _items(aws)]
    return len(arns) == 1 and bool(re.search(r":iam::(<AWS::AccountId>|\d{12}):root$", arns[0]))


def _is_everyone(principal: Any) -> bool:
    aws = principal.get("AWS") if isinstance(principal, Mapping) else principal
    return "*" in _items(aws)


def star_resource_statements(template: Template) -> list[tuple[str, str, Statement]]:
    """The Allow statements on ``Resource: "*"`` that :data:`STAR_RESOURCE_ACTIONS` allows
    (every action of the statement is listed). KMS key policies are not included."""
    return [
        (logical_id, kind, statement)
        for logical_id, kind, statement in iam_statements(template)
        if kind != KMS_KEY
        and statement.get("Effect") == "Allow"
        and "*" in _items(statement.get("Resource"))
        and "NotAction" not in statement
        and all(_star_allowed(a) for a in _items(statement.get("Action")))
    ]


def _star_allowed(action: Any) -> bool:
    return isinstance(action, str) and action in STAR_RESOURCE_ACTIONS


def _action_problems(where: str, kind: str, statement: Statement) -> list[str]:
    if "NotAction" in statement:
        return [f"{where} allows every action except {text(statement['NotAction'])} (NotAction)"]
    found = []
    for action in _items(statement.get("Action")):
        if not isinstance(action, str):
            found.append(f"{where} allows a computed action {text(action)}")
        elif "*" in action or "?" in action:
            if kind == KMS_KEY and action in KEY_POLICY_ACTION_PATTERNS:
                continue
            if (
                kind == KMS_KEY
                and action == "kms:*"
                and _is_account_root(statement.get("Principal"))
            ):
                continue  # the default key policy: the account may use IAM policies for the key
            found.append(f"{where} allows the action pattern {action!r}")
    return found


def wildcard_problems(template: Template) -> list[str]:
    """Allow statements with a wildcard: ``NotAction``/``NotResource``, an action pattern
    (``*``, ``service:*``, ``service:Get*``), ``Resource: "*"`` for an action not in
    :data:`STAR_RESOURCE_ACTIONS`, or ``Principal: "*"`` without a ``Condition``.

    In a KMS key policy ``Resource: "*"`` is the key itself, and ``kms:*`` for the account
    root is AWS's default key policy; other patterns must be in
    :data:`KEY_POLICY_ACTION_PATTERNS`. Deny statements may use wildcards (the TLS deny).
    """
    found: list[str] = []
    for logical_id, kind, statement in iam_statements(template):
        if statement.get("Effect") != "Allow":
            continue
        where = f"{kind} {logical_id}" + (
            f" (Sid {statement['Sid']})" if "Sid" in statement else ""
        )
        found.extend(_action_problems(where, kind, statement))
        if "NotResource" in statement:
            found.append(f"{where} allows every resource except {text(statement['NotResource'])}")
        if "*" in _items(statement.get("Resource")) and kind != KMS_KEY:
            if "NotAction" in statement:
                outside = [f"every action except {text(statement['NotAction'])}"]
            else:
                outside = [text(a) for a in _items(statement.get("Action")) if not _star_allowed(a)]
            if outside:
                shown = ", ".join(outside)
                found.append(
                    f"{where} allows {shown} on Resource '*' (not in STAR_RESOURCE_ACTIONS)"
                )
        everyone = "Principal" in statement and _is_everyone(statement["Principal"])
        if everyone and not statement.get("Condition"):
            found.append(f"{where} allows Principal '*' without a Condition")
    return found


# ------------------------------------------------------------------ untrusted tenant roles


_DENY_ALL_SUFFIX = f":iam::aws:policy/{DENY_ALL_POLICY_NAME}"  # AWS managed, any partition


def untrusted_roles(template: Template) -> list[str]:
    """Logical ids of the roles tagged ``tenant-trust: untrusted`` (tenant-supplied code)."""
    return [
        logical_id
        for logical_id, kind, props in resources(template)
        if kind == IAM_ROLE and _tags(props).get(TRUST_TAG, "").lower() == UNTRUSTED
    ]


def untrusted_role_problems(template: Template) -> list[str]:
    """Untrusted tenant roles that could allow something: an inline Allow statement, a
    policy resource attached to them (``Roles``/``RoleName``), a managed policy other than
    AWSDenyAll, or no AWSDenyAll at all."""
    roles = untrusted_roles(template)
    found: list[str] = []
    by_id = {logical_id: props for logical_id, _, props in resources(template)}
    for role in roles:
        props = by_id[role]
        policies = props.get("Policies")
        for policy in policies if isinstance(policies, list) else []:
            name = text(policy.get("PolicyName")) if isinstance(policy, Mapping) else "?"
            document = policy.get("PolicyDocument") if isinstance(policy, Mapping) else None
            if any(s.get("Effect") == "Allow" for s in _statements(document)):
                found.append(f"untrusted role {role}: inline policy {name!r} has an Allow")
        arns = [text(a) for a in _items(props.get("ManagedPolicyArns") or [])]
        for arn in arns:
            if not arn.endswith(_DENY_ALL_SUFFIX):
                found.append(f"untrusted role {role}: managed policy {arn} attached")
        if not any(arn.endswith(_DENY_ALL_SUFFIX) for arn in arns):
            found.append(f"untrusted role {role}: no {DENY_ALL_POLICY_NAME} managed policy")
    for logical_id, kind, props in resources(template):
        if kind in _ATTACHED_POLICY_TYPES:
            attached = _items(props.get("Roles") or [])
        elif kind == "AWS::IAM::RolePolicy":
            attached = [props.get("RoleName")]
        else:
            continue
        for role in roles:
            if any(refers_to(r, role) for r in attached):
                found.append(f"untrusted role {role}: {kind} {logical_id} is attached to it")
    return found


# ----------------------------------------------------------------------------- encryption


def _is_key_reference(value: Any, template: Template) -> str | None:
    """None when ``value`` names a KMS key ARN (GetAtt/Join/Sub/ARN string, or a Ref of a
    parameter); otherwise why not."""
    if isinstance(value, str):
        return (
            None
            if re.fullmatch(r"arn:[\w-]+:kms:[\w-]+:\d{12}:key/\S+", value)
            else (f"{value!r} is not a KMS key ARN")
        )
    if isinstance(value, Mapping) and len(value) == 1:
        ((key, arg),) = value.items()
        if key == "Ref":
            kinds = {lid: kind for lid, kind, _ in resources(template)}
            if kinds.get(str(arg)) == KMS_KEY:
                return f"Ref of KMS key {arg} is its key id; an ARN (Fn::GetAtt Arn) is needed"
            return None
        if key in ("Fn::GetAtt", "Fn::Join", "Fn::Sub", "Fn::ImportValue", "Fn::If"):
            return None
    return f"{text(value)} is not a reference to a KMS key"


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _encryption_problem(kind: str, props: Mapping[str, Any], template: Template) -> str | None:
    if kind == QUEUE:
        if props.get("KmsMasterKeyId") or _is_true(props.get("SqsManagedSseEnabled")):
            return None
        return "neither KmsMasterKeyId nor SqsManagedSseEnabled: true"
    if kind == TOPIC:
        return None if props.get("KmsMasterKeyId") else "no KmsMasterKeyId"
    if kind == BUCKET:
        config = props.get("BucketEncryption")
        rules = (
            config.get("ServerSideEncryptionConfiguration") if isinstance(config, Mapping) else None
        )
        defaults = [
            r.get("ServerSideEncryptionByDefault") for r in _items(rules) if isinstance(r, Mapping)
        ]
        if defaults and all(isinstance(d, Mapping) and d.get("SSEAlgorithm") for d in defaults):
            return None
        return "no BucketEncryption with a ServerSideEncryptionByDefault"
    if kind == LOG_GROUP and "KmsKeyId" in props:
        return _is_key_reference(props["KmsKeyId"], template)
    return None


def _function_log_problem(
    props: Mapping[str, Any], groups: dict[str, Any], untrusted: list[str]
) -> str | None:
    config = props.get("LoggingConfig")
    group = config.get("LogGroup") if isinstance(config, Mapping) else None
    if group is None:
        role = props.get("Role")
        if any(refers_to(role, r) for r in untrusted):
            return None  # its role denies everything: it cannot write logs anywhere
        name = props.get("FunctionName")
        if isinstance(name, str) and f"/aws/lambda/{name}" in groups.values():
            return None  # the template creates the default group (with its retention)
        return "no LoggingConfig.LogGroup: Lambda would create /aws/lambda/<name> without retention"
    if isinstance(group, Mapping) and set(group) == {"Ref"} and group["Ref"] in groups:
        return None
    if isinstance(group, str) and group in groups.values():
        return None
    return f"LoggingConfig.LogGroup {text(group)} is not a log group of this template"


def encryption_problems(template: Template) -> list[str]:
    """Resources not encrypted at rest, or whose logs leave the template's log groups.

    * every SQS queue has ``KmsMasterKeyId`` or ``SqsManagedSseEnabled: true``;
    * every SNS topic has ``KmsMasterKeyId``;
    * every S3 bucket has ``BucketEncryption`` with a ``ServerSideEncryptionByDefault``;
    * a log group is always encrypted at rest by CloudWatch Logs
      (:data:`LOGS_ENCRYPTED_AT_REST_URL`); its ``KmsKeyId``, when present, must be a
      KMS key ARN (a ``Ref`` of a key is its id, which CloudWatch Logs rejects);
    * every Lambda function logs to a log group of the template (``LoggingConfig.LogGroup``
      is a ``Ref`` of one, or its name), so that its retention applies, unless its role is
      an untrusted tenant role (deny-all: it writes no logs).
    """
    found: list[str] = []
    groups = {
        logical_id: props.get("LogGroupName")
        for logical_id, kind, props in resources(template)
        if kind == LOG_GROUP
    }
    untrusted = untrusted_roles(template)
    for logical_id, kind, props in resources(template):
        problem = (
            _function_log_problem(props, groups, untrusted)
            if kind == FUNCTION
            else _encryption_problem(kind, props, template)
        )
        if problem:
            found.append(f"{kind} {logical_id}: {problem}")
    return found


# ------------------------------------------------------------------------------------ TLS


def _denies_non_tls(statement: Statement, service: str) -> bool:
    """A Deny of every ``service`` action to everyone when ``aws:SecureTransport`` is false."""
    if statement.get("Effect") != "Deny" or not _is_everyone(statement.get("Principal")):
        return False
    if not any(a in ("*", f"{service}:*") for a in _items(statement.get("Action"))):
        return False
    condition = statement.get("Condition")
    bool_condition = condition.get("Bool") if isinstance(condition, Mapping) else None
    value = (
        bool_condition.get("aws:SecureTransport") if isinstance(bool_condition, Mapping) else None
    )
    return any(v is False or str(v).lower() == "false" for v in _items(value))


def _covers(statement: Statement, logical_id: str, objects: bool) -> bool:
    """Whether the statement's Resource covers ``logical_id`` (and, for a bucket, its
    objects: an ARN of it ending in ``/*``)."""
    items = _items(statement.get("Resource"))
    if "*" in items:
        return True
    mine = [item for item in items if refers_to(item, logical_id)]
    if not mine:
        return False
    return not objects or any(text(item).endswith("/*") for item in mine)


def tls_problems(template: Template) -> list[str]:
    """Queues and buckets not covered by a resource policy that denies non-TLS requests
    (``Deny``, ``Principal: *``, every action, ``Bool aws:SecureTransport: false``, on the
    queue's ARN / the bucket's ARN and its objects), and queue/bucket policies without such a
    statement."""
    found: list[str] = []
    covered: set[str] = set()
    for logical_id, kind, props in resources(template):
        if kind not in TLS_POLICY_TYPES:
            continue
        service = "sqs" if kind == QUEUE_POLICY else "s3"
        denies = [
            s for s in _statements(props.get("PolicyDocument")) if _denies_non_tls(s, service)
        ]
        if not denies:
            found.append(
                f"{kind} {logical_id}: no Deny of {service}:* when aws:SecureTransport is false"
            )
        targets = (
            _items(props.get("Queues") or []) if kind == QUEUE_POLICY else [props.get("Bucket")]
        )
        for target in targets:
            ref = target.get("Ref") if isinstance(target, Mapping) else None
            if isinstance(ref, str) and any(_covers(s, ref, kind == BUCKET_POLICY) for s in denies):
                covered.add(ref)
    for logical_id, kind, _ in resources(template):
        if kind in (QUEUE, BUCKET) and logical_id not in covered:
            found.append(f"{kind} {logical_id}: no resource policy denies non-TLS requests on it")
    return found


# ------------------------------------------------------------------------ acknowledgments

MIN_REASON_WORDS = 8
"""An acknowledgment's reason says why in at least this many words."""

GENERIC_REASON = re.compile(
    r"\b(false[ -]positives?|not applicable|n/a|ignored?|ignoring|suppress(?:ed|ion)?|"
    r"accepted risks?|risk accepted|todo|fixme|tbd|known issues?|as designed|by design|"
    r"won'?t ?fix)\b",
    re.IGNORECASE,
)
"""Words of a reason that explains nothing about the finding it acknowledges."""

WILDCARD_RULES = ("AwsSolutions-IAM5", "Serverless-LambdaStarPermissions")
"""Rules about wildcard permissions: their reasons must name the wildcard."""

_SERVICE_NAMES = {"xray": "X-Ray"}
"""How reasons may name a service instead of its action prefix."""

_GRANULAR = re.compile(r"AwsSolutions-IAM5\[(Resource|Action)::(.+)\]")


def _action_names(action: str) -> set[str]:
    service, _, name = action.partition(":")
    names = {action, name} if name else {action}
    if service in _SERVICE_NAMES:
        names.add(_SERVICE_NAMES[service])
    return names


def _literal_names(pattern: str) -> set[str]:
    """The literal parts of a wildcard pattern: ``<B.Arn>/claims/*`` -> ``/claims/*``,
    ``claims/``; ``<F.Arn>:*`` -> ``:*``; ``s3:GetObject*`` -> ``s3:GetObject*``,
    ``s3:GetObject``."""
    names: set[str] = set()
    for part in re.split(r"<[^>]*>", pattern):
        if "*" not in part or len(part) < 2:
            continue
        names.add(part)
        bare = part.lstrip("/:").rstrip("*")
        if re.search(r"[A-Za-z0-9]", bare):
            names.add(bare)
    return names


def wildcard_names(rule_id: str, template: Template) -> tuple[set[str], bool]:
    """What a reason for the wildcard rule ``rule_id`` may name (the actions granted on the
    wildcard resource in ``template``, the wildcard's literal parts), and whether no
    statement of the template grants that wildcard any more (a stale acknowledgment; then
    the names fall back to :data:`STAR_RESOURCE_ACTIONS` for ``Resource::*``)."""
    granular = _GRANULAR.fullmatch(rule_id)
    allows = [
        s
        for _, kind, s in iam_statements(template)
        if kind != KMS_KEY and s.get("Effect") == "Allow"
    ]
    names: set[str] = set()
    if granular and granular[1] == "Action":
        names |= _literal_names(granular[2])
        matching = [s for s in allows if granular[2] in _items(s.get("Action"))]
    elif granular:
        pattern = granular[2]
        names |= _literal_names(pattern)
        matching = [s for s in allows if pattern in (text(r) for r in _items(s.get("Resource")))]
    else:  # not granular: every Allow statement with a wildcard in an action or resource
        matching = [
            s
            for s in allows
            if any("*" in text(v) for v in _items(s.get("Action")) + _items(s.get("Resource")))
        ]
    for statement in matching:
        for action in _items(statement.get("Action")):
            names |= _action_names(text(action))
    stale = not matching
    if stale and (not granular or granular[2] == "*"):
        for action in STAR_RESOURCE_ACTIONS:
            names |= _action_names(action)
    return names, stale


def acknowledgment_problems(rule_id: str, reason: str, template: Template) -> list[str]:
    """Why the reason of an acknowledgment of ``rule_id`` (in the stack of ``template``) is
    not specific: empty, under :data:`MIN_REASON_WORDS` words, generic
    (:data:`GENERIC_REASON`), or, for the wildcard rules (:data:`WILDCARD_RULES`), naming
    neither the wildcard's actions nor its literal resource part."""
    words = len(reason.split())
    if not words:
        return ["no reason"]
    found = []
    if words < MIN_REASON_WORDS:
        found.append(f"{words} words (at least {MIN_REASON_WORDS})")
    generic = GENERIC_REASON.search(reason)
    if generic:
        found.append(f"generic wording {generic[0]!r}")
    if rule_id.startswith(WILDCARD_RULES):
        names, _ = wildcard_names(rule_id, template)
        if not any(name.lower() in reason.lower() for name in names):
            shown = ", ".join(sorted(names)) or "nothing in the template"
            found.append(f"names none of the wildcard's actions or resource ({shown})")
    return found
