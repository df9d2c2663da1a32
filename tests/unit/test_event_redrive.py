"""Tests for ``paved-road redrive --reinvoke`` (paved_road.event_redrive).

A central DLQ (moto's default account, 123456789012) holds dead-lettered events of two
tenant accounts, A and B, in the three formats the command understands: Lambda on-failure
destination records, EventBridge rule-target DLQ messages and EventBridge Scheduler
dead-letter events (bodies and attributes as in the AWS documentation; see
docs/redrive.md).

moto (5.2.5) is used for real for SQS (receive, delete, ChangeMessageVisibilityBatch,
message attributes), STS (AssumeRole into accounts A and B: moto keeps resources per
account, so a function created with A's credentials exists only in A) and Lambda
(CreateFunction, CreateAlias, GetFunction, Invoke), with the Docker-less Lambda backend
(``mock_aws(config={"lambda": {"use_docker": False}})``, extra ``awslambda-simple``).

That backend's Invoke returns 202 for ANY function name, even one that does not exist,
and keeps no record of invocations. So the Lambda clients are wrapped (``Recorder``):
every Invoke is recorded with the account of the client that made it, and is preceded by
a GetFunction on the same moto client, which raises moto's real ResourceNotFoundException
for a function (or alias) missing in that account, as Lambda's Invoke would.
"""

from __future__ import annotations

import argparse
import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from paved_road import cli, event_redrive, redrive
from paved_road.event_redrive import (
    KIND_EVENTBRIDGE_RULE,
    KIND_LAMBDA_DESTINATION,
    KIND_SCHEDULER,
    AccountAccessError,
    DeadLetterRecord,
    Filters,
    LambdaClients,
    SummaryKey,
    UnparseableMessage,
    check_role_template,
    format_summary,
    parse_function_arn,
    parse_message,
    reinvoke_command,
    role_arn_for,
    summarize,
)
from paved_road.redrive import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, RedriveInputError

REGION = "eu-west-1"
CENTRAL = "123456789012"  # moto's default account: owns the central DLQ
ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
EMITTER = "999999999999"  # the account that put the events on the bus (not a tenant)
ROLE_TEMPLATE = "arn:aws:iam::{account}:role/paved-road-redrive"
FUNCTION = "orders-consumer"
SCHEDULED = "nightly-report"


def function_arn(account: str, name: str = FUNCTION, qualifier: str | None = "live") -> str:
    arn = f"arn:aws:lambda:{REGION}:{account}:function:{name}"
    return arn if qualifier is None else f"{arn}:{qualifier}"


def rule_arn(account: str, name: str = "orders-placed", bus: str | None = None) -> str:
    path = name if bus is None else f"{bus}/{name}"
    return f"arn:aws:events:{REGION}:{account}:rule/{path}"


def schedule_arn(account: str, name: str = SCHEDULED) -> str:
    return f"arn:aws:scheduler:{REGION}:{account}:schedule/default/{name}"


# --------------------------------------------------------------------------- message bodies


