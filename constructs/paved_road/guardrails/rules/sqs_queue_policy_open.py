"""PavedRoad-SqsQueuePolicyOpen: an SQS queue policy that allows any principal (``*``)
without a condition that scopes the caller to an organization, accounts or a source."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road.guardrails.rule import Finding, GuardrailRule, ResourceView

QUEUE_POLICY = "AWS::SQS::QueuePolicy"

SCOPING_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalAccount",
        "aws:PrincipalArn",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:SourceVpce",
        "aws:SourceVpc",
    )
)
"""Condition keys that name who may call (compared case-insensitively, as IAM does)."""

ARN_KEYS = frozenset(("aws:principalarn", "aws:sourcearn"))

EXACT_KEYS = frozenset(
    ("aws:principalorgid", "aws:principalaccount", "aws:sourceaccount", "aws:sourceorgid")
)
"""Keys the IAM guide calls sensitive: a wildcard in their value has no valid use, even in
a substring ("o-*", "*1" match other organizations and accounts)."""

ORG_PATH_KEYS = frozenset(("aws:principalorgpaths", "aws:sourceorgpaths"))
"""Keys holding an organization path ``o-id/r-id/ou-id/.../``: wildcards may follow the
organization id (``o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*``), never be part of it."""

SCOPING_OPERATORS = frozenset(
    ("stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike")
)
"""Operators that admit only the listed values. Negated operators (``StringNotEquals``,
``ArnNotLike``, ...) admit everyone else; ``...IfExists`` and ``Null`` admit callers for
whom the key is absent (a direct call has no ``aws:SourceArn``, an account outside any
organization no ``aws:PrincipalOrgID``); ``ForAllValues:`` is true for an absent or empty
key. ``ForAnyValue:`` (the form for the multivalued ``...OrgPaths`` keys) needs a match."""


def _statements(document: Any) -> list[Any]:
    if isinstance(document, str):  # a JSON string is accepted for Json properties
        try:
            document = json.loads(document)
        except ValueError:
            return []
    statements = document.get("Statement") if isinstance(document, Mapping) else None
    if isinstance(statements, Mapping):
        return [statements]
    return statements if isinstance(statements, list) else []


def _is_anyone(values: Any) -> bool:
    return values == "*" or (isinstance(values, list) and "*" in values)


def _open_to(statement: Mapping[str, Any]) -> str | None:
    """How an Allow statement admits any principal (``Principal "*"``, ``{"AWS": "*"}`` or
    a list containing it, or ``NotPrincipal``: everyone but the listed), else None."""
    if "NotPrincipal" in statement:
        return "NotPrincipal (everyone else)"
    principal = statement.get("Principal")
    if principal == "*":
        return 'Principal "*"'
    if isinstance(principal, Mapping) and _is_anyone(principal.get("AWS")):
        return 'Principal {"AWS": "*"}'
    return None


def _wildcard_only(text: str) -> bool:
    return not text.strip("*?")


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _scoping_value(key: str, value: Any) -> bool:
    """Whether one condition value names a caller: not only wildcards; for the organization
    id and account keys no wildcard at all; for the organization path keys an exact
    organization id before the first ``/``; for ARN keys not an ARN whose account is a
    wildcard (``arn:aws:events:*:*:rule/*`` matches every account's rules) nor a wildcard
    ARN of fewer than six fields (``arn:aws:*``). An intrinsic (a ``GetAtt`` of a rule's
    ARN) is taken to be specific."""
    if not isinstance(value, str):
        return True
    if _wildcard_only(value):
        return False
    if key in EXACT_KEYS:
        return not _has_wildcard(value)
    if key in ORG_PATH_KEYS:
        organization, slash, _ = value.partition("/")
        if not slash:  # not a path: matches only itself, or (wildcard) any organization
            return not _has_wildcard(value)
        return bool(organization) and not _has_wildcard(organization)
    if key in ARN_KEYS:
        fields = value.split(":", 5)
        if len(fields) == 6:
            account, resource = fields[4], fields[5]
            if account:
                return not _has_wildcard(account)
            return not _wildcard_only(resource)  # e.g. S3 (no account): the bucket names it
        return not _has_wildcard(value)
    return True


def _scoped(condition: Any) -> bool:
    """Whether a statement's Condition restricts the caller with a scoping key under a
    scoping operator (an intrinsic Condition, ``Fn::If``, is taken to restrict)."""
    if not isinstance(condition, Mapping):
        return condition is not None
    if any(str(operator).startswith("Fn::") for operator in condition):
        return True
    for operator, keys in condition.items():
        name = str(operator).lower()
        name = name.removeprefix("foranyvalue:")
        if name not in SCOPING_OPERATORS or not isinstance(keys, Mapping):
            continue
        for key, values in keys.items():
            key = str(key).lower()
            if key not in SCOPING_KEYS:
                continue
            listed = values if isinstance(values, list) else [values]
            if listed and all(_scoping_value(key, value) for value in listed):
                return True
    return False


def check(view: ResourceView) -> Finding | None:
    problems = []
    for index, statement in enumerate(_statements(view.properties.get("PolicyDocument"))):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        how = _open_to(statement)
        if how is None or _scoped(statement.get("Condition")):
            continue
        sid = statement.get("Sid")
        name = f"Statement {sid}" if isinstance(sid, str) and sid else f"Statement[{index}]"
        problems.append(f"{name} allows {how} with no scoping condition.")
    return Finding(" ".join(problems)) if problems else None


RULE = GuardrailRule(
    rule_id="SqsQueuePolicyOpen",
    level=NagMessageLevel.ERROR,
    resource_types=(QUEUE_POLICY,),
    info="The SQS queue policy allows any principal (*) without a condition that scopes the "
    "caller to an organization, accounts or a source.",
    explanation="A queue that receives from many accounts, such as a fleet's centralized "
    "dead-letter queue, is often opened with Principal * so that every account can send. "
    "Without a condition on the caller that is every AWS account in the world: anyone can "
    "send (or, with the other actions, read and delete) messages, which pollutes the queue, "
    "breaks tenant isolation between the events it gathers, and runs up its cost. A "
    "condition on aws:PrincipalOrgID or aws:PrincipalOrgPaths (the organization), "
    "aws:PrincipalAccount or aws:SourceAccount (listed accounts), aws:SourceArn or "
    "aws:PrincipalArn (specific rules or roles), or aws:SourceVpc/aws:SourceVpce scopes it. "
    "Negated operators (StringNotEquals), IfExists operators, ForAllValues, wildcard-only "
    "values and wildcards in an organization id or account id (o-*, *1; the IAM guide calls "
    "these keys sensitive: a wildcard in them has no valid use) do not.",
    fix="Grant to the organization: PolicyStatement(principals=[OrganizationPrincipal("
    "org_id)]) (aws:PrincipalOrgID), or to the sending accounts or service principals by "
    "name, or add a StringEquals condition on one of those keys. Deny statements (the "
    "TLS-only deny of enforce_ssl) are not affected.",
    check=check,
)
