"""``paved-road runtimes inventory``: which Lambda functions to upgrade first, which to clean up.

Follows the three work streams of Zapier's runtime upgrade programme (AWS Architecture Blog,
"How Zapier runs isolated tasks on AWS Lambda and upgrades functions at scale"): take an
inventory, clean up what nobody uses or owns, then upgrade in priority order.

**Inventory** (per region, read-only):

* Lambda ``ListFunctions`` (paginated; ``FunctionVersion=ALL`` with ``--all-versions``,
  because published versions keep the runtime they were published with, see the Lambda
  Developer Guide, "Retrieve data about Lambda functions that use a deprecated runtime",
  https://docs.aws.amazon.com/lambda/latest/dg/runtimes-list-deprecated.html);
* tags from the Resource Groups Tagging API ``GetResources`` filtered to
  ``lambda:function`` (up to 100 functions per call, instead of one ``ListTags`` call per
  function). It only returns functions that have (or had) tags; the others have none;
* invocations from CloudWatch ``GetMetricData``: metric ``AWS/Lambda`` ``Invocations``,
  dimension ``FunctionName`` (all versions and aliases of the function together),
  statistic ``Sum``, period one day (86,400 s: a multiple of 3,600, so CloudWatch accepts it
  for data up to its 455-day retention), summed over the last ``--days`` days, up to 500
  queries per call and never more than 100,800 data points per call. With
  ``--all-versions`` every version of a function carries the function's count.

The runtime's phase, deprecation date, days left and successor come from
:mod:`paved_road.runtimes` (cfn-lint's lifecycle data, tightened by the organization's runtime
policy when one is active). Container-image functions have no managed runtime (``runtime``
None, phase ``unknown``); runtimes without lifecycle dates are ``unknown`` too (flag
``unknown-runtime``), unless the runtime policy's approved list leaves them out.

**Cleanup** (stream 1), one action per function:

* ``delete-candidate``: no invocation in the window (``unused``), with or without an owner;
* ``review``: invoked, but without the owner tag (``ownerless``): find an owner before
  anyone removes it.

A function created or first invoked less than ``--days`` ago can look unused: check
``last_modified`` before deleting.

**Upgrade order** (stream 2). A function needs an upgrade when its runtime's phase is
neither ``supported`` nor ``unknown`` (deprecated, blocked, not approved...), or when it is
supported but deprecated within ``--horizon`` days (default 180). Delete candidates are
left out (clean up first, upgrade less). The plan is ordered:

1. customer-facing first: tag ``criticality`` = ``CRITICAL`` or tag ``customer-facing`` =
   ``true``;
2. then backend: ``criticality`` = ``IMPORTANT``;
3. then the rest;

inside each group by invocations in the window, highest first; ties by function name, then
region, then version.

The module imports no aws-cdk-lib and makes no AWS client at import time.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from paved_road import runtimes
from paved_road._aws import client_error_text
from paved_road._help import int_range
from paved_road.runtimes import Phase

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_cloudwatch.client import CloudWatchClient
    from mypy_boto3_cloudwatch.type_defs import MetricDataQueryTypeDef
    from mypy_boto3_lambda.client import LambdaClient
    from mypy_boto3_resourcegroupstaggingapi.client import ResourceGroupsTaggingAPIClient

__all__ = [
    "CRITICALITY_TAG",
    "CUSTOMER_FACING_TAG",
    "DEFAULT_DAYS",
    "DEFAULT_HORIZON_DAYS",
    "DEFAULT_OWNER_TAG",
    "DELETE_CANDIDATE",
    "EXIT_ERROR",
    "EXIT_OK",
    "MAX_DAYS",
    "REVIEW",
    "FunctionRecord",
    "add_parser",
    "cleanup_candidates",
    "collect",
    "priority_group",
    "report",
    "run",
    "upgrade_plan",
]

EXIT_OK = 0
EXIT_ERROR = 2

DEFAULT_DAYS = 30
MAX_DAYS = 455
"""CloudWatch keeps hourly data points for 455 days (15 months)."""
DEFAULT_HORIZON_DAYS = 180
DEFAULT_OWNER_TAG = "owner"
CRITICALITY_TAG = "criticality"
"""Same key as :data:`paved_road.function.CRITICALITY_TAG` (not imported: that module loads
aws-cdk-lib)."""
CUSTOMER_FACING_TAG = "customer-facing"

DELETE_CANDIDATE = "delete-candidate"
REVIEW = "review"

FLAG_UNUSED = "unused"
FLAG_OWNERLESS = "ownerless"
FLAG_CONTAINER_IMAGE = "container-image"
FLAG_UNKNOWN_RUNTIME = "unknown-runtime"

GROUPS = ("customer-facing", "backend", "other")

_PROG = "paved-road"
_LATEST = "$LATEST"

_PERIOD_SECONDS = 86_400
_MAX_QUERIES_PER_CALL = 500
_MAX_DATAPOINTS_PER_CALL = 100_800
_TAGS_PER_PAGE = 100


@dataclass(frozen=True)
class FunctionRecord:
    """One Lambda function (or, with ``all_versions``, one version of it) in the inventory.

    ``version`` is None unless the inventory was taken with ``all_versions``; then it is
    ``$LATEST`` or the published version number. ``invocations`` is the function's total
    over the window (all versions and aliases). ``cleanup_action`` is ``delete-candidate``,
    ``review`` or None, with ``cleanup_reason`` saying why.
    """

    region: str
    name: str
    arn: str
    version: str | None
    runtime: str | None
    package_type: str
    phase: Phase
    deprecation_date: _dt.date | None
    days_left: int | None
    successor: str | None
    owner: str | None
    criticality: str | None
    customer_facing: bool
    invocations: int
    last_modified: str | None
    flags: tuple[str, ...]
    cleanup_action: str | None
    cleanup_reason: str | None

    @property
    def label(self) -> str:
        """``name``, or ``name:version`` for a record of one version."""
        return self.name if self.version is None else f"{self.name}:{self.version}"

    @property
    def group(self) -> str:
        """The upgrade priority group: ``customer-facing``, ``backend`` or ``other``."""
        return GROUPS[priority_group(self)]

    def needs_upgrade(self, horizon_days: int = DEFAULT_HORIZON_DAYS) -> bool:
        """True when the runtime is past ``supported`` (and known), or is deprecated within
        ``horizon_days`` days."""
        if self.phase is Phase.UNKNOWN:
            return False
        if self.phase is not Phase.SUPPORTED:
            return True
        return self.days_left is not None and self.days_left <= horizon_days

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ``YYYY-MM-DD``, phase as its value)."""
        return {
            "region": self.region,
            "function": self.name,
            "arn": self.arn,
            "version": self.version,
            "runtime": self.runtime,
            "package_type": self.package_type,
            "phase": self.phase.value,
            "deprecation_date": _iso(self.deprecation_date),
            "days_left": self.days_left,
            "successor": self.successor,
            "owner": self.owner,
            "criticality": self.criticality,
            "customer_facing": self.customer_facing,
            "priority_group": self.group,
            "invocations": self.invocations,
            "last_modified": self.last_modified,
            "flags": list(self.flags),
            "cleanup_action": self.cleanup_action,
            "cleanup_reason": self.cleanup_reason,
        }


