"""Strategies and values shared by the property-test specs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnParameter, Duration, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct
from hypothesis import strategies as st

from tests.unit.props.framework import Bad, Make

INLINE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")
MSK_ARN = (
    "arn:aws:kafka:eu-west-1:111122223333:cluster/orders/0f2e4d6c-8b1a-4c3e-9f5d-7a6b5c4d3e2f-3"
)
FLEET_CODE = str(Path(__file__).resolve().parents[1] / "fleet_code")
LAYER_ARN = "arn:aws:lambda:eu-west-1:111122223333:layer:vendor-sdk:{}"
CERT_ARN = "arn:aws:acm:eu-west-1:111122223333:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"


def function_props() -> dict[str, Any]:
    return {"code": INLINE, "handler": "index.handler"}


def topic() -> Make:
    """An alarm topic encrypted with the AWS-managed SNS key (the template checks want every
    topic encrypted, the caller's too)."""

    def make(scope: Construct) -> sns.Topic:
        stack = _stack(scope)
        key = kms.Alias.from_alias_name(stack, "AwsSns", "alias/aws/sns")
        return sns.Topic(stack, "AlarmTopic", master_key=key)

    return Make(make, "sns.Topic")


def _stack(scope: Construct) -> Construct:
    return scope if isinstance(scope, Stack) else Stack.of(scope)


def number_token(value: float) -> Make:
    """A number token (a CloudFormation parameter with a default), for props that accept
    tokens: the construct must leave it to CloudFormation, not compare it."""

    def make(scope: Construct) -> Any:
        name = f"N{str(value).replace('.', 'x').replace('-', 'm')}"
        existing = scope.node.try_find_child(name)
        param = existing or CfnParameter(scope, name, type="Number", default=value)
        return param.value_as_number  # type: ignore[union-attr]

    return Make(make, f"token({value})")


# ------------------------------------------------------------------ ranges


def outside(low: float, high: float | None, *, whole: bool = True) -> st.SearchStrategy[Any]:
    """Numbers outside [low, high] (whole numbers unless ``whole`` is False)."""
    below = st.integers(max_value=int(low) - 1, min_value=int(low) - 10_000)
    parts = [below]
    if high is not None:
        parts.append(st.integers(min_value=int(high) + 1, max_value=int(high) * 10 + 10))
    return st.one_of(*parts)


def inside(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=low, max_value=high)


def seconds_outside(low: int, high: int | None) -> st.SearchStrategy[Bad]:
    """Durations (in seconds) outside [low, high] seconds."""
    return (
        outside(low, high)
        .filter(lambda n: n >= 0)
        .map(lambda n: Bad(Duration.seconds(n), shows=(str(n), str(n * 1000))))
    )


def seconds_inside(low: int, high: int) -> st.SearchStrategy[Duration]:
    return st.integers(min_value=low, max_value=high).map(Duration.seconds)


def fractional(low: float, high: float) -> st.SearchStrategy[float]:
    """Non-whole numbers (for whole-number props)."""
    return st.floats(min_value=low, max_value=high, allow_nan=False).filter(
        lambda x: not float(x).is_integer()
    )


TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"))
"""Characters a template may hold: any Unicode but control characters and surrogates."""

blank = st.sampled_from(["", " ", "\t"])
"""Empty or blank strings."""