def event(tenant: str, order: str) -> dict[str, Any]:
    """An EventBridge event as EventConsumer delivers it: the event plus "paved-road"."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": EMITTER,
        "time": "2026-01-05T10:00:00Z",
        "region": REGION,
        "resources": [],
        "detail": {"orderId": order, "tenant": tenant},
        "paved-road": {"rule": rule_arn(tenant)},
    }


def attributes(**values: str) -> dict[str, dict[str, str]]:
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items()}


@dataclass
class Sent:
    """A message put on the DLQ and what re-invoking it must send."""

    kind: str
    account: str
    function_arn: str
    payload: Any  # the JSON value the function must receive again
    body: str
    message_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    message_id: str = ""


def lambda_destination(tenant: str, order: str, condition: str = "RetriesExhausted") -> Sent:
    """(a) Lambda on-failure destination record (AWS Lambda developer guide example)."""
    original = event(tenant, order)
    record = {
        "version": "1.0",
        "timestamp": "2026-01-05T10:03:05.568Z",
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn(tenant),
            "condition": condition,
            "approximateInvokeCount": 3,
        },
        "requestPayload": original,
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "7",
            "functionError": "Unhandled",
        },
        "responsePayload": {
            "errorType": "RuntimeError",
            "errorMessage": f"order {order} failed",
            "stackTrace": [],
        },
    }
    return Sent(KIND_LAMBDA_DESTINATION, tenant, function_arn(tenant), original, json.dumps(record))


def eventbridge_rule(tenant: str, order: str) -> Sent:
    """(b) EventBridge rule-target DLQ message: the event plus the documented attributes."""
    original = event(tenant, order)
    return Sent(
        KIND_EVENTBRIDGE_RULE,
        tenant,
        function_arn(tenant),
        original,
        json.dumps(original),
        attributes(
            RULE_ARN=rule_arn(tenant),
            TARGET_ARN=function_arn(tenant),
            ERROR_CODE="TARGET_UNAVAILABLE",
            ERROR_MESSAGE="Rate exceeded.",
            EXHAUSTED_RETRY_CONDITION="MaximumEventAgeInSeconds",
            RETRY_ATTEMPTS="12",
        ),
    )


def scheduler(tenant: str, job: str, truncated: bool = False) -> Sent:
    """(c) EventBridge Scheduler dead-letter event for a Lambda target (function ARN form)."""
    payload = {"job": job, "tenant": tenant}
    return Sent(
        KIND_SCHEDULER,
        tenant,
        function_arn(tenant, SCHEDULED),
        payload,
        json.dumps(payload),
        attributes(
            ERROR_CODE="Lambda.TooManyRequestsException",
            ERROR_MESSAGE="Rate Exceeded.",
            EXECUTION_ID="ad06616e51cdf74a",
            EXHAUSTED_RETRY_CONDITION="MaximumRetryAttempts",
            IS_PAYLOAD_TRUNCATED="true" if truncated else "false",
            RETRY_ATTEMPTS="185",
            SCHEDULED_TIME="2026-01-05T01:00:00Z",
            SCHEDULE_ARN=schedule_arn(tenant),
            TARGET_ARN=function_arn(tenant, SCHEDULED),
        ),
    )


def as_received(sent: Sent, message_id: str = "m-1") -> dict[str, Any]:
    """``sent`` as one ReceiveMessage entry."""
    message: dict[str, Any] = {"MessageId": message_id, "ReceiptHandle": "h", "Body": sent.body}
    if sent.message_attributes:
        message["MessageAttributes"] = sent.message_attributes
    return message


# --------------------------------------------------------------------------- parse_message


def test_parse_lambda_destination_record() -> None:
    # GIVEN an on-failure record of tenant A's live alias
    sent = lambda_destination(ACCOUNT_A, "o-1", condition="EventAgeExceeded")
    # WHEN it is parsed
    record = parse_message(as_received(sent, "m-7"))
    # THEN function, qualifier, account, region, rule (from "paved-road"), condition and the
    # original event (requestPayload) are all attributed
    assert record.kind == KIND_LAMBDA_DESTINATION
    assert record.message_id == "m-7"
    assert record.function_arn == function_arn(ACCOUNT_A)
    assert record.function.qualifier == "live"
    assert (record.account, record.region) == (ACCOUNT_A, REGION)
    assert record.rule_arn == rule_arn(ACCOUNT_A)
    assert record.condition == "EventAgeExceeded"
    assert json.loads(record.payload) == sent.payload


def test_tenant_is_the_function_account_not_the_event_account() -> None:
    # GIVEN an event emitted by another account than the function's
    record = parse_message(as_received(lambda_destination(ACCOUNT_B, "o-1")))
    # THEN the tenant is the function's account
    assert json.loads(record.payload)["account"] == EMITTER
    assert record.account == ACCOUNT_B


def test_parse_lambda_record_without_attribution_has_no_rule() -> None:
    # GIVEN a record whose event was not delivered by EventConsumer (no "paved-road" key)
    sent = lambda_destination(ACCOUNT_A, "o-1")
    body = json.loads(sent.body)
    del body["requestPayload"]["paved-road"]
    # WHEN parsed / THEN the rule is unknown, everything else is attributed
    record = parse_message({"MessageId": "m", "Body": json.dumps(body)})
    assert record.rule_arn is None
    assert record.function_arn == function_arn(ACCOUNT_A)


def test_parse_lambda_record_with_unqualified_function() -> None:
    # GIVEN a record of an unqualified invocation ($LATEST)
    sent = lambda_destination(ACCOUNT_A, "o-1")
    body = json.loads(sent.body)
    body["requestContext"]["functionArn"] = function_arn(ACCOUNT_A, qualifier="$LATEST")
    # WHEN parsed / THEN the $LATEST qualifier is kept
    record = parse_message({"MessageId": "m", "Body": json.dumps(body)})
    assert record.function_arn.endswith(":function:orders-consumer:$LATEST")


def test_parse_eventbridge_rule_message() -> None:
    # GIVEN an EventBridge rule-target DLQ message
    sent = eventbridge_rule(ACCOUNT_B, "o-2")
    # WHEN parsed
    record = parse_message(as_received(sent))
    # THEN the function is TARGET_ARN, the rule RULE_ARN, the payload the body unchanged
    assert record.kind == KIND_EVENTBRIDGE_RULE
    assert (record.account, record.function_arn) == (ACCOUNT_B, function_arn(ACCOUNT_B))
    assert record.rule_arn == rule_arn(ACCOUNT_B)
    assert record.condition == "TARGET_UNAVAILABLE (MaximumEventAgeInSeconds)"
    assert record.payload == sent.body.encode()


def test_parse_eventbridge_message_without_retry_condition() -> None:
    # GIVEN a permanent failure (no EXHAUSTED_RETRY_CONDITION, sent to the DLQ at once)
    sent = eventbridge_rule(ACCOUNT_A, "o-2")
    del sent.message_attributes["EXHAUSTED_RETRY_CONDITION"]
    sent.message_attributes["ERROR_CODE"]["StringValue"] = "NO_PERMISSIONS"
    # WHEN parsed / THEN the condition is the error code alone
    assert parse_message(as_received(sent)).condition == "NO_PERMISSIONS"


def test_parse_scheduler_message_with_function_target() -> None:
    # GIVEN a Scheduler dead-letter event whose TARGET_ARN is the function
    sent = scheduler(ACCOUNT_A, "daily")
    # WHEN parsed
    record = parse_message(as_received(sent))
    # THEN the "rule" is the schedule and the payload the body
    assert record.kind == KIND_SCHEDULER
    assert record.function_arn == function_arn(ACCOUNT_A, SCHEDULED)
    assert record.rule_arn == schedule_arn(ACCOUNT_A)
    assert record.condition == "Lambda.TooManyRequestsException (MaximumRetryAttempts)"
    assert record.payload == sent.body.encode()


def test_parse_scheduler_message_with_service_action_target() -> None:
    # GIVEN a Scheduler dead-letter event in the documented service-action form: TARGET_ARN
    # arn:aws:scheduler:::aws-sdk:lambda:invoke and the Invoke request as the body, with a
    # bare function name (resolved in the schedule's account and region)
    sent = scheduler(ACCOUNT_B, "daily")
    sent.message_attributes["TARGET_ARN"]["StringValue"] = (
        "arn:aws:scheduler:::aws-sdk:lambda:invoke"
    )
    request = {"FunctionName": SCHEDULED, "Qualifier": "live", "Payload": '{"job":"daily"}'}
    # WHEN parsed
    record = parse_message({**as_received(sent), "Body": json.dumps(request)})
    # THEN the function is that name in the schedule's account, the payload Payload
    assert record.function_arn == function_arn(ACCOUNT_B, SCHEDULED)
    assert record.payload == b'{"job":"daily"}'


def test_parse_scheduler_service_action_with_function_arn_and_object_payload() -> None:
    sent = scheduler(ACCOUNT_A, "daily")
    sent.message_attributes["TARGET_ARN"]["StringValue"] = (
        "arn:aws:scheduler:::aws-sdk:lambda:invoke"
    )
    request = {"FunctionName": function_arn(ACCOUNT_A, SCHEDULED), "Payload": {"job": "daily"}}
    record = parse_message({**as_received(sent), "Body": json.dumps(request)})
    assert record.function_arn == function_arn(ACCOUNT_A, SCHEDULED)
    assert json.loads(record.payload) == {"job": "daily"}


def _lambda_dlq_message() -> dict[str, Any]:
    """A Lambda function dead-letter queue message: the event, RequestID/ErrorCode/
    ErrorMessage attributes, and no function ARN anywhere."""
    return {
        "MessageId": "m",
        "Body": json.dumps(event(ACCOUNT_A, "o-1")),
        "MessageAttributes": {
            "RequestID": {"DataType": "String", "StringValue": str(uuid.uuid4())},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": "boom"},
        },
    }


def _with_attribute(sent: Sent, name: str, value: str) -> dict[str, Any]:
    sent.message_attributes[name]["StringValue"] = value
    return as_received(sent)


def _success_record() -> dict[str, Any]:
    body = json.loads(lambda_destination(ACCOUNT_A, "o-1").body)
    body["requestContext"]["condition"] = "Success"
    return {"MessageId": "m", "Body": json.dumps(body)}


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"MessageId": "m", "Body": "not json"}, "neither a Lambda on-failure record"),
        ({"MessageId": "m", "Body": "[1, 2]"}, "neither a Lambda on-failure record"),
        ({"MessageId": "m"}, "without a body"),
        (_lambda_dlq_message(), "Lambda function dead-letter queue message"),
        (_success_record(), "on-success record"),
        (
            {"MessageId": "m", "Body": json.dumps({"requestContext": {}, "requestPayload": {}})},
            "without requestContext.functionArn",
        ),
        (
            {
                "MessageId": "m",
                "Body": json.dumps(
                    {"requestContext": {"functionArn": "orders"}, "requestPayload": {}}
                ),
            },
            "not a Lambda function ARN",
        ),
        (as_received(scheduler(ACCOUNT_A, "j", truncated=True)), "IS_PAYLOAD_TRUNCATED"),
        (
            _with_attribute(
                eventbridge_rule(ACCOUNT_A, "o"),
                "TARGET_ARN",
                f"arn:aws:sqs:{REGION}:{ACCOUNT_A}:orders",
            ),
            "target is not a Lambda function",
        ),
        (
            {
                "MessageId": "m",
                "Body": "{}",
                "MessageAttributes": attributes(RULE_ARN=rule_arn(ACCOUNT_A)),
            },
            "without a TARGET_ARN",
        ),
        (
            _with_attribute(
                scheduler(ACCOUNT_A, "j"),
                "TARGET_ARN",
                "arn:aws:scheduler:::aws-sdk:lambda:invoke",
            ),
            "without a FunctionName",
        ),
    ],
    ids=[
        "not-json",
        "json-array",
        "no-body",
        "lambda-function-dlq",
        "on-success-record",
        "no-function-arn",
        "bad-function-arn",
        "scheduler-truncated",
        "eventbridge-sqs-target",
        "eventbridge-no-target",
        "scheduler-invoke-without-function",
    ],
)
def test_unparseable_messages_say_why(message: dict[str, Any], reason: str) -> None:
    # GIVEN a message that cannot be attributed to a Lambda function
    # WHEN parsed / THEN UnparseableMessage names the reason
    with pytest.raises(UnparseableMessage, match=reason):
        parse_message(message)


def test_parse_function_arn() -> None:
    arn = parse_function_arn(f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT_A}:function:f_1-x:live")
    assert (arn.partition, arn.region, arn.account, arn.name, arn.qualifier) == (
        "aws-cn",
        "cn-north-1",
        ACCOUNT_A,
        "f_1-x",
        "live",
    )
    assert arn.unqualified == f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT_A}:function:f_1-x"
    assert parse_function_arn(function_arn(ACCOUNT_A, qualifier=None)).qualifier is None
    for bad in ["orders", f"arn:aws:sqs:{REGION}:{ACCOUNT_A}:q", function_arn("123") + "x"]:
        with pytest.raises(ValueError, match="not a Lambda function ARN"):
            parse_function_arn(bad)


# --------------------------------------------------------------------------- Filters


def record(
    account: str = ACCOUNT_A,
    name: str = FUNCTION,
    qualifier: str | None = "live",
    rule: str | None = None,
    condition: str = "RetriesExhausted",
) -> DeadLetterRecord:
    return DeadLetterRecord(
        "m", KIND_LAMBDA_DESTINATION, account, REGION,
        function_arn(account, name, qualifier), rule, condition, b"{}",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(), True),
        (Filters(accounts=frozenset({ACCOUNT_A})), True),
        (Filters(accounts=frozenset({ACCOUNT_B})), False),
        (Filters(accounts=frozenset({ACCOUNT_B, ACCOUNT_A})), True),
        (Filters(functions=(FUNCTION,)), True),
        (Filters(functions=("other", FUNCTION)), True),
        (Filters(functions=(f"{FUNCTION}:live",)), True),
        (Filters(functions=(f"{FUNCTION}:7",)), False),
        (Filters(functions=(function_arn(ACCOUNT_A, qualifier=None),)), True),
        (Filters(functions=(function_arn(ACCOUNT_A),)), True),
        (Filters(functions=(function_arn(ACCOUNT_A, qualifier="7"),)), False),
        (Filters(functions=(function_arn(ACCOUNT_B, qualifier=None),)), False),
        (Filters(rules=("orders-placed",)), True),
        (Filters(rules=(rule_arn(ACCOUNT_A),)), True),
        (Filters(rules=(rule_arn(ACCOUNT_B),)), False),
        (Filters(accounts=frozenset({ACCOUNT_A}), rules=("other-rule",)), False),
        (Filters(accounts=frozenset({ACCOUNT_A}), functions=(FUNCTION,)), True),
    ],
)
def test_filters(filters: Filters, expected: bool) -> None:
    # GIVEN tenant A's live alias record delivered by rule orders-placed
    # WHEN filtered / THEN options AND together, values of one option OR together
    assert filters.matches(record(rule=rule_arn(ACCOUNT_A))) is expected


def test_rule_filter_never_matches_a_record_without_rule() -> None:
    assert not Filters(rules=("orders-placed",)).matches(record(rule=None))
    assert Filters(accounts=frozenset({ACCOUNT_A})).matches(record(rule=None))


def test_rule_filter_by_name_on_custom_bus_and_schedule() -> None:
    # GIVEN a rule on a custom bus (rule/BUS/NAME) and a schedule (schedule/GROUP/NAME)
    # WHEN filtered by name / THEN the last path segment is the name
    assert Filters(rules=("orders-placed",)).matches(
        record(rule=rule_arn(ACCOUNT_A, bus="tenant-bus"))
    )
    assert Filters(rules=(SCHEDULED,)).matches(record(rule=schedule_arn(ACCOUNT_A)))
    assert not Filters(rules=("tenant-bus",)).matches(
        record(rule=rule_arn(ACCOUNT_A, bus="tenant-bus"))
    )


def test_filters_describe() -> None:
    assert Filters().describe() == "none (every parseable message)"
    described = Filters(frozenset({ACCOUNT_B, ACCOUNT_A}), (FUNCTION,), ("r",)).describe()
    assert described == f"account {ACCOUNT_A}, {ACCOUNT_B}; function {FUNCTION}; rule r"


# --------------------------------------------------------------------------- summaries


def test_summarize_groups_and_counts() -> None:
    # GIVEN records of two accounts, one without rule
    records = [
        record(ACCOUNT_B, rule=rule_arn(ACCOUNT_B)),
        record(ACCOUNT_A, rule=rule_arn(ACCOUNT_A)),
        record(ACCOUNT_A, rule=rule_arn(ACCOUNT_A)),
        record(ACCOUNT_A, rule=rule_arn(ACCOUNT_A), condition="EventAgeExceeded"),
        record(ACCOUNT_A, rule=None),
    ]
    # WHEN summarized
    rows = summarize(records)
    # THEN one row per (account, function, rule, condition), sorted, counts adding up
    fn_a, rule_a = function_arn(ACCOUNT_A), rule_arn(ACCOUNT_A)
    fn_b, rule_b = function_arn(ACCOUNT_B), rule_arn(ACCOUNT_B)
    assert rows == [
        (SummaryKey(ACCOUNT_A, fn_a, "-", "RetriesExhausted"), 1),
        (SummaryKey(ACCOUNT_A, fn_a, rule_a, "EventAgeExceeded"), 1),
        (SummaryKey(ACCOUNT_A, fn_a, rule_a, "RetriesExhausted"), 2),
        (SummaryKey(ACCOUNT_B, fn_b, rule_b, "RetriesExhausted"), 1),
    ]
    assert sum(count for _, count in rows) == len(records)
    lines = format_summary(rows)
    assert lines[2] == (
        f"  2  account={ACCOUNT_A}  function={function_arn(ACCOUNT_A)}  "
        f"rule={rule_arn(ACCOUNT_A)}  condition=RetriesExhausted"
    )
    assert format_summary([]) == []


# --------------------------------------------------------------------------- command line


def test_reinvoke_command() -> None:
    url = f"https://sqs.{REGION}.amazonaws.com/{CENTRAL}/central-dlq"
    assert reinvoke_command(url) == f"paved-road redrive --dlq {url} --reinvoke"
    assert reinvoke_command(url, account=ACCOUNT_A, region=REGION) == (
        f"paved-road redrive --dlq {url} --reinvoke --account {ACCOUNT_A} --region {REGION}"
    )


def test_reinvoke_command_keeps_tokens_and_quotes_the_rest() -> None:
    # GIVEN an unresolved CDK token and a placeholder with shell metacharacters
    token = "${Token[TOKEN.123]}"
    # WHEN the command is built / THEN the token is kept as is (CloudFormation resolves it)
    # and the placeholder is quoted for the shell
    assert reinvoke_command(token, account="<ACCOUNT_ID>") == (
        f"paved-road redrive --dlq {token} --reinvoke --account '<ACCOUNT_ID>'"
    )


def test_reinvoke_command_line_parses_back() -> None:
    # GIVEN the command of the construct / WHEN parsed by the real parser
    args = parse_cli(
        reinvoke_command(f"arn:aws:sqs:{REGION}:{CENTRAL}:central-dlq", account=ACCOUNT_A)
    )
    # THEN it is the re-invoke mode for that account
    assert args.reinvoke and args.account == [ACCOUNT_A]


def test_role_template() -> None:
    assert (
        role_arn_for(ROLE_TEMPLATE, ACCOUNT_A)
        == f"arn:aws:iam::{ACCOUNT_A}:role/paved-road-redrive"
    )
    check_role_template(ROLE_TEMPLATE)
    with pytest.raises(RedriveInputError, match="must contain"):
        check_role_template("arn:aws:iam::111111111111:role/x")
    with pytest.raises(RedriveInputError, match="not an IAM role ARN"):
        check_role_template("arn:aws:iam:::user/{account}")


def parse(*argv: str) -> argparse.Namespace:
    """Parse ``paved-road redrive <argv>`` with the real subparser."""
    parser = argparse.ArgumentParser(prog="paved-road")
    subparsers = parser.add_subparsers(dest="command", required=True)
    redrive.add_parser(subparsers)
    return parser.parse_args(["redrive", *argv])


def parse_cli(line: str) -> argparse.Namespace:
    words = line.split()
    assert words[:2] == ["paved-road", "redrive"]
    return parse(*words[2:])


def test_parser_reinvoke_options() -> None:
    # GIVEN every re-invoke option
    args = parse(
        "--dlq", f"arn:aws:sqs:{REGION}:{CENTRAL}:central-dlq", "--reinvoke",
        "--account", ACCOUNT_A, "--account", ACCOUNT_B,
        "--function", FUNCTION, "--function", function_arn(ACCOUNT_A),
        "--rule", "orders-placed", "--rule", schedule_arn(ACCOUNT_A),
        "--max-messages", "50", "--assume-role-template", ROLE_TEMPLATE,
        "--visibility-timeout", "600", "--wait-seconds", "2", "--dry-run",
    )  # fmt: skip
    # WHEN parsed / THEN repeatable options are lists and numbers ints; func is redrive.run
    assert args.reinvoke and args.dry_run
    assert args.account == [ACCOUNT_A, ACCOUNT_B]
    assert args.function == [FUNCTION, function_arn(ACCOUNT_A)]
    assert args.rule == ["orders-placed", schedule_arn(ACCOUNT_A)]
    assert (args.max_messages, args.visibility_timeout, args.wait_seconds) == (50, 600, 2)
    assert args.assume_role_template == ROLE_TEMPLATE
    assert args.func is redrive.run


def test_parser_reinvoke_defaults() -> None:
    args = parse("--dlq", f"arn:aws:sqs:{REGION}:{CENTRAL}:central-dlq")
    assert args.reinvoke is False
    for name, _ in event_redrive.REINVOKE_OPTIONS:
        assert getattr(args, name) is None


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["--account", "1234"], "--account"),
        (["--account", "abcdefghijkl"], "--account"),
        (["--function", "arn:aws:lambda:eu-west-1:1:function:x"], "--function"),
        (["--function", ""], "--function"),
        (["--rule", f"arn:aws:sqs:{REGION}:{ACCOUNT_A}:q"], "--rule"),
        (["--max-messages", "0"], "--max-messages"),
        (["--visibility-timeout", "43201"], "--visibility-timeout"),
        (["--wait-seconds", "21"], "--wait-seconds"),
        (["--assume-role-template", "arn:aws:iam::111111111111:role/x"], "--assume-role-template"),
    ],
)
def test_parser_rejects_bad_reinvoke_values(
    capsys: pytest.CaptureFixture[str], argv: list[str], option: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse("--dlq", f"arn:aws:sqs:{REGION}:{CENTRAL}:central-dlq", "--reinvoke", *argv)
    assert exited.value.code == 2
    assert option in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--reinvoke", "--to", f"arn:aws:sqs:{REGION}:{CENTRAL}:other"], "--to cannot be"),
        (["--reinvoke", "--max-per-second", "5"], "--max-per-second cannot be"),
        (["--reinvoke", "--no-wait"], "--no-wait cannot be"),
        (["--reinvoke", "--timeout-seconds", "10"], "--timeout-seconds cannot be"),
        (["--account", ACCOUNT_A], "--account only work"),
        (["--function", FUNCTION, "--max-messages", "3"], "--function, --max-messages only"),
    ],
)
def test_modes_cannot_be_mixed(argv: list[str], message: str) -> None:
    # GIVEN options of the move-task mode with --reinvoke, or re-invoke options without it
    args = parse("--dlq", f"arn:aws:sqs:{REGION}:{CENTRAL}:central-dlq", *argv)
    client = Spy(None)
    err = io.StringIO()
    # WHEN run / THEN exit 2 with one line, before any AWS call
    assert redrive.run(args, client=client, out=io.StringIO(), err=err) == EXIT_ERROR
    assert message in err.getvalue()
    assert len(err.getvalue().strip().splitlines()) == 1
    assert client.calls == []


# --------------------------------------------------------------------------- moto fixtures


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def moto(aws_env: None) -> Iterator[None]:
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield


def session_in(account: str) -> Any:
    """A boto3 session with credentials of ``account`` (moto STS AssumeRole)."""
    credentials = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn=role_arn_for(ROLE_TEMPLATE, account), RoleSessionName="test-setup"
    )["Credentials"]
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=REGION,
    )


def deploy(session: Any, *names: str) -> None:
    """Create each function with a published version and a ``live`` alias."""
    role = session.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("index.py", "def handler(event, context):\n    return event\n")
    lambda_client = session.client("lambda", region_name=REGION)
    for name in names:
        lambda_client.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=role["Role"]["Arn"],
            Handler="index.handler",
            Code={"ZipFile": archive.getvalue()},
            Publish=True,
        )
        lambda_client.create_alias(FunctionName=name, Name="live", FunctionVersion="1")


class Spy:
    """Wraps a client, records every method call (name, kwargs); ``fail`` maps an operation
    name to an exception to raise instead, or to a callable run before the call."""

    def __init__(self, inner: Any, fail: dict[str, BaseException] | None = None) -> None:
        self._inner = inner
        self._fail = fail or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @property
    def meta(self) -> Any:
        return getattr(self._inner, "meta", SimpleNamespace(region_name=REGION))

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            if name in self._fail:
                raise self._fail[name]
            return getattr(self._inner, name)(**kwargs)

        return call

    def called(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for op, kwargs in self.calls if op == name]


@dataclass
class Invocation:
    account: str
    region: str
    kwargs: dict[str, Any]


class RecordingLambda:
    """A moto Lambda client that records Invoke and first checks the function exists
    (moto's simple backend would accept any name)."""

    def __init__(self, inner: Any, account: str, region: str, log: list[Invocation]) -> None:
        self._inner, self._account, self._region, self._log = inner, account, region, log

    def invoke(self, **kwargs: Any) -> Any:
        self._log.append(Invocation(self._account, self._region, kwargs))
        if hasattr(self._inner, "get_function"):  # a moto client, not a test fake
            self._inner.get_function(FunctionName=kwargs["FunctionName"])
        return self._inner.invoke(**kwargs)


class Recorder:
    """``(account, region) -> client`` around a LambdaClients, recording every Invoke."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.invocations: list[Invocation] = []
        self.requests: list[tuple[str, str]] = []

    def __call__(self, account: str, region: str) -> Any:
        self.requests.append((account, region))
        return RecordingLambda(self.inner(account, region), account, region, self.invocations)


@dataclass
class CentralDlq:
    url: str
    arn: str
    sent: list[Sent]

    def of(self, account: str) -> list[Sent]:
        return [s for s in self.sent if s.account == account]


def put(sqs: Any, url: str, sent: Sent) -> Sent:
    kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": sent.body}
    if sent.message_attributes:
        kwargs["MessageAttributes"] = sent.message_attributes
    sent.message_id = sqs.send_message(**kwargs)["MessageId"]
    return sent


UNPARSEABLE_BODY = '{"Records": "an S3 notification, not a failed event"}'


@pytest.fixture
def central(moto: None) -> CentralDlq:
    """The central DLQ with 4 messages of A, 4 of B (each account: two on-failure records,
    one EventBridge rule message, one Scheduler message) and 1 unparseable message; the
    functions exist (with their live alias) in accounts A and B."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="central-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sent: list[Sent] = []
    for tenant in (ACCOUNT_A, ACCOUNT_B):
        deploy(session_in(tenant), FUNCTION, SCHEDULED)
        for message in (
            lambda_destination(tenant, f"{tenant}-o1"),
            lambda_destination(tenant, f"{tenant}-o2", condition="EventAgeExceeded"),
            eventbridge_rule(tenant, f"{tenant}-o3"),
            scheduler(tenant, f"{tenant}-nightly"),
        ):
            sent.append(put(sqs, url, message))
    sqs.send_message(QueueUrl=url, MessageBody=UNPARSEABLE_BODY)
    return CentralDlq(url, arn, sent)


def visible_ids(url: str) -> set[str]:
    """Ids of every message visible on ``url`` now (received with a long timeout)."""
    sqs = boto3.client("sqs", region_name=REGION)
    ids: set[str] = set()
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=600
        ).get("Messages", [])
        if not batch:
            return ids
        ids.update(m["MessageId"] for m in batch)


