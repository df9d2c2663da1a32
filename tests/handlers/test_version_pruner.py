"""Tests of the Lambda version pruner handler (``paved_road/handlers/version_pruner``).

The handler lives in a CDK asset directory (not a package), so it is loaded from its file
path with importlib, afresh for every test (its cached Lambda client never leaks from one
test to the next). Lambda and IAM are moto: its Lambda mock needs no Docker for what the
pruner calls (CreateFunction, PublishVersion, aliases, ListVersionsByFunction,
ListAliases, DeleteFunction); only invoking a function would.

moto 5.2 differs from Lambda in two ways that matter here:

* PublishVersion returns the previous version when nothing changed since it was
  published (as Lambda does), so the fixtures change the description between publishes;
* DeleteFunction deletes a version an alias references, where Lambda answers
  ``ResourceConflictException`` ("Unable to delete version because the following aliases
  reference it"). The alias tests therefore prove the pruner's own protection: moto would
  have deleted those versions. The conflict itself is injected on the client.

moto also ignores ``MaxItems`` (one page, always); paging is tested with botocore's
Stubber.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from tests.handlers.support import (
    FakeLambdaContext,
    emitted_metrics,
    forbid_aws_clients,
    isolated_handler_environment,
    json_lines,
    load_asset_module,
)

HANDLER_FILE = (
    Path(__file__).resolve().parents[2]
    / "constructs"
    / "paved_road"
    / "handlers"
    / "version_pruner"
    / "index.py"
)
MODULE_NAME = "version_pruner_index"

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # moto's default account id
NAMESPACE = "PavedRoad/Tests"
PRUNER_NAME = "paved-road-version-pruner"
FUNCTION = "orders-api"
OTHER_FUNCTION = "payments-api"
PUBLISHED = 12
ALL_VERSIONS = [str(n) for n in range(1, PUBLISHED + 1)]
# A configuration error raises before any metric is added; Powertools warns.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

ASSUME_LAMBDA = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


# --------------------------------------------------------------------------- helpers


def lambda_context() -> FakeLambdaContext:
    """A Lambda context of the pruner function."""
    return FakeLambdaContext(function_name=PRUNER_NAME, region=REGION, account=ACCOUNT)


def scheduled_event() -> dict[str, Any]:
    """What an EventBridge schedule rule sends to its Lambda target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-11-23T03:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{PRUNER_NAME}-schedule"],
        "detail": {},
    }


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def remaining_versions(client: Any, name: str) -> list[str]:
    """The published versions left, in ascending order."""
    versions = client.list_versions_by_function(FunctionName=name)["Versions"]
    return sorted((v["Version"] for v in versions if v["Version"] != "$LATEST"), key=int)


def client_error(code: str, operation: str = "DeleteFunction") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"injected {code}"}}, operation)


def fail_deletes_of(
    monkeypatch: pytest.MonkeyPatch, client: Any, failures: dict[str, str]
) -> list[str]:
    """Make ``client.delete_function`` raise ``failures[version]`` for those versions (the
    others really are deleted); returns the list of versions it was asked to delete."""
    original = client.delete_function
    asked: list[str] = []

    def delete_function(**kwargs: Any) -> Any:
        asked.append(kwargs["Qualifier"])
        if kwargs["Qualifier"] in failures:
            raise client_error(failures[kwargs["Qualifier"]])
        return original(**kwargs)

    monkeypatch.setattr(client, "delete_function", delete_function)
    return asked


def function_logs(output: str) -> list[dict[str, Any]]:
    return [
        line
        for line in json_lines(output)
        if line.get("message") in ("Versions pruned", "Version pruning failed")
    ]


def metrics_of(output: str, namespace: str = NAMESPACE) -> dict[str, float]:
    return emitted_metrics(output, namespace, counts_without_dimensions=True)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="version-pruner-test",
        namespace=NAMESPACE,
        clear=("FUNCTION_NAMES", "KEEP_VERSIONS", "DRY_RUN", "POWERTOOLS_LOGGER_LOG_EVENT"),
    )


@pytest.fixture
def load_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[[], ModuleType]:
    """Load ``index.py`` from its path as a brand new module (no cached client)."""

    def load() -> ModuleType:
        return load_asset_module(monkeypatch, MODULE_NAME, HANDLER_FILE)

    return load


@pytest.fixture
def lambda_client() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("lambda", region_name=REGION)


