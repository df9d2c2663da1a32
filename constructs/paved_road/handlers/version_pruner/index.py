"""Deletes the old published versions of Lambda functions, on a schedule.

Entry point: ``index.handler``. This directory is shipped as a CDK asset and runs on the
AWS Lambda Python runtime with the AWS-managed Powertools for AWS Lambda (Python) layer, so
this module imports only the standard library, ``boto3`` and ``aws_lambda_powertools``.

Why
    Every published version keeps its own copy of the deployment package, and the code
    storage of a Region (75 GB by default) is shared by all functions and layers of the
    account. Functions that publish a version on every deployment (aliases, CodeDeploy
    canaries) pile up versions that nothing invokes any more.

What is kept (:func:`prune`)
    * the ``keep`` highest-numbered published versions (numeric order: 10 is newer than 9);
    * in addition, every version an alias routes to: its ``FunctionVersion`` and the
      versions of its ``RoutingConfig.AdditionalVersionWeights`` (during a canary an alias
      is weighted across two versions, and a rollback needs the old one);
    * ``$LATEST`` (it is not a published version).

    Every other version is deleted (``DeleteFunction`` with ``Qualifier``), one at a time.
    A ``ResourceConflictException`` (say, an alias moved onto the version after it was
    listed) or a ``TooManyRequestsException`` left after the client's retries is recorded
    for that version and the others go on; the next run tries again. A
    ``ResourceNotFoundException`` means the version is already gone: it counts as deleted.
    Any other error stops the pruning of that function.

Environment variables
    ``FUNCTION_NAMES`` (required unless the event gives ``functions``)
        JSON list of the functions to prune: names, ARNs or partial ARNs, unqualified, in
        the account and Region of the pruner (where Lambda lets it manage versions); an
        item may be ``{"function": name, "keep": N}`` to give that function its own count
        (paved-road's construct writes every function that way).
    ``KEEP_VERSIONS`` (default 3)
        How many of the newest versions to keep, at least 1, for functions listed
        without their own count.
    ``DRY_RUN`` (``true`` / ``false``, default ``false``)
        Log (and return) what would be deleted, delete nothing.
    ``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE`` (default
    ``PavedRoad/VersionPruner``)...
        Read by Powertools; set by the infrastructure.

Manual runs
    Any event without ``detail-type`` (the EventBridge schedule sends one, and is then
    ignored) may override the environment with ``{"functions": [...], "keep": N,
    "dry_run": true}``, each key optional; any other key is rejected, so that a typo in
    ``dry_run`` cannot turn a dry run into a real one. Without ``keep``, each function
    keeps its configured count; with it, every function of the run keeps ``N``.

Output
    One log line per function (``Versions pruned``, or ``Version pruning failed``), the
    metrics ``VersionsDeleted`` and ``VersionDeletesFailed`` (Count, no dimension; 0 in a
    dry run) and a JSON summary as the return value. If the versions of a function could
    not be listed or an unexpected error stopped its pruning, the other functions are
    still pruned, then :class:`PruningFailedError` is raised so that the invocation counts
    as an error. Pruning again is harmless: it only deletes what is left to delete.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

DEFAULT_KEEP = 3
DEFAULT_NAMESPACE = "PavedRoad/VersionPruner"
RETRIED_LATER = frozenset({"ResourceConflictException", "TooManyRequestsException"})
"""DeleteFunction error codes recorded for the version, the other versions going on."""
ALREADY_GONE = "ResourceNotFoundException"
EVENT_KEYS = frozenset({"functions", "keep", "dry_run"})
FUNCTION_ARN = re.compile(
    r"(?:arn:[a-z-]+:lambda:(?P<region>[a-z0-9-]+):)?(?P<account>\d{12}):function:(?P<name>[^:]+)"
)
"""An unqualified function ARN, or partial ARN (``123456789012:function:name``)."""

logger = Logger()
# service="": no default ``service`` dimension, so both metrics are dimension-free.
metrics = Metrics(
    namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or DEFAULT_NAMESPACE, service=""
)


class ConfigurationError(ValueError):
    """The environment or the event asks for something the pruner will not do."""


class PruningFailedError(RuntimeError):
    """The versions of some functions could not be pruned (the others were)."""


@dataclass(frozen=True)
class PruneResult:
    """What :func:`prune` did with each published version of ``function``.

    Every published version is in exactly one of ``kept`` (among the newest),
    ``protected`` (older, but an alias routes to it), ``deleted`` (in a dry run: would be
    deleted) or ``failed`` (version -> error code). Versions are in ascending order.
    """

    function: str
    kept: tuple[str, ...]
    protected: tuple[str, ...]
    deleted: tuple[str, ...]
    failed: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable copy."""
        return {
            "function": self.function,
            "kept": list(self.kept),
            "protected": list(self.protected),
            "deleted": list(self.deleted),
            "failed": dict(self.failed),
            "dry_run": self.dry_run,
        }


