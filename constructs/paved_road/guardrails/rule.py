"""The building blocks of a paved-road guardrail rule.

A rule is pure Python over the *synthesized* CloudFormation of one resource (so
property overrides and escape hatches are seen), with the stack's whole template
at hand for rules that follow a reference (a mapping to its queue and function).
Rules never touch jsii: the pack hands them a :class:`ResourceView`, and only a
non-compliant result goes back to cdk-nag (one jsii call per finding).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cdk_nag import NagMessageLevel

from paved_road import runtimes
from paved_road._template import reference_target
from paved_road.governance import DEFAULT_MATRIX, Criticality, CriticalityMatrix


@dataclass(frozen=True)
class ResourceView:
    """One CloudFormation resource, as synthesized, and its stack template."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]
    template: Mapping[str, Any]
    today: datetime.date
    matrix: CriticalityMatrix = DEFAULT_MATRIX
    runtime_policy: runtimes.RuntimePolicy | None = None
    template_bytes: int | None = None
    """Size of the template file in ``cdk.out`` (None when the template is not a file)."""

    @property
    def tags(self) -> dict[str, str]:
        raw = self.properties.get("Tags") or []
        if isinstance(raw, Mapping):  # some resource types use a map of tags
            return {str(k): str(v) for k, v in raw.items()}
        return {
            str(t.get("Key")): str(t.get("Value"))
            for t in raw
            if isinstance(t, Mapping) and isinstance(t.get("Key"), str)
        }

    def lifecycle(self, runtime: str) -> runtimes.RuntimeLifecycle | None:
        """A runtime's lifecycle under the runtime policy in force (cfn-lint's dates and
        the organization's overrides)."""
        return (self.runtime_policy or runtimes.policy()).lifecycle(runtime)

    @property
    def criticality(self) -> Criticality:
        """The ``criticality`` tag's tier; STANDARD when untagged or unknown."""
        return Criticality.parse(self.tags.get("criticality", "")) or Criticality.STANDARD

    def setting(self, *path: str) -> Any:
        """A nested property (``setting("LoggingConfig", "LogFormat")``), or None."""
        value: Any = self.properties
        for key in path:
            value = value.get(key) if isinstance(value, Mapping) else None
        return value

    def resource(self, logical_id: str) -> Mapping[str, Any] | None:
        found = (self.template.get("Resources") or {}).get(logical_id)
        return found if isinstance(found, Mapping) else None

    def referenced(self, value: Any, *types: str) -> tuple[str, Mapping[str, Any]] | None:
        """The resource a ``Ref``/``Fn::GetAtt`` value points at, if it is in this
        template and of one of ``types``; None otherwise (imported, literal, ...)."""
        target = reference_target(value)
        if target is None:
            return None
        found = self.resource(target)
        if found is None or (types and found.get("Type") not in types):
            return None
        return target, found


@dataclass(frozen=True)
class Finding:
    """A non-compliant result: ``detail`` is appended to the rule's info."""

    detail: str = ""


Check = Callable[[ResourceView], Finding | None]


@dataclass(frozen=True)
class GuardrailRule:
    """One rule of the PavedRoad pack.

    ``rule_id`` is the suffix after ``PavedRoad-``; ``resource_types`` are the
    CloudFormation types it inspects (the pack dispatches on type first);
    ``check`` returns a Finding when the resource is non-compliant.
    """

    rule_id: str
    level: NagMessageLevel
    resource_types: tuple[str, ...]
    info: str
    explanation: str
    fix: str
    check: Check = field(compare=False)

    @property
    def full_id(self) -> str:
        return f"PavedRoad-{self.rule_id}"

    @property
    def level_name(self) -> str:
        return "Error" if self.level == NagMessageLevel.ERROR else "Warning"


def number(value: Any, default: float | None = None) -> float | None:
    """A literal CloudFormation number (int or numeric string), else ``default``;
    None when the value is an intrinsic (not known at synth)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None