@pytest.fixture
def publish(lambda_client: Any) -> Callable[[str], str]:
    """Creates a function with versions 1..12 and returns its ARN; the alias ``live``
    routes to version 4 with 10 % of the traffic on version 2 (a canary rolling back)."""
    role = boto3.client("iam", region_name=REGION).create_role(
        RoleName="governed-function-role", AssumeRolePolicyDocument=json.dumps(ASSUME_LAMBDA)
    )["Role"]["Arn"]

    def create(name: str) -> str:
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler="index.handler",
            Code={"ZipFile": code_zip()},
            Architectures=["arm64"],
        )
        for build in range(1, PUBLISHED + 1):
            # moto, like Lambda, does not publish a new version of an unchanged function
            lambda_client.update_function_configuration(
                FunctionName=name, Description=f"build {build}"
            )
            version = lambda_client.publish_version(FunctionName=name)["Version"]
            assert version == str(build)
        lambda_client.create_alias(
            FunctionName=name,
            Name="live",
            FunctionVersion="4",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.1}},
        )
        return function_arn(name)

    return create


@pytest.fixture
def governed_function(publish: Callable[[str], str]) -> str:
    """The function ``orders-api`` (versions 1..12, ``live`` on 4 and 2)."""
    publish(FUNCTION)
    return FUNCTION


@pytest.fixture
def module(load_handler: Callable[[], ModuleType]) -> ModuleType:
    return load_handler()


# --------------------------------------------------------------------------- prune()


def test_prune_keeps_the_newest_versions_in_numeric_order_and_the_aliased_ones(
    module: ModuleType, lambda_client: Any, governed_function: str
) -> None:
    # GIVEN versions 1..12 and the alias live weighted across versions 4 and 2
    # WHEN the function is pruned down to 3 versions
    result = module.prune(lambda_client, governed_function, 3)

    # THEN the 3 highest-numbered versions are kept (10, 11, 12: not 7, 8, 9 as a string
    # sort would have it), both versions of the alias are protected, the rest is deleted
    assert result == module.PruneResult(
        function=FUNCTION,
        kept=("10", "11", "12"),
        protected=("2", "4"),
        deleted=("1", "3", "5", "6", "7", "8", "9"),
        failed={},
        dry_run=False,
    )
    # AND Lambda really holds only those versions, the alias unchanged
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "10", "11", "12"]
    alias = lambda_client.get_alias(FunctionName=FUNCTION, Name="live")
    assert alias["FunctionVersion"] == "4"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}


@pytest.mark.parametrize(
    ("keep", "kept", "deleted"),
    [
        pytest.param(1, ["12"], ["1", "3", "5", "6", "7", "8", "9", "10", "11"], id="keep-1"),
        pytest.param(9, ALL_VERSIONS[3:], ["1", "3"], id="keep-9-some-aliased-among-newest"),
        pytest.param(12, ALL_VERSIONS, [], id="keep-all"),
        pytest.param(50, ALL_VERSIONS, [], id="keep-more-than-published"),
    ],
)
def test_prune_partitions_every_version_whatever_keep(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    keep: int,
    kept: list[str],
    deleted: list[str],
) -> None:
    # GIVEN versions 1..12 and the alias live on versions 4 and 2
    # WHEN the function is pruned down to `keep` versions
    result = module.prune(lambda_client, governed_function, keep)

    # THEN the newest `keep` are kept, the aliased older ones protected (an aliased
    # version among the newest does not let an extra one survive), the rest deleted
    assert list(result.kept) == kept
    assert list(result.protected) == [v for v in ("2", "4") if v not in kept]
    assert list(result.deleted) == deleted
    assert remaining_versions(lambda_client, FUNCTION) == sorted({*kept, "2", "4"}, key=int)


def test_dry_run_deletes_nothing_and_reports_what_it_would_delete(
    module: ModuleType, lambda_client: Any, governed_function: str
) -> None:
    # GIVEN versions 1..12 and the alias live on versions 4 and 2
    # WHEN a dry run prunes down to 3 versions
    result = module.prune(lambda_client, governed_function, 3, dry_run=True)

    # THEN it reports the versions a real run would delete
    assert result.dry_run is True
    assert result.kept == ("10", "11", "12")
    assert result.protected == ("2", "4")
    assert result.deleted == ("1", "3", "5", "6", "7", "8", "9")
    # AND every version is still there
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