@dataclass
class Result:
    code: int
    out: str
    err: str
    sqs: Spy
    lambdas: Recorder


def run_reinvoke(dlq: str, *argv: str) -> Result:
    """Run through ``redrive.run`` (the subcommand's ``func``), SQS client injected; the
    Lambda clients are the default ones (not recorded)."""
    sqs = Spy(boto3.client("sqs", region_name=REGION))
    out, err = io.StringIO(), io.StringIO()
    args = parse("--dlq", dlq, "--reinvoke", "--wait-seconds", "0", *argv)
    code = redrive.run(args, client=sqs, out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue(), sqs, Recorder(None))


def run_event_redrive(
    dlq: str,
    *argv: str,
    sqs_fail: dict[str, BaseException] | None = None,
    lambda_clients: Any = None,
) -> Result:
    """Run ``paved-road redrive --dlq <dlq> --reinvoke --wait-seconds 0 <argv>`` on moto
    with a Spy around SQS and a Recorder around the Lambda clients."""
    sqs = Spy(boto3.client("sqs", region_name=REGION), fail=sqs_fail)
    args = parse("--dlq", dlq, "--reinvoke", "--wait-seconds", "0", *argv)
    recorder = Recorder(lambda_clients or LambdaClients(args.assume_role_template))
    out, err = io.StringIO(), io.StringIO()
    code = event_redrive.run(args, sqs_client=sqs, lambda_clients=recorder, out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue(), sqs, recorder)


