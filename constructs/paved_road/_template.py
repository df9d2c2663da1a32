"""Reading synthesized CloudFormation (plain Python, no aws-cdk-lib or jsii import), shared
by the guardrail rules and the ``paved-road`` commands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def reference_target(value: Any) -> str | None:
    """The logical id a ``Ref`` or ``Fn::GetAtt`` (list or ``"Id.Attr"`` form) points to;
    None for anything else (a literal, another intrinsic)."""
    if not isinstance(value, Mapping):
        return None
    ref = value.get("Ref")
    if isinstance(ref, str):
        return ref
    att = value.get("Fn::GetAtt")
    if isinstance(att, list) and att and isinstance(att[0], str):
        return att[0]
    if isinstance(att, str):
        return att.split(".", 1)[0]
    return None