def test_a_second_run_deletes_nothing_more(
    module: ModuleType, lambda_client: Any, governed_function: str
) -> None:
    # GIVEN a function already pruned down to 3 versions
    first = module.prune(lambda_client, governed_function, 3)
    assert len(first.deleted) == 7

    # WHEN it is pruned again with the same setting
    second = module.prune(lambda_client, governed_function, 3)

    # THEN nothing more is deleted and the same versions are kept
    assert second.deleted == ()
    assert second.failed == {}
    assert (second.kept, second.protected) == (first.kept, first.protected)
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "10", "11", "12"]


def test_a_function_given_by_arn_is_pruned(
    module: ModuleType, lambda_client: Any, publish: Callable[[str], str]
) -> None:
    # GIVEN a function known by its ARN
    arn = publish(FUNCTION)

    # WHEN it is pruned by ARN
    result = module.prune(lambda_client, arn, 3)

    # THEN its old versions are deleted exactly as by name
    assert result.function == arn
    assert result.deleted == ("1", "3", "5", "6", "7", "8", "9")
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "10", "11", "12"]


def test_a_function_arn_of_another_region_is_rejected(
    module: ModuleType, lambda_client: Any, governed_function: str
) -> None:
    # GIVEN the ARN of a function of the same name in another Region
    arn = function_arn(governed_function).replace(REGION, "us-east-1")

    # WHEN it is pruned with a client of this Region
    with pytest.raises(ValueError, match="is not in the Region eu-west-1"):
        module.prune(lambda_client, arn, 3)

    # THEN the function of this Region is left alone
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


@pytest.mark.parametrize("keep", [0, -1, True, 2.5, "3", None])
def test_prune_rejects_keep_below_one_or_not_an_integer(
    module: ModuleType, lambda_client: Any, governed_function: str, keep: Any
) -> None:
    # GIVEN a function with 12 versions
    # WHEN it is pruned with keep < 1, or a keep that is not an integer
    with pytest.raises(ValueError, match="keep must be an integer >= 1"):
        module.prune(lambda_client, governed_function, keep)

    # THEN nothing is deleted
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


@pytest.mark.parametrize(
    ("code", "failed", "deleted"),
    [
        pytest.param(
            "ResourceConflictException",
            {"5": "ResourceConflictException"},
            ("1", "3", "6", "7", "8", "9"),
            id="conflict",
        ),
        pytest.param(
            "TooManyRequestsException",
            {"5": "TooManyRequestsException"},
            ("1", "3", "6", "7", "8", "9"),
            id="throttled",
        ),
        pytest.param(
            "ResourceNotFoundException",
            {},
            ("1", "3", "5", "6", "7", "8", "9"),
            id="already-gone",
        ),
    ],
)
def test_a_failing_delete_is_recorded_and_the_other_versions_are_deleted(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    failed: dict[str, str],
    deleted: tuple[str, ...],
) -> None:
    # GIVEN Lambda refuses to delete version 5 with `code`
    asked = fail_deletes_of(monkeypatch, lambda_client, {"5": code})

    # WHEN the function is pruned down to 3 versions
    result = module.prune(lambda_client, governed_function, 3)

    # THEN the failure is recorded (not-found counts as deleted: the version is gone)
    assert result.failed == failed
    assert result.deleted == deleted
    # AND every other old version was still deleted after it
    assert asked == ["1", "3", "5", "6", "7", "8", "9"]
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "5", "10", "11", "12"]