# --------------------------------------------------------------------------- moto: dry run


def test_dry_run_moves_nothing_and_counts_by_group(central: CentralDlq) -> None:
    # GIVEN the central DLQ with 9 messages
    everything = {s.message_id for s in central.sent}
    # WHEN a dry run for account A is made
    result = run_event_redrive(central.url, "--dry-run", "--account", ACCOUNT_A)
    # THEN it exits 0, invokes and deletes nothing, and every message is visible again
    assert result.code == EXIT_OK, result.err
    assert result.lambdas.requests == [] and result.lambdas.invocations == []
    assert result.sqs.called("delete_message") == []
    assert result.sqs.called("delete_message_batch") == []
    remaining = visible_ids(central.url)
    assert everything <= remaining and len(remaining) == 9
    # AND the report counts by account, function, rule and condition
    out = result.out
    assert "DRY RUN" in out
    assert f"DLQ:     {central.arn}" in out
    assert f"Filters: account {ACCOUNT_A}" in out
    assert "Received 9 message(s): 4 match the filters, 4 do not, 1 cannot be parsed." in out
    assert "Would re-invoke 4 message(s):" in out
    fn, rule = function_arn(ACCOUNT_A), rule_arn(ACCOUNT_A)
    expected_a = [  # sorted by account, function, rule, condition
        f"  1  account={ACCOUNT_A}  function={function_arn(ACCOUNT_A, SCHEDULED)}  "
        f"rule={schedule_arn(ACCOUNT_A)}  "
        "condition=Lambda.TooManyRequestsException (MaximumRetryAttempts)",
        f"  1  account={ACCOUNT_A}  function={fn}  rule={rule}  condition=EventAgeExceeded",
        f"  1  account={ACCOUNT_A}  function={fn}  rule={rule}  condition=RetriesExhausted",
        f"  1  account={ACCOUNT_A}  function={fn}  rule={rule}  "
        "condition=TARGET_UNAVAILABLE (MaximumEventAgeInSeconds)",
    ]
    lines = out.splitlines()
    start = lines.index("Would re-invoke 4 message(s):")
    assert lines[start + 1 : start + 5] == expected_a
    assert "Not matching, kept in the DLQ (4):" in out
    assert f"account={ACCOUNT_B}" in out
    assert "Unparseable, left in the DLQ (1):" in out
    assert "neither a Lambda on-failure record" in out
    # AND no payload is printed
    assert f"{ACCOUNT_A}-o1" not in out


