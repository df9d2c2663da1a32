"""Tests for ``paved-road runtimes inventory`` (paved_road.inventory).

Lambda, the Resource Groups Tagging API and CloudWatch run on moto (``mock_aws``; moto's
Lambda mock lists, tags and versions functions without Docker: only invoking needs it).
Runtimes are picked from botocore's Lambda ``Runtime`` enum by their lifecycle on the
pinned ``TODAY``, never by hard-coded dates. The CloudWatch batching (500 queries and
100,800 data points per call, pagination) is checked on a recording fake, since moto
answers any batch in one page.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import itertools
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from paved_road import inventory, runtimes
from paved_road.inventory import (
    DELETE_CANDIDATE,
    EXIT_ERROR,
    EXIT_OK,
    REVIEW,
    FunctionRecord,
    cleanup_candidates,
    collect,
    upgrade_plan,
)
from paved_road.runtimes import Phase

TODAY = dt.date(2026, 11, 23)
HORIZON = inventory.DEFAULT_HORIZON_DAYS
EAST, WEST = "us-east-1", "eu-west-1"
IMAGE_URI = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:latest"


# --------------------------------------------------------------------------- runtimes


def _lambda_runtimes() -> list[str]:
    """Every runtime identifier the Lambda API (and so moto) knows."""
    model = botocore.session.get_session().get_service_model("lambda")
    return sorted(model.shape_for("Runtime").enum)


def _pick(predicate: Any, count: int = 1) -> list[str]:
    found = []
    for name in _lambda_runtimes():
        entry = runtimes.lifecycle(name)
        if entry is not None and predicate(entry):
            found.append(name)
    assert len(found) >= count, "the lifecycle data has no runtime for this test case"
    return found[:count]


# Past supported (deprecated or blocked) on TODAY: need an upgrade whatever the horizon.
OLD_A, OLD_B = _pick(lambda e: e.phase(TODAY) is not Phase.SUPPORTED, 2)
# Supported, deprecated within the default horizon.
(SOON,) = _pick(
    lambda e: e.phase(TODAY) is Phase.SUPPORTED and 1 <= (e.days_left(TODAY) or 0) <= HORIZON
)
# Supported beyond the horizon.
(FAR,) = _pick(lambda e: e.phase(TODAY) is Phase.SUPPORTED and (e.days_left(TODAY) or 0) > HORIZON)
UNKNOWN_RUNTIME = "cobol85"  # moto stores any runtime string; the lifecycle data has none


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", EAST)
    monkeypatch.setenv(runtimes.TODAY_ENV, TODAY.isoformat())
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class Fn:
    """A function of the test account: where, what, tags and seeded invocations."""

    region: str
    name: str
    runtime: str | None  # None: a container image
    tags: dict[str, str] = field(default_factory=dict)
    invocations: Sequence[float] = ()  # seeded inside the window (days ago: 1, 3, ...)
    old_invocations: float = 0  # seeded 40 days ago, outside a 30-day window


FLEET = [
    Fn(EAST, "search", OLD_A, {"owner": "web", "customer-facing": "TRUE"}, (300, 200)),
    Fn(EAST, "checkout", OLD_A, {"owner": "payments", "criticality": "critical"}, (50,)),
    Fn(WEST, "checkout", OLD_A, {"owner": "payments", "criticality": "CRITICAL"}, (20, 30)),
    Fn(EAST, "billing-sync", SOON, {"owner": "finance", "criticality": "IMPORTANT"}, (10_000,)),
    Fn(EAST, "orphan-api", OLD_B, {"criticality": "IMPORTANT"}, (40, 2)),
    Fn(EAST, "reports", OLD_B, {"owner": "data", "criticality": "STANDARD"}, (3,)),
    Fn(EAST, "legacy-cron", OLD_A),
    Fn(EAST, "modern", FAR, {"owner": "web"}, (7,)),
    Fn(EAST, "image-fn", None, {"owner": "ml", "criticality": "CRITICAL"}, (9,)),
    Fn(EAST, "mystery", UNKNOWN_RUNTIME, {"owner": "x"}, (1,)),
    Fn(WEST, "unused-owned", FAR, {"owner": "ops"}),
    Fn(WEST, "stale", OLD_B, {"owner": "ops"}, (), old_invocations=99),
]
BY_KEY = {(f.region, f.name): f for f in FLEET}

EXPECTED_PLAN = [
    (EAST, "search"),  # customer-facing tag, 500 invocations
    (WEST, "checkout"),  # CRITICAL, 50: same name and count as below, region breaks the tie
    (EAST, "checkout"),  # CRITICAL, 50
    (EAST, "billing-sync"),  # IMPORTANT, 10,000 (supported, deprecated within the horizon)
    (EAST, "orphan-api"),  # IMPORTANT, 42 (ownerless: review, still upgraded)
    (EAST, "reports"),  # the rest
]
EXPECTED_CLEANUP = [
    (WEST, "stale", DELETE_CANDIDATE),
    (WEST, "unused-owned", DELETE_CANDIDATE),
    (EAST, "legacy-cron", DELETE_CANDIDATE),
    (EAST, "orphan-api", REVIEW),
]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _create(client: Any, role: str, fn: Fn, **extra: Any) -> None:
    common: dict[str, Any] = {"FunctionName": fn.name, "Role": role, **extra}
    if fn.tags:
        common["Tags"] = fn.tags
    if fn.runtime is None:
        client.create_function(PackageType="Image", Code={"ImageUri": IMAGE_URI}, **common)
    else:
        client.create_function(
            Runtime=fn.runtime, Handler="index.handler", Code={"ZipFile": _zip()}, **common
        )


def _seed(cloudwatch: Any, name: str, value: float, when: dt.datetime) -> None:
    cloudwatch.put_metric_data(
        Namespace="AWS/Lambda",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "FunctionName", "Value": name}],
                "Timestamp": when,
                "Value": value,
                "Unit": "Count",
            }
        ],
    )


@pytest.fixture
def account(aws_env: None) -> Iterator[dt.datetime]:
    """The FLEET in moto, in two regions; yields the ``now`` the metrics are seeded from."""
    now = dt.datetime.now(dt.UTC)
    with mock_aws():
        role = boto3.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")[
            "Role"
        ]["Arn"]
        for fn in FLEET:
            _create(boto3.client("lambda", region_name=fn.region), role, fn)
            cloudwatch = boto3.client("cloudwatch", region_name=fn.region)
            for index, value in enumerate(fn.invocations):
                _seed(cloudwatch, fn.name, value, now - dt.timedelta(days=1 + 2 * index))
            if fn.old_invocations:
                _seed(cloudwatch, fn.name, fn.old_invocations, now - dt.timedelta(days=40))
        yield now


def records_of(now: dt.datetime, **kwargs: Any) -> dict[tuple[str, str], FunctionRecord]:
    found = collect(boto3.Session(), [EAST, WEST], today=TODAY, now=now, **kwargs)
    return {(r.region, r.label): r for r in found}


def parse(*argv: str) -> argparse.Namespace:
    """Parse ``runtimes inventory <argv>`` with the real subparser under a ``runtimes``
    command, as runtimes_cli wires it."""
    parser = argparse.ArgumentParser(prog="paved-road")
    commands = parser.add_subparsers(dest="command", required=True)
    runtimes_parser = commands.add_parser("runtimes")
    inventory.add_parser(runtimes_parser.add_subparsers(dest="runtimes_command", required=True))
    return parser.parse_args(["runtimes", "inventory", *argv])


def run_cli(
    *argv: str, session: Any = None, now: dt.datetime | None = None
) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    args = parse(*argv)
    assert args.func is inventory.run
    code = inventory.run(args, session=session, out=out, err=err, now=now)
    return code, out.getvalue(), err.getvalue()


# --------------------------------------------------------------------------- collect


def test_collect_reads_runtime_tags_and_invocations_per_region(account: dt.datetime) -> None:
    # GIVEN the FLEET in two regions with tags and seeded Invocations
    # WHEN the inventory is collected
    records = records_of(account)
    # THEN there is one record per function, in its region
    assert set(records) == set(BY_KEY)
    for key, record in records.items():
        fn = BY_KEY[key]
        # AND the runtime lifecycle comes from paved_road.runtimes for the pinned day
        entry = runtimes.lifecycle(fn.runtime) if fn.runtime else None
        assert record.runtime == fn.runtime
        assert record.phase is (Phase.UNKNOWN if entry is None else entry.phase(TODAY))
        assert record.deprecation_date == (None if entry is None else entry.deprecated)
        assert record.days_left == (None if entry is None else entry.days_left(TODAY))
        assert record.successor == (None if entry is None else entry.successor)
        # AND owner / criticality / customer-facing come from the tags
        assert record.owner == fn.tags.get("owner")
        criticality = fn.tags.get("criticality")
        assert record.criticality == (criticality.upper() if criticality else None)
        assert record.customer_facing is (fn.tags.get("customer-facing", "").lower() == "true")
        # AND invocations are the seeded points inside the window, summed
        assert record.invocations == sum(fn.invocations)
        assert record.arn == f"arn:aws:lambda:{fn.region}:123456789012:function:{fn.name}"
        assert record.version is None
        assert record.last_modified


def test_collect_flags_unused_and_ownerless_functions(account: dt.datetime) -> None:
    # GIVEN functions without invocations and/or without an owner tag
    records = records_of(account)
    # WHEN flags and cleanup actions are read
    # THEN unused -> delete-candidate; ownerless but active -> review; others -> none
    assert records[(EAST, "legacy-cron")].flags == ("unused", "ownerless")
    assert records[(EAST, "legacy-cron")].cleanup_action == DELETE_CANDIDATE
    assert "no 'owner' tag" in (records[(EAST, "legacy-cron")].cleanup_reason or "")
    assert records[(WEST, "unused-owned")].flags == ("unused",)
    assert records[(WEST, "unused-owned")].cleanup_action == DELETE_CANDIDATE
    assert records[(EAST, "orphan-api")].flags == ("ownerless",)
    assert records[(EAST, "orphan-api")].cleanup_action == REVIEW
    assert records[(EAST, "orphan-api")].cleanup_reason == (
        "42 invocations in the last 30 days but no 'owner' tag: find an owner before removing it"
    )
    assert records[(EAST, "modern")].flags == ()
    assert records[(EAST, "modern")].cleanup_action is None


def test_datapoints_outside_the_window_do_not_count(account: dt.datetime) -> None:
    # GIVEN a function invoked only 40 days ago
    # WHEN the window is 30 days / 45 days
    in_30 = records_of(account)[(WEST, "stale")]
    in_45 = records_of(account, days=45)[(WEST, "stale")]
    # THEN it is unused in the first and active in the second
    assert (in_30.invocations, in_30.cleanup_action) == (0, DELETE_CANDIDATE)
    assert (in_45.invocations, in_45.cleanup_action) == (99, None)


def test_container_images_and_unknown_runtimes_are_not_planned(account: dt.datetime) -> None:
    # GIVEN a container-image function and a runtime the lifecycle data does not know
    records = records_of(account)
    image, mystery = records[(EAST, "image-fn")], records[(EAST, "mystery")]
    # THEN both are in phase UNKNOWN, flagged, and left out of the upgrade plan
    assert (image.runtime, image.package_type, image.phase) == (None, "Image", Phase.UNKNOWN)
    assert "container-image" in image.flags
    assert mystery.phase is Phase.UNKNOWN and "unknown-runtime" in mystery.flags
    planned = {(r.region, r.name) for r in upgrade_plan(records.values())}
    assert not planned & {(EAST, "image-fn"), (EAST, "mystery")}


def test_a_custom_owner_tag_key_is_used(account: dt.datetime) -> None:
    # GIVEN functions tagged "owner" but an inventory asking for "team"
    records = records_of(account, owner_tag="team")
    # THEN nobody has an owner: active functions go to review
    assert all(r.owner is None for r in records.values())
    assert records[(EAST, "modern")].cleanup_action == REVIEW
    assert "no 'team' tag" in (records[(EAST, "modern")].cleanup_reason or "")


def test_all_versions_lists_published_versions_with_their_runtime(aws_env: None) -> None:
    # GIVEN a function published on an old runtime, then moved to a current one
    with mock_aws():
        role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        client = boto3.client("lambda", region_name=EAST)
        _create(client, role["Role"]["Arn"], Fn(EAST, "api", OLD_A, {"owner": "web"}))
        client.publish_version(FunctionName="api")
        client.update_function_configuration(FunctionName="api", Runtime=FAR)
        now = dt.datetime.now(dt.UTC)
        _seed(boto3.client("cloudwatch", region_name=EAST), "api", 5, now - dt.timedelta(days=1))
        # WHEN collected with and without all_versions
        latest_only = collect(boto3.Session(), [EAST], today=TODAY, now=now)
        every = collect(boto3.Session(), [EAST], today=TODAY, now=now, all_versions=True)
    # THEN $LATEST alone looks current, while version 1 still runs the old runtime
    assert [(r.version, r.runtime) for r in latest_only] == [(None, FAR)]
    assert [(r.version, r.runtime, r.invocations) for r in every] == [
        ("$LATEST", FAR, 5),
        ("1", OLD_A, 5),
    ]
    assert [r.label for r in upgrade_plan(every)] == ["api:1"]
    assert every[1].arn.endswith(":function:api:1")


def test_collect_rejects_a_window_cloudwatch_cannot_serve() -> None:
    # GIVEN windows outside 1-455 days / WHEN collected / THEN ValueError before any call
    for days in (0, inventory.MAX_DAYS + 1):
        with pytest.raises(ValueError, match="days must be an integer from 1 to 455"):
            collect(boto3.Session(region_name=EAST), [EAST], days=days)


# --------------------------------------------------------------------------- order


def test_upgrade_plan_order(account: dt.datetime) -> None:
    # GIVEN the FLEET
    records = records_of(account)
    # WHEN the upgrade plan is made
    plan = upgrade_plan(records.values())
    # THEN customer-facing first, then backend, then the rest; by volume inside each;
    # delete candidates, current and unknown runtimes are left out
    assert [(r.region, r.name) for r in plan] == EXPECTED_PLAN
    assert [r.group for r in plan] == ["customer-facing"] * 3 + ["backend"] * 2 + ["other"]


def test_horizon_decides_whether_a_supported_runtime_is_planned(account: dt.datetime) -> None:
    # GIVEN billing-sync, on a supported runtime deprecated in N days
    records = records_of(account)
    days_left = records[(EAST, "billing-sync")].days_left
    assert days_left is not None

    def planned(horizon: int) -> bool:
        plan = upgrade_plan(records.values(), horizon_days=horizon)
        return (EAST, "billing-sync") in {(r.region, r.name) for r in plan}

    # WHEN the horizon reaches N days / stops one day short
    # THEN it is planned / not planned (past-supported runtimes are planned either way)
    assert planned(days_left) and not planned(days_left - 1)
    assert (EAST, "reports") in {
        (r.region, r.name) for r in upgrade_plan(records.values(), horizon_days=0)
    }


def test_cleanup_candidates_order(account: dt.datetime) -> None:
    # GIVEN the FLEET / WHEN cleanup candidates are listed
    cleanup = cleanup_candidates(records_of(account).values())
    # THEN delete candidates come first, then reviews, each by region and name
    assert [(r.region, r.name, r.cleanup_action) for r in cleanup] == EXPECTED_CLEANUP


def _record(name: str, **changes: Any) -> FunctionRecord:
    base = FunctionRecord(
        region=EAST,
        name=name,
        arn=f"arn:aws:lambda:{EAST}:123456789012:function:{name}",
        version=None,
        runtime=OLD_A,
        package_type="Zip",
        phase=Phase.DEPRECATED,
        deprecation_date=TODAY,
        days_left=0,
        successor=None,
        owner="team",
        criticality=None,
        customer_facing=False,
        invocations=1,
        last_modified=None,
        flags=(),
        cleanup_action=None,
        cleanup_reason=None,
    )
    return dataclasses.replace(base, **changes)


def test_cleanup_keeps_one_record_per_function_when_versions_are_listed() -> None:
    # GIVEN an unused function listed as $LATEST and two versions
    versions = [
        _record("f", version=v, cleanup_action=DELETE_CANDIDATE, invocations=0)
        for v in ("2", "$LATEST", "1")
    ]
    # WHEN cleanup candidates are listed / THEN the function appears once, as $LATEST
    assert [r.label for r in cleanup_candidates(versions)] == ["f:$LATEST"]


def test_a_phase_past_supported_needs_an_upgrade_whatever_it_is_called() -> None:
    # GIVEN every lifecycle phase (a new member, e.g. not-approved, included)
    for phase in Phase:
        record = _record("f", phase=phase, days_left=10_000)
        # THEN only SUPPORTED (far from deprecation) and UNKNOWN are left alone
        expected = phase not in (Phase.SUPPORTED, Phase.UNKNOWN)
        assert record.needs_upgrade(HORIZON) is expected


record_strategy = st.builds(
    _record,
    name=st.sampled_from(["a", "b", "c", "d"]),
    region=st.sampled_from([EAST, WEST]),
    phase=st.sampled_from(list(Phase)),
    days_left=st.one_of(st.none(), st.integers(-500, 1000)),
    criticality=st.sampled_from([None, "CRITICAL", "IMPORTANT", "STANDARD"]),
    customer_facing=st.booleans(),
    invocations=st.integers(0, 1000),
    cleanup_action=st.sampled_from([None, REVIEW, DELETE_CANDIDATE]),
)


@given(records=st.lists(record_strategy, max_size=12), horizon=st.integers(0, 400))
def test_upgrade_plan_invariants(records: list[FunctionRecord], horizon: int) -> None:
    # GIVEN any records / WHEN planned
    plan = upgrade_plan(records, horizon_days=horizon)
    # THEN exactly the due, non-delete records are planned
    due = [r for r in records if r.needs_upgrade(horizon) and r.cleanup_action != DELETE_CANDIDATE]
    assert sorted(map(id, plan)) == sorted(map(id, due))
    # AND groups never go back, and volume never rises inside a group
    for before, after in itertools.pairwise(plan):
        assert inventory.priority_group(before) <= inventory.priority_group(after)
        if inventory.priority_group(before) == inventory.priority_group(after):
            assert before.invocations >= after.invocations


# --------------------------------------------------------------------------- CLI


def test_cli_json_document(account: dt.datetime) -> None:
    # GIVEN the FLEET / WHEN the command prints JSON for both regions
    code, out, err = run_cli(
        "--regions", EAST, WEST, "--format", "json", session=boto3.Session(), now=account
    )
    # THEN it succeeds with the documented shape
    assert (code, err) == (EXIT_OK, "")
    document = json.loads(out)
    assert set(document) == {"today", "regions", "functions", "upgrade_plan", "cleanup", "summary"}
    assert document["today"] == TODAY.isoformat()
    assert document["regions"] == [EAST, WEST]
    assert len(document["functions"]) == len(FLEET)
    arn = "arn:aws:lambda:{}:123456789012:function:{}"
    assert document["upgrade_plan"] == [arn.format(*key) for key in EXPECTED_PLAN]
    assert [(c["region"], c["function"], c["action"]) for c in document["cleanup"]] == (
        EXPECTED_CLEANUP
    )
    search = next(f for f in document["functions"] if f["function"] == "search")
    assert search["phase"] == runtimes.lifecycle(OLD_A).phase(TODAY).value  # type: ignore[union-attr]
    assert search["priority_group"] == "customer-facing"
    assert search["invocations"] == 500
    summary = document["summary"]
    assert summary["functions"] == summary["records"] == len(FLEET)
    assert summary["needs_upgrade"] == len(EXPECTED_PLAN)
    assert (summary["delete_candidates"], summary["review"]) == (3, 1)
    assert sum(summary["by_phase"].values()) == len(FLEET)


def test_cli_table(account: dt.datetime) -> None:
    # GIVEN the FLEET / WHEN the command prints the table for the default region
    code, out, _ = run_cli("--horizon", "0", session=boto3.Session(), now=account)
    assert code == EXIT_OK
    lines = out.splitlines()
    # THEN the plan is ranked, for the session's region only, without billing-sync
    # (horizon 0), then come the cleanup candidates and the totals
    header = lines[1].split()
    assert header[:3] == ["RANK", "REGION", "FUNCTION"] and header[-1] == "INVOCATIONS"
    ranked = [line.split()[:3] for line in lines[2:6]]
    assert ranked == [
        ["1", EAST, "search"],
        ["2", EAST, "checkout"],
        ["3", EAST, "orphan-api"],
        ["4", EAST, "reports"],
    ]
    assert lines[6] == ""
    assert lines[7] == "Cleanup candidates (2):"
    assert lines[9].split()[:3] == [EAST, "legacy-cron", DELETE_CANDIDATE]
    assert lines[10].split()[:3] == [EAST, "orphan-api", REVIEW]
    assert lines[-1].startswith(f"Totals: 9 functions in {EAST} (")
    assert "4 to upgrade; 1 delete candidates, 1 to review" in lines[-1]


def test_defaults_and_option_parsing() -> None:
    # GIVEN no options / WHEN parsed / THEN the documented defaults
    args = parse()
    assert (args.regions, args.days, args.owner_tag, args.horizon) == (None, 30, "owner", 180)
    assert (args.all_versions, args.format, args.profile) == (False, "table", None)
    args = parse("--regions", "a", "b", "--days", "455", "--all-versions", "--profile", "p")
    assert (args.regions, args.days, args.all_versions, args.profile) == (
        ["a", "b"],
        455,
        True,
        "p",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--days", "0"],
        ["--days", "456"],
        ["--days", "week"],
        ["--horizon", "-1"],
        ["--format", "csv"],
        ["--regions"],
    ],
)
def test_bad_options_are_argparse_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a bad option / WHEN parsed / THEN argparse exits 2 naming it
    with pytest.raises(SystemExit) as exited:
        parse(*argv)
    assert exited.value.code == 2
    assert argv[0] in capsys.readouterr().err


def test_no_region_is_exit_2(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN credentials but no region anywhere
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    # WHEN the command runs without --regions
    code, out, err = run_cli(session=boto3.Session())
    # THEN it exits 2 with one line on stderr
    assert (code, out) == (EXIT_ERROR, "")
    assert err.startswith("paved-road: no AWS region: pass --regions")


class _Raising:
    """A session whose clients fail every paginated call with ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.region_name = EAST

    def client(self, *_: Any, **__: Any) -> Any:
        return self

    def get_paginator(self, *_: Any) -> Any:
        return self

    def paginate(self, **_: Any) -> Any:
        raise self.error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (NoCredentialsError(), "Unable to locate credentials"),
        (
            ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}},
                "ListFunctions",
            ),
            "AccessDeniedException: not allowed (ListFunctions)",
        ),
    ],
)
def test_aws_errors_are_exit_2(error: Exception, message: str) -> None:
    # GIVEN AWS refusing the first call / WHEN the command runs
    code, out, err = run_cli(session=_Raising(error))
    # THEN it exits 2 with the reason on stderr, no traceback
    assert (code, out) == (EXIT_ERROR, "")
    assert err == f"paved-road: cannot read the Lambda inventory: {message}\n"