def test_an_unexpected_delete_error_stops_the_pruning_of_the_function(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a role that may not delete version 3
    fail_deletes_of(monkeypatch, lambda_client, {"3": "AccessDeniedException"})

    # WHEN the function is pruned
    with pytest.raises(ClientError, match="AccessDeniedException"):
        module.prune(lambda_client, governed_function, 3)

    # THEN the error propagates: only version 1, before it, was deleted
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS[1:]


def test_versions_and_aliases_are_read_from_every_page(module: ModuleType) -> None:
    # GIVEN a Lambda API answering in two pages for versions and two for aliases, the
    # second alias page holding a canary on version 3
    client = boto3.client("lambda", region_name=REGION)
    stubber = Stubber(client)
    name = {"FunctionName": FUNCTION}
    stubber.add_response(
        "list_versions_by_function",
        {
            "Versions": [{"Version": "$LATEST"}, {"Version": "1"}, {"Version": "2"}],
            "NextMarker": "v-page-2",
        },
        name,
    )
    stubber.add_response(
        "list_versions_by_function",
        {"Versions": [{"Version": v} for v in ("3", "4", "5", "6")]},
        {**name, "Marker": "v-page-2"},
    )
    stubber.add_response(
        "list_aliases",
        {"Aliases": [{"Name": "live", "FunctionVersion": "1"}], "NextMarker": "a-page-2"},
        name,
    )
    stubber.add_response(
        "list_aliases",
        {
            "Aliases": [
                {
                    "Name": "canary",
                    "FunctionVersion": "5",
                    "RoutingConfig": {"AdditionalVersionWeights": {"3": 0.25}},
                }
            ]
        },
        {**name, "Marker": "a-page-2"},
    )
    stubber.add_response("delete_function", {}, {**name, "Qualifier": "2"})
    stubber.add_response("delete_function", {}, {**name, "Qualifier": "4"})

    # WHEN the function is pruned down to 1 version
    with stubber:
        result = module.prune(client, FUNCTION, 1)

    # THEN the versions and aliases of the second pages were taken into account
    assert result.kept == ("6",)
    assert result.protected == ("1", "3", "5")
    assert result.deleted == ("2", "4")
    stubber.assert_no_pending_responses()


class FakeLambda:
    """Just enough of a Lambda client for :func:`prune`: one page each, deletes recorded."""

    def __init__(self, versions: list[str], aliases: list[dict[str, Any]]) -> None:
        self.pages = {
            "list_versions_by_function": {"Versions": [{"Version": v} for v in versions]},
            "list_aliases": {"Aliases": aliases},
        }
        self.deleted: list[str] = []

    def get_paginator(self, operation: str) -> Any:
        page = self.pages[operation]

        class Paginator:
            def paginate(self, FunctionName: str) -> list[dict[str, Any]]:
                return [page]

        return Paginator()

    def delete_function(self, FunctionName: str, Qualifier: str) -> None:
        self.deleted.append(Qualifier)


@given(
    numbers=st.sets(st.integers(min_value=1, max_value=300), max_size=40),
    aliased=st.lists(
        st.tuples(st.integers(1, 300), st.sets(st.integers(1, 300), max_size=1)), max_size=4
    ),
    keep=st.integers(min_value=1, max_value=45),
)
# prune() keeps no state: one module (and monkeypatch) for every example is fine.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_version_ends_up_in_exactly_one_outcome(
    module: ModuleType,
    numbers: set[int],
    aliased: list[tuple[int, set[int]]],
    keep: int,
) -> None:
    # GIVEN any published versions (listed in any order) and aliases, some on versions
    # that exist, with or without a canary weight
    versions = ["$LATEST", *sorted(map(str, numbers), reverse=True)]
    aliases = [
        {
            "Name": f"alias{i}",
            "FunctionVersion": str(target),
            "RoutingConfig": {"AdditionalVersionWeights": {str(v): 0.5 for v in canary}},
        }
        for i, (target, canary) in enumerate(aliased)
    ]
    routed = {str(t) for t, _ in aliased} | {str(v) for _, canary in aliased for v in canary}
    client = FakeLambda(versions, aliases)

    # WHEN the function is pruned
    result = module.prune(client, FUNCTION, keep)

    # THEN kept, protected and deleted partition the published versions; kept are the
    # `keep` highest numbers, protected the older routed ones; exactly the deleted ones
    # were asked to be deleted, oldest first
    newest = sorted(numbers)[-keep:]
    assert [int(v) for v in result.kept] == newest
    assert sorted(int(v) for v in (*result.kept, *result.protected, *result.deleted)) == sorted(
        numbers
    )
    assert set(result.protected) == {str(n) for n in numbers if n not in newest} & routed
    assert not set(result.deleted) & routed
    assert client.deleted == list(result.deleted)
    assert [int(v) for v in result.deleted] == sorted(int(v) for v in result.deleted)


# --------------------------------------------------------------------------- handler