def test_dry_run_restores_visibility_with_one_batch_call_per_ten(central: CentralDlq) -> None:
    # WHEN a dry run without filters is made
    result = run_event_redrive(central.url, "--dry-run")
    # THEN the 9 messages were received hidden and made visible in one batch call
    assert result.code == EXIT_OK
    receives = result.sqs.called("receive_message")
    assert all(r["VisibilityTimeout"] == 300 and r["WaitTimeSeconds"] == 0 for r in receives)
    assert all(r["MessageAttributeNames"] == ["All"] for r in receives)
    [restore] = result.sqs.called("change_message_visibility_batch")
    assert len(restore["Entries"]) == 9
    assert {e["VisibilityTimeout"] for e in restore["Entries"]} == {0}
    assert len(visible_ids(central.url)) == 9
    assert "Would re-invoke 8 message(s):" in result.out


def test_cli_main_dry_run(central: CentralDlq, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the real `paved-road` entry point, no client injected (created lazily in the
    # DLQ's region)
    # WHEN `paved-road redrive --dlq <ARN> --reinvoke --dry-run` runs
    code = cli.main(
        ["redrive", "--dlq", central.arn, "--reinvoke", "--dry-run", "--wait-seconds", "0"]
    )
    # THEN it exits 0 and reports the 9 messages; all are still there
    assert code == EXIT_OK
    assert "Received 9 message(s): 8 match the filters, 0 do not, 1 cannot be parsed." in (
        capsys.readouterr().out
    )
    assert len(visible_ids(central.url)) == 9


# --------------------------------------------------------------------------- moto: redrive


def test_redrive_one_tenant_with_assumed_roles(central: CentralDlq) -> None:
    # GIVEN functions in accounts A and B and the role template of both
    # WHEN account A is redriven
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_A, "--assume-role-template", ROLE_TEMPLATE
    )
    # THEN it exits 0
    assert result.code == EXIT_OK, result.err
    # AND exactly A's 4 messages were re-invoked asynchronously, with A's credentials (the
    # functions exist only in A: GetFunction before each Invoke ran in A's backend),
    # on the qualified ARN (live alias), with the original events as payloads
    a_sent = central.of(ACCOUNT_A)
    invocations = result.lambdas.invocations
    assert len(invocations) == len(a_sent) == 4
    assert {i.account for i in invocations} == {ACCOUNT_A}
    assert all(i.kwargs["InvocationType"] == "Event" for i in invocations)
    assert sorted(i.kwargs["FunctionName"] for i in invocations) == sorted(
        s.function_arn for s in a_sent
    )
    assert all(i.kwargs["FunctionName"].endswith(":live") for i in invocations)
    invoked_payloads = sorted(json.dumps(json.loads(i.kwargs["Payload"])) for i in invocations)
    assert invoked_payloads == sorted(json.dumps(s.payload) for s in a_sent)
    # AND one Lambda client per account and region was asked for A only
    assert set(result.lambdas.requests) == {(ACCOUNT_A, REGION)}
    # AND A's messages were deleted one by one, after their invoke; B's 4 messages and the
    # unparseable one are back in the queue, visible now
    deleted = result.sqs.called("delete_message")
    assert len(deleted) == 4
    remaining = visible_ids(central.url)
    assert len(remaining) == 5
    assert {s.message_id for s in central.of(ACCOUNT_B)} <= remaining
    assert not {s.message_id for s in a_sent} & remaining
    # AND the report
    assert "Re-invoked and deleted 4 message(s):" in result.out
    assert "Not matching, kept in the DLQ (4):" in result.out
    assert "Unparseable, left in the DLQ (1):" in result.out


def test_redrive_with_current_credentials_in_one_account(moto: None) -> None:
    # GIVEN a DLQ and functions in the caller's own account (no role template)
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="central-dlq")["QueueUrl"]
    deploy(boto3.session.Session(region_name=REGION), FUNCTION, SCHEDULED)
    sent = [
        put(sqs, url, lambda_destination(CENTRAL, "o-1")),
        put(sqs, url, eventbridge_rule(CENTRAL, "o-2")),
        put(sqs, url, scheduler(CENTRAL, "job")),
    ]
    # WHEN redriven by function name for the orders consumer only
    result = run_event_redrive(url, "--function", FUNCTION)
    # THEN its two messages are re-invoked with the current credentials, the scheduled
    # function's message stays
    assert result.code == EXIT_OK, result.err
    assert sorted(i.kwargs["Payload"] for i in result.lambdas.invocations) == sorted(
        json.dumps(s.payload, separators=(",", ":")).encode()
        if s.kind == KIND_LAMBDA_DESTINATION
        else s.body.encode()
        for s in sent[:2]
    )
    assert visible_ids(url) == {sent[2].message_id}