# --------------------------------------------------------------------------- batching


@dataclass
class _FakeCloudWatch:
    """Records GetMetricData calls; answers each query with two pages of data points."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def get_paginator(self, name: str) -> Any:
        assert name == "get_metric_data"
        return self

    def paginate(self, **request: Any) -> Iterator[dict[str, Any]]:
        self.calls.append(request)
        queries = request["MetricDataQueries"]
        for values in ([1.0, 2.0], [4.0]):  # as if CloudWatch paginated with NextToken
            yield {"MetricDataResults": [{"Id": q["Id"], "Values": values} for q in queries]}


@dataclass
class _FakeSession:
    names: Sequence[str]
    cloudwatch: _FakeCloudWatch = field(default_factory=_FakeCloudWatch)

    def client(self, service: str, region_name: str) -> Any:
        if service == "cloudwatch":
            return self.cloudwatch
        return _FakePager(self.names, service)


@dataclass
class _FakePager:
    names: Sequence[str]
    service: str

    def get_paginator(self, _: str) -> Any:
        return self

    def paginate(self, **_: Any) -> Iterator[dict[str, Any]]:
        if self.service == "lambda":
            arn = "arn:aws:lambda:us-east-1:123456789012:function:"
            yield {
                "Functions": [
                    {"FunctionName": n, "FunctionArn": arn + n, "Runtime": FAR} for n in self.names
                ]
            }
        else:
            yield {"ResourceTagMappingList": []}


@pytest.mark.parametrize(
    ("days", "batch"), [(30, 500), (300, 100_800 // 301), (455, 100_800 // 456)]
)
def test_invocation_queries_are_batched_within_cloudwatch_limits(days: int, batch: int) -> None:
    # GIVEN 1,201 functions
    names = [f"fn-{i:04d}" for i in range(1201)]
    session = _FakeSession(names)
    now = dt.datetime(2026, 11, 23, 15, 42, 7, tzinfo=dt.UTC)
    # WHEN collected over a window of `days`
    records = collect(session, [EAST], days=days, today=TODAY, now=now)  # type: ignore[arg-type]
    # THEN queries go in batches of at most 500 and 100,800 data points (one per day)
    sizes = [len(call["MetricDataQueries"]) for call in session.cloudwatch.calls]
    assert sizes == [batch] * (1201 // batch) + ([1201 % batch] if 1201 % batch else [])
    # AND every query asks for the daily Sum of Invocations by function name
    queries = [q for call in session.cloudwatch.calls for q in call["MetricDataQueries"]]
    assert sorted(q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in queries) == names
    assert {(q["MetricStat"]["Period"], q["MetricStat"]["Stat"]) for q in queries} == {
        (86_400, "Sum")
    }
    assert {
        len({q["Id"] for q in call["MetricDataQueries"]}) for call in session.cloudwatch.calls
    } == set(sizes)
    # AND the window is `days` long and ends at the start of the current hour
    call = session.cloudwatch.calls[0]
    assert call["EndTime"] == dt.datetime(2026, 11, 23, 15, tzinfo=dt.UTC)
    assert call["EndTime"] - call["StartTime"] == dt.timedelta(days=days)
    # AND the data points of every page are summed
    assert {r.invocations for r in records} == {7}


# --------------------------------------------------------------------------- misc


def test_criticality_tag_matches_governed_function() -> None:
    # GIVEN the tag GovernedFunction writes / THEN the inventory reads the same key
    from paved_road.function import CRITICALITY_TAG

    assert inventory.CRITICALITY_TAG == CRITICALITY_TAG


def test_module_imports_without_aws_cdk() -> None:
    # GIVEN a fresh interpreter / WHEN the module is imported
    probe = "import sys, paved_road.inventory; print('aws_cdk' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    # THEN aws-cdk-lib (and its Node runtime) was not loaded
    assert result.stdout.strip() == "False"