def test_scheduled_event_prunes_every_configured_function(
    module: ModuleType,
    lambda_client: Any,
    publish: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN two governed functions, one configured by name and one by ARN, keeping 2
    publish(FUNCTION)
    other_arn = publish(OTHER_FUNCTION)
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([FUNCTION, other_arn]))
    monkeypatch.setenv("KEEP_VERSIONS", "2")

    # WHEN the EventBridge schedule invokes the pruner
    summary = module.handler(scheduled_event(), lambda_context())

    # THEN both functions are pruned and the summary says so, as JSON
    old = ["1", "3", "5", "6", "7", "8", "9", "10"]
    expected_function = {
        "kept": ["11", "12"],
        "protected": ["2", "4"],
        "deleted": old,
        "failed": {},
        "dry_run": False,
    }
    assert summary == {
        "dry_run": False,
        "keep": 2,
        "versions_deleted": 16,
        "versions_failed": 0,
        "functions": [
            {"function": FUNCTION, **expected_function},
            {"function": other_arn, **expected_function},
        ],
    }
    assert json.loads(json.dumps(summary)) == summary
    for name in (FUNCTION, OTHER_FUNCTION):
        assert remaining_versions(lambda_client, name) == ["2", "4", "11", "12"]
    # AND one structured line is logged per function, with the invocation's context
    output = capsys.readouterr().out
    lines = function_logs(output)
    assert [line["function"] for line in lines] == [FUNCTION, other_arn]
    for line in lines:
        assert line["level"] == "INFO"
        assert line["deleted"] == old
        assert line["keep"] == 2
        assert line["function_name"] == PRUNER_NAME
    # AND the deletions are counted in a dimension-free metric
    assert metrics_of(output) == {"VersionsDeleted": 16, "VersionDeletesFailed": 0}


def test_defaults_keep_three_versions_for_real(
    load_handler: Callable[[], ModuleType],
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN only FUNCTION_NAMES set (no KEEP_VERSIONS, DRY_RUN nor metrics namespace)
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([governed_function]))
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    module = load_handler()

    # WHEN the schedule invokes the pruner
    summary = module.handler(scheduled_event(), lambda_context())

    # THEN 3 versions are kept and the others really deleted
    assert (summary["keep"], summary["dry_run"], summary["versions_deleted"]) == (3, False, 7)
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "10", "11", "12"]
    # AND the metric goes to the default namespace
    assert metrics_of(capsys.readouterr().out, "PavedRoad/VersionPruner") == {
        "VersionsDeleted": 7,
        "VersionDeletesFailed": 0,
    }


@pytest.mark.parametrize("value", ["true", "TRUE", " True "])
def test_dry_run_from_the_environment_deletes_nothing(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    # GIVEN DRY_RUN=true
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([governed_function]))
    monkeypatch.setenv("DRY_RUN", value)

    # WHEN the schedule invokes the pruner
    summary = module.handler(scheduled_event(), lambda_context())

    # THEN the summary lists what would be deleted, but nothing is, nor counted as deleted
    assert summary["dry_run"] is True
    assert summary["functions"][0]["deleted"] == ["1", "3", "5", "6", "7", "8", "9"]
    assert summary["versions_deleted"] == 0
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS
    output = capsys.readouterr().out
    assert [line["dry_run"] for line in function_logs(output)] == [True]
    assert metrics_of(output) == {"VersionsDeleted": 0, "VersionDeletesFailed": 0}


def test_each_function_keeps_its_own_count_from_the_environment(
    module: ModuleType,
    lambda_client: Any,
    publish: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the construct's FUNCTION_NAMES: orders-api keeps 3, payments-api keeps 6
    publish(FUNCTION)
    publish(OTHER_FUNCTION)
    monkeypatch.setenv(
        "FUNCTION_NAMES",
        json.dumps([{"function": FUNCTION, "keep": 3}, {"function": OTHER_FUNCTION, "keep": 6}]),
    )

    # WHEN the schedule invokes the pruner, and then an operator asks for a dry run
    dry = module.handler({"dry_run": True}, lambda_context())
    summary = module.handler(scheduled_event(), lambda_context())

    # THEN both runs keep each function's own count (the dry run plans what the schedule does)
    planned = {f["function"]: f["deleted"] for f in dry["functions"]}
    done = {f["function"]: f["deleted"] for f in summary["functions"]}
    assert planned == done
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "10", "11", "12"]
    assert remaining_versions(lambda_client, OTHER_FUNCTION) == ["2", "4", *ALL_VERSIONS[6:]]