def test_failed_invoke_keeps_the_message(central: CentralDlq) -> None:
    # GIVEN A's scheduled function was deleted: its re-invoke will fail
    session_in(ACCOUNT_A).client("lambda").delete_function(FunctionName=SCHEDULED)
    # WHEN account A is redriven
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_A, "--assume-role-template", ROLE_TEMPLATE
    )
    # THEN it exits 1: three messages re-invoked and deleted, the Scheduler one kept and
    # visible again, with the Lambda error on stderr
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    scheduled = next(s for s in central.of(ACCOUNT_A) if s.kind == KIND_SCHEDULER)
    assert len(result.sqs.called("delete_message")) == 3
    remaining = visible_ids(central.url)
    assert scheduled.message_id in remaining
    assert len(remaining) == 6  # B's 4, the unparseable one, the failed one
    assert "ResourceNotFoundException" in result.err
    assert scheduled.message_id in result.err
    assert "Re-invoke failed for 1 message(s), kept in the DLQ:" in result.out


def test_unparseable_message_is_left_alone(central: CentralDlq) -> None:
    # WHEN every tenant is redriven
    result = run_event_redrive(central.url, "--assume-role-template", ROLE_TEMPLATE)
    # THEN 8 messages are re-invoked and deleted, exit 0, only the unparseable one stays
    assert result.code == EXIT_OK, result.err
    assert len(result.lambdas.invocations) == 8
    assert {i.account for i in result.lambdas.invocations} == {ACCOUNT_A, ACCOUNT_B}
    [left] = visible_ids(central.url)
    assert left not in {s.message_id for s in central.sent}
    assert f"  {left}: neither a Lambda on-failure record" in result.out