def _iso(day: _dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


# --------------------------------------------------------------------------- ordering


def priority_group(record: FunctionRecord) -> int:
    """0 customer-facing (``CRITICAL`` or ``customer-facing=true``), 1 backend
    (``IMPORTANT``), 2 the rest."""
    if record.customer_facing or record.criticality == "CRITICAL":
        return 0
    if record.criticality == "IMPORTANT":
        return 1
    return 2


def _version_key(version: str | None) -> tuple[int, int, str]:
    if version is None or version == _LATEST:
        return (0, 0, "")
    return (1, int(version), "") if version.isdigit() else (2, 0, version)


def upgrade_plan(
    records: Iterable[FunctionRecord], *, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> list[FunctionRecord]:
    """The records that need a runtime upgrade and are not delete candidates, in upgrade
    order: customer-facing, backend, the rest; then invocations, highest first; then
    name, region, version."""
    due = [
        r for r in records if r.needs_upgrade(horizon_days) and r.cleanup_action != DELETE_CANDIDATE
    ]
    return sorted(
        due,
        key=lambda r: (
            priority_group(r),
            -r.invocations,
            r.name,
            r.region,
            _version_key(r.version),
        ),
    )


def cleanup_candidates(records: Iterable[FunctionRecord]) -> list[FunctionRecord]:
    """One record per function with a cleanup action (the ``$LATEST`` one when versions
    were listed): delete candidates first, then review; each by region and name."""
    chosen: dict[tuple[str, str], FunctionRecord] = {}
    for record in records:
        if record.cleanup_action is None:
            continue
        key = (record.region, record.name)
        current = chosen.get(key)
        if current is None or _version_key(record.version) < _version_key(current.version):
            chosen[key] = record
    order = {DELETE_CANDIDATE: 0, REVIEW: 1}
    return sorted(
        chosen.values(), key=lambda r: (order.get(r.cleanup_action or "", 2), r.region, r.name)
    )


# --------------------------------------------------------------------------- collection


def _unqualified(arn: str) -> str:
    """``arn:<p>:lambda:<region>:<account>:function:<name>`` without ``:<qualifier>``."""
    return ":".join(arn.split(":")[:7])


def _list_functions(client: LambdaClient, all_versions: bool) -> Iterator[Mapping[str, Any]]:
    paginator = client.get_paginator("list_functions")
    pages = paginator.paginate(FunctionVersion="ALL") if all_versions else paginator.paginate()
    for page in pages:
        yield from page.get("Functions", [])


def _function_tags(client: ResourceGroupsTaggingAPIClient) -> dict[str, dict[str, str]]:
    """Tags of every tagged Lambda function in the client's region, by unqualified ARN."""
    tags: dict[str, dict[str, str]] = {}
    paginator = client.get_paginator("get_resources")
    for page in paginator.paginate(
        ResourceTypeFilters=["lambda:function"], PaginationConfig={"PageSize": _TAGS_PER_PAGE}
    ):
        for mapping in page.get("ResourceTagMappingList", []):
            arn = mapping.get("ResourceARN")
            if arn:
                tags[_unqualified(arn)] = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
    return tags


def _window(now: _dt.datetime, days: int) -> tuple[_dt.datetime, _dt.datetime]:
    end = now.astimezone(_dt.UTC).replace(minute=0, second=0, microsecond=0)
    return end - _dt.timedelta(days=days), end


def _batches(names: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(names), size):
        yield names[start : start + size]


def _invocations(
    client: CloudWatchClient, names: Sequence[str], start: _dt.datetime, end: _dt.datetime
) -> dict[str, int]:
    """Invocations (Sum) per function name between ``start`` and ``end``."""
    days = max(1, round((end - start).total_seconds() / _PERIOD_SECONDS))
    batch_size = max(1, min(_MAX_QUERIES_PER_CALL, _MAX_DATAPOINTS_PER_CALL // (days + 1)))
    totals = dict.fromkeys(names, 0.0)
    paginator = client.get_paginator("get_metric_data")
    for batch in _batches(names, batch_size):
        ids = {f"m{i}": name for i, name in enumerate(batch)}
        queries: list[MetricDataQueryTypeDef] = [
            {
                "Id": query_id,
                "MetricStat": {
                    "Metric": {
                        "Namespace": "AWS/Lambda",
                        "MetricName": "Invocations",
                        "Dimensions": [{"Name": "FunctionName", "Value": name}],
                    },
                    "Period": _PERIOD_SECONDS,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
            for query_id, name in ids.items()
        ]
        for page in paginator.paginate(MetricDataQueries=queries, StartTime=start, EndTime=end):
            for result in page.get("MetricDataResults", []):
                name = ids.get(result.get("Id", ""))
                if name is not None:
                    totals[name] += sum(result.get("Values", []))
    return {name: round(value) for name, value in totals.items()}


def _tag(tags: Mapping[str, str], key: str) -> str | None:
    value = tags.get(key)
    return value.strip() if value and value.strip() else None


def _cleanup(
    invocations: int, owner: str | None, days: int, owner_tag: str
) -> tuple[tuple[str, ...], str | None, str | None]:
    flags: list[str] = []
    if invocations == 0:
        flags.append(FLAG_UNUSED)
    if owner is None:
        flags.append(FLAG_OWNERLESS)
    if invocations == 0:
        reason = f"no invocations in the last {days} days"
        if owner is None:
            reason += f" and no {owner_tag!r} tag"
        return tuple(flags), DELETE_CANDIDATE, reason
    if owner is None:
        return (
            tuple(flags),
            REVIEW,
            f"{invocations} invocations in the last {days} days but no {owner_tag!r} tag: "
            "find an owner before removing it",
        )
    return tuple(flags), None, None


def _record(
    region: str,
    function: Mapping[str, Any],
    *,
    tags: Mapping[str, str],
    invocations: int,
    today: _dt.date,
    days: int,
    owner_tag: str,
    all_versions: bool,
) -> FunctionRecord:
    runtime = function.get("Runtime") or None
    package_type = str(function.get("PackageType") or "Zip")
    entry = runtimes.lifecycle(runtime) if runtime else None
    # runtimes.phase also knows runtimes without dates that a runtime policy rejects
    phase = runtimes.phase(runtime, today) if runtime else Phase.UNKNOWN
    owner = _tag(tags, owner_tag)
    criticality = _tag(tags, CRITICALITY_TAG)
    customer_facing = (_tag(tags, CUSTOMER_FACING_TAG) or "").lower() == "true"
    flags, action, reason = _cleanup(invocations, owner, days, owner_tag)
    extra: list[str] = []
    if runtime is None:
        extra.append(FLAG_CONTAINER_IMAGE)
    elif entry is None:
        extra.append(FLAG_UNKNOWN_RUNTIME)
    return FunctionRecord(
        region=region,
        name=str(function["FunctionName"]),
        arn=str(function["FunctionArn"]),
        version=str(function.get("Version") or _LATEST) if all_versions else None,
        runtime=runtime,
        package_type=package_type,
        phase=phase,
        deprecation_date=None if entry is None else entry.deprecated,
        days_left=None if entry is None else entry.days_left(today),
        successor=None if entry is None else entry.successor,
        owner=owner,
        criticality=None if criticality is None else criticality.upper(),
        customer_facing=customer_facing,
        invocations=invocations,
        last_modified=function.get("LastModified"),
        flags=flags + tuple(extra),
        cleanup_action=action,
        cleanup_reason=reason,
    )


def collect(
    session: boto3.Session,
    regions: Sequence[str],
    *,
    days: int = DEFAULT_DAYS,
    today: _dt.date | None = None,
    owner_tag: str = DEFAULT_OWNER_TAG,
    all_versions: bool = False,
    now: _dt.datetime | None = None,
) -> list[FunctionRecord]:
    """The inventory of every Lambda function in ``regions``, sorted by region and name.

    ``days`` (1-455) is the invocation window, ending at the start of the current UTC hour
    (``now``, default the clock); ``today`` (default :func:`paved_road.runtimes.current_date`)
    dates the runtime phases. botocore errors (no credentials, access denied...) propagate.
    """
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be an integer from 1 to {MAX_DAYS}, got {days!r}")
    day = today or runtimes.current_date()
    start, end = _window(now or _dt.datetime.now(_dt.UTC), days)
    records: list[FunctionRecord] = []
    for region in regions:
        lambda_client = session.client("lambda", region_name=region)
        functions = list(_list_functions(lambda_client, all_versions))
        if not functions:
            continue
        tags = _function_tags(session.client("resourcegroupstaggingapi", region_name=region))
        names = sorted({str(f["FunctionName"]) for f in functions})
        counts = _invocations(session.client("cloudwatch", region_name=region), names, start, end)
        for function in functions:
            records.append(
                _record(
                    region,
                    function,
                    tags=tags.get(_unqualified(str(function["FunctionArn"])), {}),
                    invocations=counts.get(str(function["FunctionName"]), 0),
                    today=day,
                    days=days,
                    owner_tag=owner_tag,
                    all_versions=all_versions,
                )
            )
    return sorted(records, key=lambda r: (r.region, r.name, _version_key(r.version)))


# --------------------------------------------------------------------------- output


def report(
    records: Sequence[FunctionRecord],
    *,
    today: _dt.date,
    regions: Sequence[str],
    days: int = DEFAULT_DAYS,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
) -> dict[str, Any]:
    """The JSON document ``--format json`` prints."""
    plan = upgrade_plan(records, horizon_days=horizon_days)
    cleanup = cleanup_candidates(records)
    phases: dict[str, int] = {}
    for record in records:
        phases[record.phase.value] = phases.get(record.phase.value, 0) + 1
    return {
        "today": today.isoformat(),
        "regions": list(regions),
        "functions": [r.to_dict() for r in records],
        "upgrade_plan": [r.arn for r in plan],
        "cleanup": [
            {
                "region": r.region,
                "function": r.name,
                "arn": r.arn,
                "action": r.cleanup_action,
                "reason": r.cleanup_reason,
            }
            for r in cleanup
        ],
        "summary": {
            "functions": len({(r.region, r.name) for r in records}),
            "records": len(records),
            "window_days": days,
            "horizon_days": horizon_days,
            "needs_upgrade": len(plan),
            "delete_candidates": sum(r.cleanup_action == DELETE_CANDIDATE for r in cleanup),
            "review": sum(r.cleanup_action == REVIEW for r in cleanup),
            "by_phase": dict(sorted(phases.items())),
        },
    }


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    for cells in (headers, *rows):
        line = "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print(line.rstrip(), file=out)


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _criticality_cell(record: FunctionRecord) -> str:
    parts = [record.criticality] if record.criticality else []
    if record.customer_facing:
        parts.append(CUSTOMER_FACING_TAG)
    return ",".join(parts) or "-"


def _print_table(
    document: Mapping[str, Any], records: Sequence[FunctionRecord], out: TextIO
) -> None:
    by_arn = {r.arn: r for r in records}
    plan = [by_arn[arn] for arn in document["upgrade_plan"]]
    summary = document["summary"]
    print(
        f"Upgrade plan ({len(plan)}; runtime past supported, or deprecated within "
        f"{summary['horizon_days']} days; today {document['today']}):",
        file=out,
    )
    if plan:
        headers = (
            "RANK", "REGION", "FUNCTION", "RUNTIME", "PHASE", "DEPRECATION", "DAYS LEFT",
            "CRITICALITY", "OWNER", "INVOCATIONS",
        )  # fmt: skip
        rows = [
            (
                str(rank),
                r.region,
                r.label,
                _cell(r.runtime),
                r.phase.value,
                _cell(_iso(r.deprecation_date)),
                _cell(r.days_left),
                _criticality_cell(r),
                _cell(r.owner),
                str(r.invocations),
            )
            for rank, r in enumerate(plan, start=1)
        ]
        _table(headers, rows, out)
    else:
        print("  nothing to upgrade", file=out)
    print(file=out)
    cleanup = document["cleanup"]
    print(f"Cleanup candidates ({len(cleanup)}):", file=out)
    if cleanup:
        _table(
            ("REGION", "FUNCTION", "ACTION", "REASON"),
            [(c["region"], c["function"], c["action"], c["reason"]) for c in cleanup],
            out,
        )
    else:
        print("  none", file=out)
    print(file=out)
    phases = ", ".join(f"{count} {phase}" for phase, count in summary["by_phase"].items())
    print(
        f"Totals: {summary['functions']} functions in {', '.join(document['regions'])} "
        f"({phases or 'none'}); {summary['needs_upgrade']} to upgrade; "
        f"{summary['delete_candidates']} delete candidates, {summary['review']} to review "
        f"(invocations over the last {summary['window_days']} days).",
        file=out,
    )


# --------------------------------------------------------------------------- argparse


_ORDER_HELP = (
    "Upgrade order: functions whose runtime is past 'supported' (deprecated, blocked, not "
    "approved), or supported but deprecated within --horizon days, leaving out delete "
    "candidates; customer-facing first (tag criticality=CRITICAL or customer-facing=true), "
    "then backend (criticality=IMPORTANT), then the rest; inside each group by invocations, "
    "highest first; ties by name. Cleanup: no invocation in the window -> delete-candidate; "
    "invoked but no owner tag -> review."
)


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``inventory`` on the subparsers of the ``runtimes`` command (``func=run``)."""
    parser = subparsers.add_parser(
        "inventory",
        help="list Lambda functions by runtime lifecycle, with an upgrade plan and cleanup",
        description="Inventory the Lambda functions of one or more regions: runtime phase, "
        "owner and criticality tags, invocations. " + _ORDER_HELP,
    )
    parser.add_argument(
        "--regions",
        nargs="+",
        metavar="REGION",
        default=None,
        help="regions to inventory (default: the region of the AWS profile/environment)",
    )
    parser.add_argument(
        "--days",
        type=int_range(1, MAX_DAYS),
        default=DEFAULT_DAYS,
        metavar="N",
        help=f"invocation window in days, 1-{MAX_DAYS} (default: {DEFAULT_DAYS})",
    )
    parser.add_argument(
        "--owner-tag",
        default=DEFAULT_OWNER_TAG,
        metavar="KEY",
        help=f"tag key naming a function's owner (default: {DEFAULT_OWNER_TAG})",
    )
    parser.add_argument(
        "--horizon",
        type=int_range(0, None),
        default=DEFAULT_HORIZON_DAYS,
        metavar="DAYS",
        help="also upgrade supported runtimes deprecated within DAYS days "
        f"(default: {DEFAULT_HORIZON_DAYS})",
    )
    parser.add_argument(
        "--all-versions",
        action="store_true",
        help="list every published version too (they keep the runtime they were published "
        "with); invocations stay per function",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default: table)",
    )
    parser.add_argument("--profile", default=None, help="AWS profile (default: the SDK default)")
    parser.set_defaults(func=run)


# --------------------------------------------------------------------------- run


def run(
    args: argparse.Namespace,
    *,
    session: boto3.Session | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    now: _dt.datetime | None = None,
) -> int:
    """Run ``paved-road runtimes inventory``; return the exit code (0, or 2 on an error).

    ``session`` (default ``boto3.Session(profile_name=args.profile)``), ``out``/``err``
    (default stdout/stderr) and ``now`` are injectable for tests.
    """
    out = out or sys.stdout
    err = err or sys.stderr

    def fail(message: str) -> int:
        print(f"{_PROG}: {message}", file=err)
        return EXIT_ERROR

    try:
        today = runtimes.current_date()
        if session is None:
            import boto3  # here, so that importing this module stays cheap

            session = boto3.Session(profile_name=args.profile)
        regions = list(args.regions or ([session.region_name] if session.region_name else []))
        if not regions:
            return fail(
                "no AWS region: pass --regions, or set AWS_REGION or a region in the profile"
            )
        records = collect(
            session,
            regions,
            days=args.days,
            today=today,
            owner_tag=args.owner_tag,
            all_versions=args.all_versions,
            now=now,
        )
    except ValueError as exc:
        return fail(str(exc))
    except (ClientError, BotoCoreError) as exc:
        return fail(f"cannot read the Lambda inventory: {client_error_text(exc)}")
    document = report(
        records, today=today, regions=regions, days=args.days, horizon_days=args.horizon
    )
    if args.format == "json":
        json.dump(document, out, indent=2)
        out.write("\n")
    else:
        _print_table(document, records, out)
    return EXIT_OK