def check_keep(keep: object) -> int:
    """``keep`` if it is an integer >= 1, else :class:`ConfigurationError`."""
    if isinstance(keep, bool) or not isinstance(keep, int) or keep < 1:
        raise ConfigurationError(f"keep must be an integer >= 1, got {keep!r}")
    return keep


def published_versions(client: Any, function_name: str) -> list[str]:
    """Every published version of the function (``$LATEST`` excluded), oldest first."""
    versions = [
        version["Version"]
        for page in client.get_paginator("list_versions_by_function").paginate(
            FunctionName=function_name
        )
        for version in page.get("Versions", [])
    ]
    return sorted((v for v in versions if v.isdigit()), key=int)


def aliased_versions(client: Any, function_name: str) -> set[str]:
    """The versions an alias routes to, canary weights included."""
    routed: set[str] = set()
    for page in client.get_paginator("list_aliases").paginate(FunctionName=function_name):
        for alias in page.get("Aliases", []):
            routed.add(alias["FunctionVersion"])
            weights = alias.get("RoutingConfig", {}).get("AdditionalVersionWeights", {})
            routed.update(weights)
    return routed


def target_name(client: Any, function_name: str) -> str:
    """The name of the function that ``function_name`` (a name or an ARN) designates.

    Lambda only manages the versions of a function in the account and Region of the
    caller, where a function name is unique: the ARN of a function of another Region is
    rejected here (:func:`handler` also checks the account, against its own). The name,
    not the ARN, is passed on: moto (the tests) resolves no ARN in ListVersionsByFunction
    nor in ListAliases.
    """
    arn = FUNCTION_ARN.fullmatch(function_name)
    if arn is None:
        return function_name
    region = getattr(getattr(client, "meta", None), "region_name", None)
    if arn["region"] is not None and region is not None and arn["region"] != region:
        raise ConfigurationError(f"{function_name} is not in the Region {region}")
    return arn["name"]


def prune(client: Any, function_name: str, keep: int, *, dry_run: bool = False) -> PruneResult:
    """Delete the published versions of ``function_name`` (a name or an ARN) but the
    ``keep`` newest and the ones an alias routes to. ``client`` is a boto3 Lambda client."""
    keep = check_keep(keep)
    name = target_name(client, function_name)
    versions = published_versions(client, name)
    routed = aliased_versions(client, name)
    older = versions[:-keep]
    protected = [v for v in older if v in routed]
    deleted: list[str] = []
    failed: dict[str, str] = {}
    for version in (v for v in older if v not in routed):
        if not dry_run:
            try:
                client.delete_function(FunctionName=name, Qualifier=version)
            except ClientError as error:
                code = error.response.get("Error", {}).get("Code", "")
                if code in RETRIED_LATER:
                    failed[version] = code
                    continue
                if code != ALREADY_GONE:
                    raise
        deleted.append(version)
    return PruneResult(
        function=function_name,
        kept=tuple(versions[-keep:]),
        protected=tuple(protected),
        deleted=tuple(deleted),
        failed=failed,
        dry_run=dry_run,
    )


def check_function_names(value: object, source: str) -> list[str]:
    """A list of unqualified function names or ARNs, duplicates removed."""
    return list(check_functions(value, source))


def check_functions(value: object, source: str) -> dict[str, int | None]:
    """Function -> its own keep count (None: the run's ``keep``), from a list of names or
    ARNs and/or ``{"function": name, "keep": N}`` objects; duplicates removed."""
    if not isinstance(value, list):
        raise ConfigurationError(f"{source} must be a list of function names or ARNs")
    entries: dict[str, int | None] = {}
    for item in value:
        if isinstance(item, dict) and set(item) <= {"function", "keep"} and "function" in item:
            name, keep = item["function"], check_keep(item["keep"]) if "keep" in item else None
        else:
            name, keep = item, None
        if not isinstance(name, str) or not name.strip():
            raise ConfigurationError(
                f"{source} must be a list of function names or ARNs (or "
                '{"function": name, "keep": N} objects)'
            )
        entries.setdefault(name.strip(), keep)
    names = list(entries)
    qualified = [n for n in names if ":" in n and not FUNCTION_ARN.fullmatch(n)]
    if qualified:
        raise ConfigurationError(
            f"{source} must name functions (names or unqualified ARNs), not versions or "
            f"aliases: {', '.join(qualified)}"
        )
    return entries