def test_rule_filter(central: CentralDlq) -> None:
    # WHEN redriving rule orders-placed of account B only (by ARN)
    result = run_event_redrive(
        central.url, "--rule", rule_arn(ACCOUNT_B), "--assume-role-template", ROLE_TEMPLATE
    )
    # THEN B's three rule-delivered messages (two on-failure records carrying "paved-road",
    # one EventBridge DLQ message) are re-invoked; B's scheduler message is not
    assert result.code == EXIT_OK, result.err
    assert len(result.lambdas.invocations) == 3
    assert {i.kwargs["FunctionName"] for i in result.lambdas.invocations} == {
        function_arn(ACCOUNT_B)
    }


def test_max_messages_limits_what_is_received(central: CentralDlq) -> None:
    # WHEN at most 3 messages may be received
    result = run_event_redrive(central.url, "--dry-run", "--max-messages", "3")
    # THEN 3 are received (one call asking for 3) and all 9 are visible afterwards
    assert result.code == EXIT_OK
    assert [r["MaxNumberOfMessages"] for r in result.sqs.called("receive_message")] == [3]
    assert "Received 3 message(s)" in result.out
    assert len(visible_ids(central.url)) == 9


def test_assume_role_failure_fails_that_account_once(central: CentralDlq) -> None:
    # GIVEN STS refuses to let us into any account
    denied = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "not authorized"}}, "AssumeRole"
    )
    sts = Spy(None, fail={"assume_role": denied})
    session = SimpleNamespace(client=lambda service, region_name=None: sts)
    # WHEN account A is redriven
    result = run_event_redrive(
        central.url,
        "--account",
        ACCOUNT_A,
        "--assume-role-template",
        ROLE_TEMPLATE,
        lambda_clients=LambdaClients(ROLE_TEMPLATE, session=session),
    )
    # THEN exit 1, STS was asked once, nothing was deleted and all 9 messages are back
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    assert len(sts.called("assume_role")) == 1
    assert result.sqs.called("delete_message") == []
    assert len(visible_ids(central.url)) == 9
    assert f"cannot assume arn:aws:iam::{ACCOUNT_A}:role/paved-road-redrive" in result.err
    assert "AccessDenied: not authorized (AssumeRole)" in result.err