def test_an_events_keep_applies_to_every_function_and_functions_keep_their_count(
    module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "FUNCTION_NAMES",
        json.dumps([{"function": FUNCTION, "keep": 3}, {"function": OTHER_FUNCTION, "keep": 6}]),
    )
    # an event's "keep" wins for all
    everyone = module.Settings.from_env({"keep": 5})
    assert [everyone.keep_for(n) for n in (FUNCTION, OTHER_FUNCTION)] == [5, 5]
    # a function named by the event keeps its configured count; an unknown one the default
    named = module.Settings.from_env({"functions": [OTHER_FUNCTION, "new-fn"]})
    assert [named.keep_for(n) for n in named.functions] == [6, 3]
    # an object in the event may give its own count
    own = module.Settings.from_env({"functions": [{"function": FUNCTION, "keep": 9}]})
    assert own.keep_for(FUNCTION) == 9
    with pytest.raises(module.ConfigurationError, match="keep"):
        module.Settings.from_env({"functions": [{"function": FUNCTION, "keep": 0}]})


def test_a_manual_event_overrides_the_environment(
    module: ModuleType,
    lambda_client: Any,
    publish: Callable[[str], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the environment configures a dry run of orders-api keeping 3
    publish(FUNCTION)
    publish(OTHER_FUNCTION)
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([FUNCTION]))
    monkeypatch.setenv("KEEP_VERSIONS", "3")
    monkeypatch.setenv("DRY_RUN", "true")

    # WHEN an operator invokes it for payments-api, keeping 6, for real
    summary = module.handler(
        {"functions": [OTHER_FUNCTION], "keep": 6, "dry_run": False}, lambda_context()
    )

    # THEN only payments-api is pruned, with the event's settings
    assert (summary["keep"], summary["dry_run"], summary["versions_deleted"]) == (6, False, 4)
    assert [f["function"] for f in summary["functions"]] == [OTHER_FUNCTION]
    assert remaining_versions(lambda_client, OTHER_FUNCTION) == ["2", "4", *ALL_VERSIONS[6:]]
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


def test_a_manual_event_may_override_only_some_settings(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the environment configures orders-api, for real
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([governed_function]))

    # WHEN an operator asks for a dry run only
    summary = module.handler({"dry_run": True}, lambda_context())

    # THEN the configured function is dry-run with the default keep
    assert (summary["keep"], summary["dry_run"]) == (3, True)
    assert [f["function"] for f in summary["functions"]] == [FUNCTION]
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


@pytest.mark.parametrize(
    ("event", "message"),
    [
        pytest.param({"keep": 0}, "keep must be an integer >= 1, got 0", id="keep-0"),
        pytest.param({"keep": -2}, "keep must be an integer >= 1", id="keep-negative"),
        pytest.param({"keep": "5"}, "keep must be an integer >= 1, got '5'", id="keep-string"),
        pytest.param({"keep": True}, "keep must be an integer >= 1", id="keep-bool"),
        pytest.param({"dry_run": "false"}, '"dry_run" must be true or false', id="dry-run-str"),
        pytest.param({"functions": FUNCTION}, '"functions" must be a list', id="functions-str"),
        pytest.param({"functions": [""]}, '"functions" must be a list', id="functions-empty"),
        pytest.param({"functions": [3]}, '"functions" must be a list', id="functions-int"),
        pytest.param(
            {"functions": [function_arn(FUNCTION) + ":live"]},
            "must name functions (names or unqualified ARNs), not versions or aliases",
            id="functions-alias-arn",
        ),
        pytest.param(
            {"functions": [f"{FUNCTION}:7"]},
            f"not versions or aliases: {FUNCTION}:7",
            id="functions-version-name",
        ),
        pytest.param(
            {"functions": [function_arn(FUNCTION).replace(ACCOUNT, "210987654321")]},
            "not functions of the account 123456789012 in eu-west-1",
            id="functions-other-account",
        ),
        pytest.param(
            {"functions": [FUNCTION, function_arn(FUNCTION).replace(REGION, "us-east-1")]},
            "not functions of the account 123456789012 in eu-west-1",
            id="functions-other-region",
        ),
        pytest.param({"dryrun": True}, "unknown event key(s) dryrun", id="typo"),
        pytest.param([FUNCTION], "the event must be a JSON object", id="not-an-object"),
    ],
)
def test_an_invalid_manual_event_is_rejected_before_any_deletion(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    event: Any,
    message: str,
) -> None:
    # GIVEN a valid environment, for real
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([governed_function]))

    # WHEN the pruner is invoked with an invalid event
    with pytest.raises(module.ConfigurationError) as raised:
        module.handler(event, lambda_context())

    # THEN it says what is wrong, and nothing is deleted
    assert message in str(raised.value)
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param({}, "FUNCTION_NAMES is not set", id="no-functions"),
        pytest.param(
            {"FUNCTION_NAMES": FUNCTION}, "FUNCTION_NAMES must be a JSON list", id="not-json"
        ),
        pytest.param(
            {"FUNCTION_NAMES": json.dumps({"name": FUNCTION})},
            "FUNCTION_NAMES must be a list of function names or ARNs",
            id="json-object",
        ),
        pytest.param(
            {"FUNCTION_NAMES": json.dumps([FUNCTION]), "KEEP_VERSIONS": "0"},
            "keep must be an integer >= 1, got 0",
            id="keep-0",
        ),
        pytest.param(
            {"FUNCTION_NAMES": json.dumps([FUNCTION]), "KEEP_VERSIONS": "three"},
            "KEEP_VERSIONS must be an integer, got 'three'",
            id="keep-not-a-number",
        ),
        pytest.param(
            {"FUNCTION_NAMES": json.dumps([FUNCTION]), "DRY_RUN": "yes"},
            "DRY_RUN must be true or false, got 'yes'",
            id="dry-run-yes",
        ),
    ],
)
def test_an_invalid_environment_is_rejected_before_any_deletion(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
    message: str,
) -> None:
    # GIVEN an invalid environment
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    # WHEN the schedule invokes the pruner
    with pytest.raises(module.ConfigurationError) as raised:
        module.handler(scheduled_event(), lambda_context())

    # THEN it says what is wrong, and nothing is deleted
    assert message in str(raised.value)
    assert remaining_versions(lambda_client, FUNCTION) == ALL_VERSIONS