@dataclass(frozen=True)
class Settings:
    """What one invocation prunes."""

    functions: list[str]
    keep: int
    dry_run: bool
    keeps: Mapping[str, int] = field(default_factory=dict)
    """Per-function keep counts (``FUNCTION_NAMES`` objects); ``keep`` for the others."""

    def keep_for(self, function: str) -> int:
        return self.keeps.get(function, self.keep)

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any]) -> Settings:
        """The environment, each key of ``overrides`` (a manual event) replacing it."""
        configured: dict[str, int | None] = {}
        raw = os.environ.get("FUNCTION_NAMES", "").strip()
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                raise ConfigurationError("FUNCTION_NAMES must be a JSON list") from None
            configured = check_functions(parsed, "FUNCTION_NAMES")
        if "functions" in overrides:
            given = check_functions(overrides["functions"], '"functions"')
            # a function named by the event keeps its configured count unless it says one
            chosen = {n: k if k is not None else configured.get(n) for n, k in given.items()}
        elif raw:
            chosen = configured
        else:
            raise ConfigurationError("FUNCTION_NAMES is not set")
        functions = list(chosen)

        if "keep" in overrides:
            keep = check_keep(overrides["keep"])
        else:
            raw = os.environ.get("KEEP_VERSIONS", "").strip()
            try:
                keep = int(raw) if raw else DEFAULT_KEEP
            except ValueError:
                raise ConfigurationError(f"KEEP_VERSIONS must be an integer, got {raw!r}") from None
            keep = check_keep(keep)

        if "dry_run" in overrides:
            dry_run = overrides["dry_run"]
            if not isinstance(dry_run, bool):
                raise ConfigurationError(f'"dry_run" must be true or false, got {dry_run!r}')
        else:
            raw = os.environ.get("DRY_RUN", "").strip().lower() or "false"
            if raw not in ("true", "false"):
                raise ConfigurationError(f"DRY_RUN must be true or false, got {raw!r}")
            dry_run = raw == "true"
        # an event's "keep" applies to every function; otherwise each keeps its own count
        keeps = {} if "keep" in overrides else {n: k for n, k in chosen.items() if k is not None}
        return cls(functions=functions, keep=keep, dry_run=dry_run, keeps=keeps)


def event_overrides(event: object) -> Mapping[str, Any]:
    """The overrides of a manual event; none for an EventBridge (scheduled) event."""
    if event is None or (isinstance(event, dict) and "detail-type" in event):
        return {}
    if not isinstance(event, dict):
        raise ConfigurationError("the event must be a JSON object")
    unknown = sorted(set(event) - EVENT_KEYS)
    if unknown:
        raise ConfigurationError(
            f"unknown event key(s) {', '.join(unknown)}; expected {', '.join(sorted(EVENT_KEYS))}"
        )
    return event


def check_local(functions: list[str], own_arn: str) -> None:
    """Reject the ARNs of functions outside the account and Region of ``own_arn`` (the
    pruner's): Lambda only lets a caller manage versions there."""
    region, account = own_arn.split(":")[3:5]
    foreign = [
        name
        for name in functions
        if (arn := FUNCTION_ARN.fullmatch(name))
        and (arn["account"] != account or arn["region"] not in (None, region))
    ]
    if foreign:
        raise ConfigurationError(
            f"not functions of the account {account} in {region}: {', '.join(foreign)}"
        )


@functools.cache
def lambda_client() -> Any:
    """The Lambda client, created on first use (nothing touches AWS at import time)."""
    return boto3.client("lambda", config=Config(retries={"mode": "standard", "max_attempts": 5}))


@logger.inject_lambda_context(log_event=False)
@metrics.log_metrics(raise_on_empty_metrics=False)
def handler(event: dict[str, Any] | None, context: LambdaContext) -> dict[str, Any]:
    """Prune every configured function; return the summary of the run."""
    settings = Settings.from_env(event_overrides(event))
    check_local(settings.functions, context.invoked_function_arn)
    results: list[PruneResult] = []
    errors: dict[str, str] = {}
    for name in settings.functions:
        try:
            result = prune(lambda_client(), name, settings.keep_for(name), dry_run=settings.dry_run)
        except (ClientError, BotoCoreError) as error:
            code = (
                error.response.get("Error", {}).get("Code", "")
                if isinstance(error, ClientError)
                else type(error).__name__
            )
            errors[name] = code
            logger.exception("Version pruning failed", extra={"function": name, "error_code": code})
            continue
        results.append(result)
        log = logger.warning if result.failed else logger.info
        log("Versions pruned", extra={**result.as_dict(), "keep": settings.keep_for(name)})

    deleted = 0 if settings.dry_run else sum(len(r.deleted) for r in results)
    failed = sum(len(r.failed) for r in results)
    metrics.add_metric(name="VersionsDeleted", unit=MetricUnit.Count, value=deleted)
    metrics.add_metric(name="VersionDeletesFailed", unit=MetricUnit.Count, value=failed)
    if errors:
        raise PruningFailedError(
            "could not prune "
            + ", ".join(f"{name} ({code})" for name, code in errors.items())
            + f"; {deleted} version(s) deleted from the other functions"
        )
    return {
        "dry_run": settings.dry_run,
        "keep": settings.keep,
        "versions_deleted": deleted,
        "versions_failed": failed,
        "functions": [r.as_dict() for r in results],
    }