def test_non_202_status_is_a_failure(central: CentralDlq) -> None:
    # GIVEN a Lambda client answering 200 (as for a synchronous invoke)
    fake = SimpleNamespace(invoke=lambda **kwargs: {"StatusCode": 200})
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_B, lambda_clients=lambda account, region: fake
    )
    # THEN nothing is deleted, exit 1
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    assert result.sqs.called("delete_message") == []
    assert "StatusCode 200, not 202" in result.err
    assert len(visible_ids(central.url)) == 9


def test_delete_refused_stops_with_exit_2_and_restores_the_rest(central: CentralDlq) -> None:
    # GIVEN DeleteMessage is denied
    denied = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "no sqs:DeleteMessage"}}, "DeleteMessage"
    )
    # WHEN account A is redriven
    result = run_event_redrive(
        central.url,
        "--account",
        ACCOUNT_A,
        "--assume-role-template",
        ROLE_TEMPLATE,
        sqs_fail={"delete_message": denied},
    )
    # THEN it stops at the first message: exit 2, one line saying the message was
    # re-invoked but not deleted; every other message received is visible again
    assert result.code == EXIT_ERROR
    assert len(result.lambdas.invocations) == 1
    [line] = result.err.strip().splitlines()
    assert "was re-invoked on" in line and "cannot be deleted" in line
    assert "AccessDenied" in line
    assert "Re-invoked and deleted 0 message(s):" in result.out
    assert "Re-invoked but NOT deleted (1)" in result.out
    # the re-invoked message stays hidden until its visibility timeout ends
    assert len(visible_ids(central.url)) == 8


def test_interrupt_restores_visibility(central: CentralDlq) -> None:
    # GIVEN Ctrl-C arrives during the first Invoke
    def interrupted(**kwargs: Any) -> Any:
        raise KeyboardInterrupt

    fake = SimpleNamespace(invoke=interrupted)
    # WHEN account A is redriven
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_A, lambda_clients=lambda account, region: fake
    )
    # THEN exit 130, nothing deleted, every message received is visible again
    assert result.code == EXIT_INTERRUPTED
    assert result.sqs.called("delete_message") == []
    assert len(visible_ids(central.url)) == 9
    assert "interrupted" in result.err


def test_missing_dlq_is_exit_2(moto: None) -> None:
    url = f"https://sqs.{REGION}.amazonaws.com/{CENTRAL}/no-such-queue"
    result = run_event_redrive(url, "--dry-run")
    assert result.code == EXIT_ERROR
    [line] = result.err.strip().splitlines()
    assert line.startswith("paved-road redrive: error: cannot find the DLQ")


def test_receive_refused_is_exit_2_and_restores(central: CentralDlq) -> None:
    # GIVEN ReceiveMessage is denied
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "ReceiveMessage")
    result = run_event_redrive(central.url, sqs_fail={"receive_message": denied})
    # THEN exit 2 with the SQS error; nothing invoked
    assert result.code == EXIT_ERROR
    assert "cannot receive messages" in result.err and "AccessDenied" in result.err
    assert result.lambdas.invocations == []


def test_restore_failure_is_a_warning_only(central: CentralDlq) -> None:
    # GIVEN ChangeMessageVisibilityBatch is denied
    denied = ClientError(
        {"Error": {"Code": "AccessDenied", "Message": "no"}}, "ChangeMessageVisibilityBatch"
    )
    result = run_event_redrive(
        central.url, "--dry-run", sqs_fail={"change_message_visibility_batch": denied}
    )
    # THEN the dry run still exits 0 and warns that the messages come back after the timeout
    assert result.code == EXIT_OK
    assert "could not make 9 message(s) visible again" in result.err
    assert "after the visibility timeout (300s)" in result.err


def test_redrive_run_hands_over_to_event_redrive(central: CentralDlq) -> None:
    # GIVEN `paved-road redrive --reinvoke --dry-run` through redrive.run with the SQS
    # client injected as for the move-task mode
    result = run_reinvoke(central.url, "--dry-run")
    # THEN the re-invoke mode ran on that client
    assert result.code == EXIT_OK, result.err
    assert result.sqs.called("receive_message")
    assert result.sqs.called("start_message_move_task") == []
    assert "Would re-invoke 8 message(s):" in result.out


def test_lambda_clients_are_cached_per_account_and_region(moto: None) -> None:
    # GIVEN LambdaClients with a role template
    clients = LambdaClients(ROLE_TEMPLATE)
    # WHEN clients are asked for twice
    first = clients(ACCOUNT_A, REGION)
    # THEN the same client comes back for the same account and region only
    assert clients(ACCOUNT_A, REGION) is first
    assert clients(ACCOUNT_A, "us-east-1") is not first
    assert clients(ACCOUNT_B, REGION) is not first
    # AND it acts in the assumed account: a function created with it lives in that account
    deploy(session_in(ACCOUNT_A), FUNCTION)
    first.get_function(FunctionName=FUNCTION)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        clients(ACCOUNT_B, REGION).get_function(FunctionName=FUNCTION)


def test_account_access_error_is_cached() -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")
    sts = Spy(None, fail={"assume_role": denied})
    clients = LambdaClients(ROLE_TEMPLATE, session=SimpleNamespace(client=lambda *a, **k: sts))
    for _ in range(3):
        with pytest.raises(AccountAccessError, match="cannot assume"):
            clients(ACCOUNT_A, REGION)
    assert len(sts.called("assume_role")) == 1
