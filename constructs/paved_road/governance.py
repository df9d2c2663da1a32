"""The criticality matrix: what a function's :class:`Criticality` decides, as data.

One table drives every governed function unless a prop overrides it (the seeds'
"runtime management strategy matrix", AWS re:Post "Managing runtime updates at
scale for Lambda"):

============================  =======================  =====================  =============
\\                             CRITICAL                 IMPORTANT              STANDARD
============================  =======================  =====================  =============
runtime management mode       Manual (pinned runtime   FunctionUpdate         Auto
                              version ARN input)
deployment                    canary 10 % then 100 %   linear 10 % steps      all at once
rollback alarms               errors > baseline +50 %,  same                   errors only
                              duration p99 over limit
deprecation horizon           180 days                 90 days                30 days
============================  =======================  =====================  =============

The table is :data:`DEFAULT_MATRIX`. An organization replaces it with its own, in
code (``use_matrix(app, my_matrix)`` before adding stacks) or as data: the CDK
context key ``paved-road:criticality-matrix`` (in ``cdk.json`` or ``--context``)
holds either the matrix itself (the shape of :meth:`CriticalityMatrix.to_dict`) or
the path of a JSON/YAML file with it. Tiers or keys left out keep the default's
values. The guardrail pack reads the same context, so a replaced matrix moves the
deprecation horizons of ``PavedRoad-LambdaRuntimeHorizon`` too.

This module imports no aws-cdk-lib (the CLI uses it); construct-side helpers take
any construct (``scope.node``).
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from paved_road.errors import PavedRoadError

MATRIX_CONTEXT = "paved-road:criticality-matrix"
"""CDK context key: a matrix (mapping) or the path of a JSON/YAML file holding one."""


class Criticality(enum.Enum):
    """How much a function matters; its row of the :class:`CriticalityMatrix` decides
    runtime management, deployment, rollback alarms and the deprecation horizon."""

    CRITICAL = "CRITICAL"
    IMPORTANT = "IMPORTANT"
    STANDARD = "STANDARD"

    @property
    def deprecation_horizon_days(self) -> int:
        """Days before a runtime's deprecation date from which the guardrails warn
        (from :data:`DEFAULT_MATRIX`; a replaced matrix: ``matrix.tier(c)``)."""
        return DEFAULT_MATRIX.tier(self).deprecation_horizon_days

    @classmethod
    def parse(cls, value: str) -> Criticality | None:
        try:
            return cls(value.upper())
        except ValueError:
            return None


class RuntimeManagement(enum.Enum):
    """Lambda runtime management modes (``RuntimeManagementConfig.UpdateRuntimeOn``):
    https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"""

    AUTO = "Auto"
    """Lambda applies runtime patches on its own schedule."""
    FUNCTION_UPDATE = "FunctionUpdate"
    """Runtime patches are applied when the function is next updated (a deploy)."""
    MANUAL = "Manual"
    """The function stays on a pinned runtime version ARN until the ARN changes."""


class ShiftKind(enum.Enum):
    """How CodeDeploy moves the ``live`` alias to a new version."""

    CANARY = "canary"
    LINEAR = "linear"
    ALL_AT_ONCE = "all-at-once"
    NONE = "none"
    """No deployment group (and so no rollback alarms or hooks): CloudFormation moves the
    alias at deploy time."""


_PREDEFINED = {
    (ShiftKind.CANARY, 10, 5): "CANARY_10_PERCENT_5_MINUTES",
    (ShiftKind.CANARY, 10, 10): "CANARY_10_PERCENT_10_MINUTES",
    (ShiftKind.CANARY, 10, 15): "CANARY_10_PERCENT_15_MINUTES",
    (ShiftKind.CANARY, 10, 30): "CANARY_10_PERCENT_30_MINUTES",
    (ShiftKind.LINEAR, 10, 1): "LINEAR_10_PERCENT_EVERY_1_MINUTE",
    (ShiftKind.LINEAR, 10, 2): "LINEAR_10_PERCENT_EVERY_2_MINUTES",
    (ShiftKind.LINEAR, 10, 3): "LINEAR_10_PERCENT_EVERY_3_MINUTES",
    (ShiftKind.LINEAR, 10, 10): "LINEAR_10_PERCENT_EVERY_10_MINUTES",
}


@dataclass(frozen=True)
class TrafficShift:
    """A CodeDeploy traffic-shifting plan for the ``live`` alias.

    ``percentage`` is the canary's first share or each linear step (1-99);
    ``interval_minutes`` is how long the canary bakes before 100 %, or the time
    between linear steps (1-2880, CodeDeploy's limit). Plans matching a CodeDeploy
    predefined configuration use it (``CodeDeployDefault.LambdaCanary10Percent5Minutes``
    ...); others create a custom deployment configuration.
    """

    kind: ShiftKind
    percentage: int = 10
    interval_minutes: int = 0

    @classmethod
    def canary(cls, percentage: int = 10, minutes: int = 10) -> TrafficShift:
        return cls(ShiftKind.CANARY, percentage, minutes)

    @classmethod
    def linear(cls, percentage: int = 10, every_minutes: int = 1) -> TrafficShift:
        return cls(ShiftKind.LINEAR, percentage, every_minutes)

    @classmethod
    def all_at_once(cls) -> TrafficShift:
        return cls(ShiftKind.ALL_AT_ONCE, 100, 0)

    @classmethod
    def none(cls) -> TrafficShift:
        """No CodeDeploy deployment group (no automatic rollback)."""
        return cls(ShiftKind.NONE, 100, 0)

    @property
    def predefined(self) -> str | None:
        """The ``aws_codedeploy.LambdaDeploymentConfig`` constant name, if one matches."""
        if self.kind is ShiftKind.ALL_AT_ONCE:
            return "ALL_AT_ONCE"
        return _PREDEFINED.get((self.kind, self.percentage, self.interval_minutes))

    def problems(self) -> list[str]:
        """What is wrong with this plan (empty when valid)."""
        if not isinstance(self.kind, ShiftKind):
            return [f"kind must be a ShiftKind member, got {self.kind!r}"]
        if self.kind in (ShiftKind.ALL_AT_ONCE, ShiftKind.NONE):
            return []
        found = [
            f"{name} must be a whole number, got {value!r}"
            for name, value in (
                ("percentage", self.percentage),
                ("interval_minutes", self.interval_minutes),
            )
            if isinstance(value, bool) or not isinstance(value, int)
        ]
        if found:
            return found
        if not 1 <= self.percentage <= 99:
            found.append(f"percentage must be between 1 and 99, got {self.percentage}")
        if not 1 <= self.interval_minutes <= 2880:
            found.append(
                f"interval_minutes must be between 1 and 2880, got {self.interval_minutes}"
            )
        return found

    def describe(self) -> str:
        if self.kind is ShiftKind.CANARY:
            return f"canary {self.percentage} % for {self.interval_minutes} min, then 100 %"
        if self.kind is ShiftKind.LINEAR:
            return f"linear {self.percentage} % every {self.interval_minutes} min"
        if self.kind is ShiftKind.ALL_AT_ONCE:
            return "all at once"
        return "none (no deployment group)"


@dataclass(frozen=True)
class RollbackAlarms:
    """The alarms on the ``live`` alias that roll a deployment back.

    * errors: the alias's error rate (``100 * Errors / Invocations``, 1-minute periods,
      2 of 3 breaching) above ``error_rate_baseline_percent`` raised by
      ``error_rate_increase_percent`` (baseline 1 % + 50 % = 1.5 %);
    * duration: the alias's p99 ``Duration`` (2 of 3 minutes) above
      ``duration_limit_ratio`` of the function timeout, or the function's explicit
      ``duration_limit``.
    """

    errors: bool = True
    error_rate_baseline_percent: float = 1.0
    error_rate_increase_percent: float = 50.0
    duration_p99: bool = True
    duration_limit_ratio: float = 0.8

    @property
    def error_rate_threshold_percent(self) -> float:
        return self.error_rate_baseline_percent * (1 + self.error_rate_increase_percent / 100)

    def problems(self) -> list[str]:
        found = []
        if not 0 < self.error_rate_baseline_percent < 100:
            found.append(
                "error_rate_baseline_percent must be above 0 and below 100, got "
                f"{self.error_rate_baseline_percent}"
            )
        if not 0 <= self.error_rate_increase_percent <= 1000:
            found.append(
                "error_rate_increase_percent must be between 0 and 1000, got "
                f"{self.error_rate_increase_percent}"
            )
        if not 0 < self.duration_limit_ratio <= 1:
            found.append(
                f"duration_limit_ratio must be above 0 and at most 1, got "
                f"{self.duration_limit_ratio}"
            )
        return found

    def describe(self) -> str:
        parts = []
        if self.errors:
            parts.append(
                f"error rate > {self.error_rate_baseline_percent:g} % baseline "
                f"+ {self.error_rate_increase_percent:g} %"
            )
        if self.duration_p99:
            parts.append(f"duration p99 > {self.duration_limit_ratio:g} x timeout")
        return ", ".join(parts) or "none"


@dataclass(frozen=True)
class TierPolicy:
    """One column of the matrix: what a criticality decides."""

    runtime_management: RuntimeManagement
    deployment: TrafficShift
    rollback_alarms: RollbackAlarms
    deprecation_horizon_days: int

    def problems(self) -> list[str]:
        found = [f"deployment.{p}" for p in self.deployment.problems()]
        found += [f"rollback_alarms.{p}" for p in self.rollback_alarms.problems()]
        if not 0 <= self.deprecation_horizon_days <= 3650:
            found.append(
                "deprecation_horizon_days must be between 0 and 3650, got "
                f"{self.deprecation_horizon_days}"
            )
        return found


@dataclass(frozen=True)
class CriticalityMatrix:
    """The tier policies, one per :class:`Criticality`. Replace it as a whole
    (``CriticalityMatrix(critical=..., important=..., standard=...)``), change one
    tier (``DEFAULT_MATRIX.with_tier(Criticality.STANDARD, policy)``), or load it
    from data (:meth:`from_dict`)."""

    critical: TierPolicy
    important: TierPolicy
    standard: TierPolicy

    def __post_init__(self) -> None:
        found = [f"{c.value}.{p}" for c in Criticality for p in self.tier(c).problems()]
        if found:
            raise PavedRoadError(
                "CriticalityMatrix: " + "; ".join(found), [f"CriticalityMatrix: {p}" for p in found]
            )

    def tier(self, criticality: Criticality) -> TierPolicy:
        policy: TierPolicy = getattr(self, criticality.value.lower())
        return policy

    def with_tier(self, criticality: Criticality, policy: TierPolicy) -> CriticalityMatrix:
        return dataclasses.replace(self, **{criticality.value.lower(): policy})

    def to_dict(self) -> dict[str, Any]:
        """JSON-able data (the shape :meth:`from_dict` and the context key accept)."""
        out: dict[str, Any] = {}
        for c in Criticality:
            t = self.tier(c)
            out[c.value] = {
                "runtime_management": t.runtime_management.value,
                "deployment": {
                    "kind": t.deployment.kind.value,
                    "percentage": t.deployment.percentage,
                    "interval_minutes": t.deployment.interval_minutes,
                },
                "rollback_alarms": dataclasses.asdict(t.rollback_alarms),
                "deprecation_horizon_days": t.deprecation_horizon_days,
            }
        return out

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, base: CriticalityMatrix | None = None, source: str = ""
    ) -> CriticalityMatrix:
        """A matrix from data; tiers and keys left out keep ``base``'s values
        (default :data:`DEFAULT_MATRIX`). Bad data raises PavedRoadError naming the key."""
        base = base or DEFAULT_MATRIX
        where = f"criticality matrix{f' {source}' if source else ''}"
        if not isinstance(data, Mapping):
            raise PavedRoadError(f"{where}: must be a mapping of tiers, got {data!r}")
        tiers = {}
        errors: list[str] = []
        by_tier: dict[Criticality, Any] = {}
        for key, value in data.items():
            tier = Criticality.parse(str(key))
            if tier is None:
                errors.append(
                    f"{key!r} is not a tier (allowed: {', '.join(c.value for c in Criticality)})"
                )
            elif tier in by_tier:
                errors.append(f"{tier.value} is given twice (keys are case-insensitive)")
            else:
                by_tier[tier] = value
        for c in Criticality:
            raw = by_tier.get(c)
            try:
                tiers[c.value.lower()] = _tier_from(
                    {} if raw is None else raw, base.tier(c), c.value
                )
            except _DataError as exc:
                errors.append(str(exc))
        if errors:
            raise PavedRoadError(
                f"{where}: " + "; ".join(errors), [f"{where}: {e}" for e in errors]
            )
        try:
            return cls(**tiers)
        except PavedRoadError as exc:
            raise PavedRoadError(f"{where}: {exc}", exc.problems) from exc

    @classmethod
    def load(cls, path: str | Path) -> CriticalityMatrix:
        """A matrix from a JSON or YAML file (by extension)."""
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise PavedRoadError(f"criticality matrix {file}: cannot be read ({exc})") from exc
        is_yaml = file.suffix.lower() in (".yaml", ".yml")
        try:
            if is_yaml:
                import yaml  # type: ignore[import-untyped,unused-ignore]

                data = yaml.safe_load(text)
            else:
                data = json.loads(text)
        except Exception as exc:  # yaml.YAMLError, json.JSONDecodeError
            raise PavedRoadError(
                f"criticality matrix {file}: not valid {'YAML' if is_yaml else 'JSON'} ({exc})"
            ) from exc
        return cls.from_dict(data, source=str(file))

    def markdown(self) -> str:
        """The matrix as a Markdown table (docs/runtime_governance.md embeds the default
        one; a test keeps the page and :data:`DEFAULT_MATRIX` in step)."""
        tiers = [self.tier(c) for c in Criticality]
        rows = [
            "| | " + " | ".join(c.value for c in Criticality) + " |",
            "|---|" + "---|" * len(tiers),
            "| runtime management mode | "
            + " | ".join(
                t.runtime_management.value
                + (
                    " (pinned runtime version ARN input)"
                    if t.runtime_management is RuntimeManagement.MANUAL
                    else ""
                )
                for t in tiers
            )
            + " |",
            "| deployment | " + " | ".join(t.deployment.describe() for t in tiers) + " |",
            "| rollback alarms | " + " | ".join(t.rollback_alarms.describe() for t in tiers) + " |",
            "| deprecation horizon (guardrail warning) | "
            + " | ".join(f"{t.deprecation_horizon_days} days" for t in tiers)
            + " |",
        ]
        return "\n".join(rows) + "\n"


class _DataError(ValueError):
    pass


def _tier_from(raw: Any, base: TierPolicy, tier: str) -> TierPolicy:
    if not isinstance(raw, Mapping):
        raise _DataError(f"{tier} must be a mapping, got {raw!r}")
    allowed = {f.name for f in dataclasses.fields(TierPolicy)}
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise _DataError(f"{tier}: unknown keys {unknown} (allowed: {sorted(allowed)})")
    mode = base.runtime_management
    if "runtime_management" in raw:
        try:
            mode = RuntimeManagement(raw["runtime_management"])
        except ValueError:
            raise _DataError(
                f"{tier}.runtime_management must be one of "
                f"{[m.value for m in RuntimeManagement]}, got {raw['runtime_management']!r}"
            ) from None
    deployment = base.deployment
    if "deployment" in raw:
        dep = raw["deployment"]
        if not isinstance(dep, Mapping):
            raise _DataError(f"{tier}.deployment must be a mapping, got {dep!r}")
        unknown = sorted(set(dep) - {"kind", "percentage", "interval_minutes"})
        if unknown:
            raise _DataError(
                f"{tier}.deployment: unknown keys {unknown} "
                "(allowed: ['interval_minutes', 'kind', 'percentage'])"
            )
        try:
            kind = ShiftKind(dep.get("kind", deployment.kind.value))
        except ValueError:
            raise _DataError(
                f"{tier}.deployment.kind must be one of {[k.value for k in ShiftKind]}, "
                f"got {dep.get('kind')!r}"
            ) from None
        # a new kind starts from that kind's defaults, not the base tier's numbers
        start = deployment if kind is deployment.kind else _KIND_DEFAULTS[kind]
        deployment = TrafficShift(
            kind,
            _int(dep, "percentage", start.percentage, f"{tier}.deployment"),
            _int(dep, "interval_minutes", start.interval_minutes, f"{tier}.deployment"),
        )
    alarms = base.rollback_alarms
    if "rollback_alarms" in raw:
        ra = raw["rollback_alarms"]
        fields = {f.name: f for f in dataclasses.fields(RollbackAlarms)}
        if not isinstance(ra, Mapping) or set(ra) - set(fields):
            raise _DataError(
                f"{tier}.rollback_alarms must be a mapping with keys {sorted(fields)}, got {ra!r}"
            )
        values = dataclasses.asdict(alarms)
        for key, value in ra.items():
            expected = bool if isinstance(values[key], bool) else (int, float)
            if isinstance(value, bool) is not (expected is bool) or not isinstance(value, expected):
                raise _DataError(
                    f"{tier}.rollback_alarms.{key} must be a "
                    f"{'boolean' if expected is bool else 'number'}, got {value!r}"
                )
            values[key] = value
        alarms = RollbackAlarms(**values)
    horizon = _int(raw, "deprecation_horizon_days", base.deprecation_horizon_days, tier)
    return TierPolicy(mode, deployment, alarms, horizon)


def _int(raw: Mapping[str, Any], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _DataError(f"{where}.{key} must be an integer, got {value!r}")
    return value


_KIND_DEFAULTS = {
    ShiftKind.CANARY: TrafficShift.canary(),
    ShiftKind.LINEAR: TrafficShift.linear(),
    ShiftKind.ALL_AT_ONCE: TrafficShift.all_at_once(),
    ShiftKind.NONE: TrafficShift.none(),
}


DEFAULT_MATRIX = CriticalityMatrix(
    critical=TierPolicy(
        runtime_management=RuntimeManagement.MANUAL,
        deployment=TrafficShift.canary(10, 10),
        rollback_alarms=RollbackAlarms(errors=True, duration_p99=True),
        deprecation_horizon_days=180,
    ),
    important=TierPolicy(
        runtime_management=RuntimeManagement.FUNCTION_UPDATE,
        deployment=TrafficShift.linear(10, 1),
        rollback_alarms=RollbackAlarms(errors=True, duration_p99=True),
        deprecation_horizon_days=90,
    ),
    standard=TierPolicy(
        runtime_management=RuntimeManagement.AUTO,
        deployment=TrafficShift.all_at_once(),
        rollback_alarms=RollbackAlarms(errors=True, duration_p99=False),
        deprecation_horizon_days=30,
    ),
)
"""paved-road's matrix (module docstring). Deployments: CRITICAL shifts 10 % for 10
minutes, then the rest (CodeDeploy ``LambdaCanary10Percent10Minutes``); IMPORTANT 10 %
more every minute (``LambdaLinear10PercentEvery1Minute``); STANDARD at once
(``LambdaAllAtOnce``: alarms still roll back during the post-traffic hook)."""


class _Node(Protocol):
    def try_get_context(self, key: str) -> Any: ...
    def set_context(self, key: str, value: Any) -> None: ...


class _Scope(Protocol):
    @property
    def node(self) -> _Node: ...


def use_matrix(scope: _Scope, matrix: CriticalityMatrix) -> None:
    """Make ``matrix`` the matrix of everything under ``scope`` (an App or Stage; call
    it before adding children, CDK context cannot change afterwards)."""
    scope.node.set_context(MATRIX_CONTEXT, matrix.to_dict())


def matrix_of(scope: _Scope) -> CriticalityMatrix:
    """The matrix in force at ``scope``: the ``paved-road:criticality-matrix`` context
    (a mapping, or a JSON/YAML file path), else :data:`DEFAULT_MATRIX`."""
    value = scope.node.try_get_context(MATRIX_CONTEXT)
    return matrix_from_context(value)


def matrix_from_context(value: Any) -> CriticalityMatrix:
    if value is None:
        return DEFAULT_MATRIX
    if isinstance(value, str) and value.lstrip().startswith("{"):
        # `cdk synth --context key={...}` passes the matrix as a JSON string
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise PavedRoadError(
                f"context {MATRIX_CONTEXT}: an inline matrix must be JSON ({exc})"
            ) from exc
        return CriticalityMatrix.from_dict(parsed, source=f"(context {MATRIX_CONTEXT})")
    if isinstance(value, str):
        return _load_cached(value)
    if isinstance(value, Mapping):
        return CriticalityMatrix.from_dict(value, source=f"(context {MATRIX_CONTEXT})")
    raise PavedRoadError(
        f"context {MATRIX_CONTEXT} must be a mapping or a file path, got {value!r}"
    )


_LOADED: dict[tuple[str, float], CriticalityMatrix] = {}


def _load_cached(path: str) -> CriticalityMatrix:
    file = Path(path)
    try:
        key = (str(file.resolve()), file.stat().st_mtime)
    except OSError as exc:
        raise PavedRoadError(
            f"context {MATRIX_CONTEXT}: criticality matrix file {path} cannot be read ({exc})"
        ) from exc
    if key not in _LOADED:
        _LOADED[key] = CriticalityMatrix.load(file)
    return _LOADED[key]


def horizon_days(
    criticality: str | Criticality | None, matrix: CriticalityMatrix | None = None
) -> int:
    """The deprecation horizon of a tier (a ``criticality`` tag value; untagged or
    unknown values count as STANDARD)."""
    tier = (
        criticality
        if isinstance(criticality, Criticality)
        else Criticality.parse(criticality or "") or Criticality.STANDARD
    )
    return (matrix or DEFAULT_MATRIX).tier(tier).deprecation_horizon_days