def test_failed_deletes_are_logged_as_warnings_and_counted(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN Lambda refuses to delete version 7: an alias moved onto it meanwhile
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps([governed_function]))
    fail_deletes_of(monkeypatch, module.lambda_client(), {"7": "ResourceConflictException"})

    # WHEN the schedule invokes the pruner
    summary = module.handler(scheduled_event(), lambda_context())

    # THEN the invocation succeeds, the failure is in the summary and a warning line
    assert summary["functions"][0]["failed"] == {"7": "ResourceConflictException"}
    assert (summary["versions_deleted"], summary["versions_failed"]) == (6, 1)
    output = capsys.readouterr().out
    [line] = function_logs(output)
    assert line["level"] == "WARNING"
    assert line["failed"] == {"7": "ResourceConflictException"}
    assert metrics_of(output) == {"VersionsDeleted": 6, "VersionDeletesFailed": 1}


def test_a_function_that_cannot_be_pruned_fails_the_invocation_after_the_others(
    module: ModuleType,
    lambda_client: Any,
    governed_function: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a configured function that no longer exists, listed before one that does
    monkeypatch.setenv("FUNCTION_NAMES", json.dumps(["deleted-function", governed_function]))

    # WHEN the schedule invokes the pruner
    with pytest.raises(module.PruningFailedError) as raised:
        module.handler(scheduled_event(), lambda_context())

    # THEN the invocation fails, naming the function and the error
    assert "deleted-function (ResourceNotFoundException)" in str(raised.value)
    # AND the other function was still pruned, logged and counted
    assert remaining_versions(lambda_client, FUNCTION) == ["2", "4", "10", "11", "12"]
    output = capsys.readouterr().out
    failure, success = function_logs(output)
    assert failure["level"] == "ERROR"
    assert failure["function"] == "deleted-function"
    assert failure["error_code"] == "ResourceNotFoundException"
    assert success["function"] == FUNCTION
    assert metrics_of(output) == {"VersionsDeleted": 7, "VersionDeletesFailed": 0}


def test_importing_the_module_needs_no_aws_settings(
    load_handler: Callable[[], ModuleType], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no AWS credentials nor region, and boto3 unable to create any client
    forbid_aws_clients(monkeypatch)

    # WHEN the handler module is imported
    module = load_handler()

    # THEN the import succeeds and no client is cached yet
    assert module.lambda_client.cache_info().currsize == 0
