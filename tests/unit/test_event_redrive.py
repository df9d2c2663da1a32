"""Tests for ``paved-road redrive --reinvoke`` (paved_road.event_redrive).

A central DLQ (moto's default account, 123456789012) holds dead-lettered events of two
tenant accounts, A and B, in the three formats the command understands: Lambda on-failure
destination records, EventBridge rule-target DLQ messages and EventBridge Scheduler
dead-letter events (bodies and attributes as in the AWS documentation; see
docs/redrive.md).

moto (5.2.5) is used for real for SQS (receive, delete, ChangeMessageVisibilityBatch,
message attributes, the system attributes SentTimestamp, ApproximateReceiveCount and
ApproximateFirstReceiveTimestamp), STS (AssumeRole into accounts A and B: moto keeps
resources per account, so a function created with A's credentials exists only in A),
Lambda (CreateFunction, CreateAlias, GetFunction, GetFunctionConfiguration, Invoke), IAM
(CreateRole, GetRole) and EventBridge Scheduler (CreateSchedule, GetSchedule), with the
Docker-less Lambda backend (``mock_aws(config={"lambda": {"use_docker": False}})``, extra
``awslambda-simple``).

That backend's Invoke returns 202 for ANY function name, even one that does not exist,
and keeps no record of invocations. So the Lambda clients are wrapped (``Recorder``):
every Invoke is recorded with the account of the client that made it, and is preceded by
a GetFunction on the same moto client, which raises moto's real ResourceNotFoundException
for a function (or alias) missing in that account, as Lambda's Invoke would.

moto's SQS reports the same SenderId (an IAM user ID) for every message, whoever sent it.
The sender check compares SenderId with the RoleId of the role AWS sends each kind of
message with, so the SQS client is wrapped (``SenderIds``): a message sent with ``put(...,
sender_id)`` is received with that SenderId (``<RoleId>:<session>`` of a role moto created,
or of another role for forged messages). The drain's stop condition and its handling of
messages back after their visibility timeout are tested on ``FakeQueue``, a fake SQS queue
on a tick clock.
"""

from __future__ import annotations

import argparse
import io
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
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
    sender_id: str | None = None  # the SenderId SQS reports (see SenderIds)


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


def deploy(session: Any, *names: str) -> str:
    """Create each function with a published version and a ``live`` alias; return the
    RoleId of their execution role."""
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
    return str(role["Role"]["RoleId"])


def deploy_schedule(session: Any, name: str = SCHEDULED) -> str:
    """Create schedule ``default/<name>`` invoking function ``name:live`` of the session's
    account, with its own execution role; return that role's RoleId."""
    role = session.client("iam").create_role(
        RoleName=f"{name}-schedule", AssumeRolePolicyDocument="{}"
    )["Role"]
    account = role["Arn"].split(":")[4]
    session.client("scheduler", region_name=REGION).create_schedule(
        Name=name,
        GroupName="default",
        ScheduleExpression="rate(1 day)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": function_arn(account, name), "RoleArn": role["Arn"]},
    )
    return str(role["RoleId"])


@dataclass(frozen=True)
class Roles:
    """RoleIds of a tenant's execution roles: the functions' and the schedule's."""

    function: str
    schedule: str

    def sender_of(self, sent: Sent) -> str | None:
        """The SenderId AWS would send ``sent`` with (``<RoleId>:<session>``); None for
        an EventBridge rule message (sent by EventBridge itself)."""
        if sent.kind == KIND_LAMBDA_DESTINATION:
            return f"{self.function}:{FUNCTION}"
        if sent.kind == KIND_SCHEDULER:
            return f"{self.schedule}:scheduler-dlq"
        return None


#: message id -> the SenderId it is received with. moto's SQS reports one fixed SenderId
#: (an IAM user ID) for every message, whoever sent it; ``SenderIds`` replaces it.
SENDER_IDS: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _forget_sender_ids() -> Iterator[None]:
    yield
    SENDER_IDS.clear()


class SenderIds:
    """An SQS client whose ReceiveMessage answers carry the SenderId recorded in
    ``SENDER_IDS`` (when asked for SenderId), as real SQS would for the sending role."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    @property
    def meta(self) -> Any:
        return self._inner.meta

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def receive_message(self, **kwargs: Any) -> Any:
        response = self._inner.receive_message(**kwargs)
        for message in response.get("Messages", []):
            attributes = message.get("Attributes", {})
            if "SenderId" in attributes and message["MessageId"] in SENDER_IDS:
                attributes["SenderId"] = SENDER_IDS[message["MessageId"]]
        return response


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

    on_invoke: Callable[[dict[str, Any]], None] | None = None

    def invoke(self, **kwargs: Any) -> Any:
        self._log.append(Invocation(self._account, self._region, kwargs))
        if hasattr(self._inner, "get_function"):  # a moto client, not a test fake
            self._inner.get_function(FunctionName=kwargs["FunctionName"])
        response = self._inner.invoke(**kwargs)
        if self.on_invoke is not None:
            self.on_invoke(kwargs)
        return response


class Recorder:
    """``(account, region) -> client`` around a LambdaClients, recording every Invoke.
    ``on_invoke`` (if set) runs after each accepted Invoke with its kwargs."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.invocations: list[Invocation] = []
        self.requests: list[tuple[str, str]] = []
        self.on_invoke: Callable[[dict[str, Any]], None] | None = None

    def __call__(self, account: str, region: str) -> Any:
        self.requests.append((account, region))
        recording = RecordingLambda(self.inner(account, region), account, region, self.invocations)
        recording.on_invoke = self.on_invoke
        return recording


class Lookups:
    """``(service, account, region) -> client`` for the sender check, recording every call
    as ``(service, account, operation, kwargs)``."""

    def __init__(self, inner: Callable[[str, str, str], Any]) -> None:
        self.inner = inner
        self.calls: list[tuple[str, str, str, dict[str, Any]]] = []

    def __call__(self, service: str, account: str, region: str) -> Any:
        client = self.inner(service, account, region)
        calls = self.calls

        class Recording:
            def __getattr__(self, operation: str) -> Any:
                def call(**kwargs: Any) -> Any:
                    calls.append((service, account, operation, kwargs))
                    return getattr(client, operation)(**kwargs)

                return call

        return Recording()

    def called(self, operation: str) -> list[dict[str, Any]]:
        return [kwargs for _, _, op, kwargs in self.calls if op == operation]


@dataclass
class CentralDlq:
    url: str
    arn: str
    sent: list[Sent]
    roles: dict[str, Roles]  # account -> its execution roles

    def of(self, account: str) -> list[Sent]:
        return [s for s in self.sent if s.account == account]


def put(sqs: Any, url: str, sent: Sent, sender_id: str | None = None) -> Sent:
    """Send ``sent``; it is received with ``sender_id`` as its SenderId when given."""
    kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": sent.body}
    if sent.message_attributes:
        kwargs["MessageAttributes"] = sent.message_attributes
    sent.message_id = sqs.send_message(**kwargs)["MessageId"]
    if sender_id is not None:
        sent.sender_id = SENDER_IDS[sent.message_id] = sender_id
    return sent


UNPARSEABLE_BODY = '{"Records": "an S3 notification, not a failed event"}'


@pytest.fixture
def central(moto: None) -> CentralDlq:
    """The central DLQ with 4 messages of A, 4 of B (each account: two on-failure records,
    one EventBridge rule message, one Scheduler message) and 1 unparseable message; the
    functions exist (with their live alias) in accounts A and B, and so does the schedule
    of the scheduled function. Each on-failure record is received with the SenderId of its
    function's execution role, each Scheduler message with that of the schedule's role."""
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="central-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sent: list[Sent] = []
    roles: dict[str, Roles] = {}
    for tenant in (ACCOUNT_A, ACCOUNT_B):
        session = session_in(tenant)
        roles[tenant] = Roles(deploy(session, FUNCTION, SCHEDULED), deploy_schedule(session))
        for message in (
            lambda_destination(tenant, f"{tenant}-o1"),
            lambda_destination(tenant, f"{tenant}-o2", condition="EventAgeExceeded"),
            eventbridge_rule(tenant, f"{tenant}-o3"),
            scheduler(tenant, f"{tenant}-nightly"),
        ):
            sent.append(put(sqs, url, message, roles[tenant].sender_of(message)))
    sqs.send_message(QueueUrl=url, MessageBody=UNPARSEABLE_BODY)
    return CentralDlq(url, arn, sent, roles)


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
    sqs = Spy(SenderIds(boto3.client("sqs", region_name=REGION)))
    out, err = io.StringIO(), io.StringIO()
    args = parse("--dlq", dlq, "--reinvoke", "--wait-seconds", "0", *argv)
    code = redrive.run(args, client=sqs, out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue(), sqs, Recorder(None))


def run_event_redrive(
    dlq: str,
    *argv: str,
    sqs_fail: dict[str, BaseException] | None = None,
    lambda_clients: Any = None,
    aws_clients: Any = None,
    on_invoke: Callable[[dict[str, Any]], None] | None = None,
) -> Result:
    """Run ``paved-road redrive --dlq <dlq> --reinvoke --wait-seconds 0 <argv>`` on moto
    with a Spy around SQS (SenderIds set from ``SENDER_IDS``) and a Recorder around the
    Lambda clients. The sender check uses ``aws_clients``, by default the ``client`` of the
    LambdaClients behind the Recorder (same credentials as the invokes)."""
    sqs = Spy(SenderIds(boto3.client("sqs", region_name=REGION)), fail=sqs_fail)
    args = parse("--dlq", dlq, "--reinvoke", "--wait-seconds", "0", *argv)
    recorder = Recorder(lambda_clients or LambdaClients(args.assume_role_template))
    recorder.on_invoke = on_invoke
    if aws_clients is None:
        aws_clients = getattr(recorder.inner, "client", None)
    out, err = io.StringIO(), io.StringIO()
    code = event_redrive.run(
        args,
        sqs_client=sqs,
        lambda_clients=recorder,
        aws_clients=aws_clients,
        out=out,
        err=err,
    )
    return Result(code, out.getvalue(), err.getvalue(), sqs, recorder)


# --------------------------------------------------------------------------- moto: dry run


def test_dry_run_moves_nothing_and_counts_by_group(central: CentralDlq) -> None:
    # GIVEN the central DLQ with 9 messages
    everything = {s.message_id for s in central.sent}
    # WHEN a dry run for account A is made (senders checked in A through the role)
    result = run_event_redrive(
        central.url, "--dry-run", "--account", ACCOUNT_A, "--assume-role-template", ROLE_TEMPLATE
    )
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
    # AND the senders of the on-failure records and of the Scheduler message are verified;
    # the EventBridge rule message has no sender to check: it would be kept
    assert "Senders of the matching messages: 3 verified, 1 unverified, 0 refused." in out
    fn, rule = function_arn(ACCOUNT_A), rule_arn(ACCOUNT_A)
    expected_a = [  # sorted by account, function, rule, condition
        f"  1  account={ACCOUNT_A}  function={function_arn(ACCOUNT_A, SCHEDULED)}  "
        f"rule={schedule_arn(ACCOUNT_A)}  "
        "condition=Lambda.TooManyRequestsException (MaximumRetryAttempts)",
        f"  1  account={ACCOUNT_A}  function={fn}  rule={rule}  condition=EventAgeExceeded",
        f"  1  account={ACCOUNT_A}  function={fn}  rule={rule}  condition=RetriesExhausted",
    ]
    lines = out.splitlines()
    start = lines.index("Would re-invoke 3 message(s):")
    assert lines[start + 1 : start + 4] == expected_a
    start = next(i for i, line in enumerate(lines) if line.startswith("Unverified sender, kept"))
    assert lines[start + 1] == (
        f"  1  account={ACCOUNT_A}  function={fn}  rule={rule}  "
        "condition=TARGET_UNAVAILABLE (MaximumEventAgeInSeconds)"
    )
    assert "--trust-unverified-senders" in lines[start]
    assert "Not matching, kept in the DLQ (4):" in out
    assert f"account={ACCOUNT_B}" in out
    assert "Unparseable, left in the DLQ (1):" in out
    assert "neither a Lambda on-failure record" in out
    # AND no payload is printed
    assert f"{ACCOUNT_A}-o1" not in out


def test_dry_run_restores_visibility_with_one_batch_call_per_ten(central: CentralDlq) -> None:
    # WHEN a dry run without filters is made
    result = run_event_redrive(central.url, "--dry-run", "--assume-role-template", ROLE_TEMPLATE)
    # THEN the 9 messages were received hidden, with their message attributes and the
    # system attributes of the sender check and the run start, and made visible in one
    # batch call
    assert result.code == EXIT_OK
    receives = result.sqs.called("receive_message")
    assert all(r["VisibilityTimeout"] == 300 and r["WaitTimeSeconds"] == 0 for r in receives)
    assert all(r["MessageAttributeNames"] == ["All"] for r in receives)
    assert all(
        set(r["MessageSystemAttributeNames"])
        == {
            "SenderId",
            "SentTimestamp",
            "ApproximateReceiveCount",
            "ApproximateFirstReceiveTimestamp",
        }
        for r in receives
    )
    [restore] = result.sqs.called("change_message_visibility_batch")
    assert len(restore["Entries"]) == 9
    assert {e["VisibilityTimeout"] for e in restore["Entries"]} == {0}
    assert len(visible_ids(central.url)) == 9
    assert "Would re-invoke 6 message(s):" in result.out  # the 2 EventBridge ones are kept


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
    # WHEN account A is redriven, EventBridge rule messages (no sender to check) included
    result = run_event_redrive(
        central.url,
        "--account",
        ACCOUNT_A,
        "--assume-role-template",
        ROLE_TEMPLATE,
        "--trust-unverified-senders",
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
    role = deploy(boto3.session.Session(region_name=REGION), FUNCTION, SCHEDULED)
    sent = [
        put(sqs, url, lambda_destination(CENTRAL, "o-1"), f"{role}:{FUNCTION}"),
        put(sqs, url, eventbridge_rule(CENTRAL, "o-2")),
        put(sqs, url, scheduler(CENTRAL, "job")),
    ]
    # WHEN redriven by function name for the orders consumer only
    result = run_event_redrive(url, "--function", FUNCTION, "--trust-unverified-senders")
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
    # WHEN account A is redriven (its schedule, which vouches for the sender, still exists)
    result = run_event_redrive(
        central.url,
        "--account",
        ACCOUNT_A,
        "--assume-role-template",
        ROLE_TEMPLATE,
        "--trust-unverified-senders",
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
    result = run_event_redrive(
        central.url, "--assume-role-template", ROLE_TEMPLATE, "--trust-unverified-senders"
    )
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
        central.url,
        "--rule",
        rule_arn(ACCOUNT_B),
        "--assume-role-template",
        ROLE_TEMPLATE,
        "--trust-unverified-senders",
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
        central.url,
        "--account",
        ACCOUNT_B,
        lambda_clients=lambda account, region: fake,
        aws_clients=LambdaClients(ROLE_TEMPLATE).client,  # senders checked in B
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
        central.url,
        "--account",
        ACCOUNT_A,
        lambda_clients=lambda account, region: fake,
        aws_clients=LambdaClients(ROLE_TEMPLATE).client,  # senders checked in A
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
    assert "Received 9 message(s): 8 match the filters, 0 do not, 1 cannot be parsed." in (
        result.out
    )


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


# --------------------------------------------------------------------------- run start


def received(message_id: str, **system: str) -> dict[str, Any]:
    return {"MessageId": message_id, "ReceiptHandle": "h", "Body": "{}", "Attributes": system}


def test_run_start_is_the_first_receive_of_a_new_message() -> None:
    # GIVEN a first batch with a message received for the first time (count 1) and one
    # received before
    batch = [
        received("a", SentTimestamp="1000", ApproximateReceiveCount="1",
                 ApproximateFirstReceiveTimestamp="5000"),
        received("b", SentTimestamp="900", ApproximateReceiveCount="3",
                 ApproximateFirstReceiveTimestamp="2000"),
    ]  # fmt: skip
    # WHEN the start is taken / THEN it is SQS's time of this receive, whatever the local
    # clock or the Date header say
    response = {"ResponseMetadata": {"HTTPHeaders": {"date": "Mon, 05 Jan 2026 10:00:00 GMT"}}}
    assert event_redrive.run_start_ms(response, batch, local_ms=99_999_999) == 5000


def test_run_start_falls_back_to_the_date_header_then_the_local_clock() -> None:
    # GIVEN a first batch whose messages were all received before (e.g. by a dry run)
    batch = [received("a", SentTimestamp="1000", ApproximateReceiveCount="2",
                      ApproximateFirstReceiveTimestamp="2000")]  # fmt: skip
    date = {"ResponseMetadata": {"HTTPHeaders": {"date": "Mon, 05 Jan 2026 10:00:00 GMT"}}}
    # THEN the response's Date (SQS's clock, whole seconds) is the start
    assert event_redrive.run_start_ms(date, batch, local_ms=0) == 1_767_607_200_000
    # AND without a Date, the local clock minus the skew allowance
    local = 1_767_607_200_000
    assert event_redrive.run_start_ms({}, batch, local_ms=local) == (
        local - event_redrive.CLOCK_SKEW_ALLOWANCE_MS
    )
    # AND never before the newest message of the first batch
    late = [received("a", SentTimestamp=str(local + 5))]
    assert event_redrive.run_start_ms({}, late, local_ms=local) == local + 5


# --------------------------------------------------------------------------- fake queue


class FakeQueue:
    """A fake SQS queue on a tick clock (1 tick = 1 second): every ReceiveMessage takes a
    tick, returns at most ``per_receive`` visible messages, oldest first (so messages back
    after their visibility timeout come before unseen ones), hides them for
    ``VisibilityTimeout`` ticks and reports the system attributes as SQS does."""

    URL = f"https://sqs.{REGION}.amazonaws.com/{CENTRAL}/central-dlq"
    meta = SimpleNamespace(region_name=REGION)

    def __init__(self, per_receive: int = 10) -> None:
        self.now = 1_767_607_200
        self.per_receive = per_receive
        self.messages: dict[str, dict[str, Any]] = {}
        self.receives = self.sent = 0

    def send(self, body: str, sender_id: str, attributes: dict[str, Any] | None = None) -> str:
        self.sent += 1
        message_id = f"m{self.sent}"
        self.messages[message_id] = {
            "body": body, "attributes": attributes or {}, "sender": sender_id,
            "sent": self.now * 1000, "count": 0, "first": None, "hidden_until": 0,
            "handle": None,
        }  # fmt: skip
        return message_id

    def get_queue_attributes(self, **kwargs: Any) -> Any:
        return {"Attributes": {"QueueArn": f"arn:aws:sqs:{REGION}:{CENTRAL}:central-dlq"}}

    def receive_message(self, **kwargs: Any) -> Any:
        self.receives += 1
        self.now += 1
        wanted = min(self.per_receive, kwargs["MaxNumberOfMessages"])
        visible = [(i, m) for i, m in self.messages.items() if m["hidden_until"] <= self.now]
        batch = []
        for message_id, m in visible[:wanted]:
            m["count"] += 1
            m["first"] = m["first"] or self.now * 1000
            m["hidden_until"] = self.now + kwargs["VisibilityTimeout"]
            m["handle"] = f"{message_id}#{m['count']}"
            batch.append({
                "MessageId": message_id, "ReceiptHandle": m["handle"], "Body": m["body"],
                "MessageAttributes": m["attributes"],
                "Attributes": {
                    "SenderId": m["sender"], "SentTimestamp": str(m["sent"]),
                    "ApproximateReceiveCount": str(m["count"]),
                    "ApproximateFirstReceiveTimestamp": str(m["first"]),
                },
            })  # fmt: skip
        return {"Messages": batch}

    def _current(self, handle: str) -> str | None:
        return next((i for i, m in self.messages.items() if m["handle"] == handle), None)

    def delete_message(self, **kwargs: Any) -> Any:
        message_id = self._current(kwargs["ReceiptHandle"])
        if message_id is not None:
            del self.messages[message_id]
        return {}

    def change_message_visibility_batch(self, **kwargs: Any) -> Any:
        for entry in kwargs["Entries"]:
            message_id = self._current(entry["ReceiptHandle"])
            if message_id is not None:
                self.messages[message_id]["hidden_until"] = self.now + entry["VisibilityTimeout"]
        return {"Successful": [], "Failed": []}

    def visible(self) -> set[str]:
        return {i for i, m in self.messages.items() if m["hidden_until"] <= self.now}


FAKE_ROLE_ID = "AROAFAKEFUNCTIONROLE1"
FAKE_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_A}:role/fn"


def fake_aws_clients(service: str, account: str, region: str) -> Any:
    """Sender-check clients for the fakes: every function runs with FAKE_ROLE_ARN."""
    return SimpleNamespace(
        get_function_configuration=lambda **kwargs: {"Role": FAKE_ROLE_ARN},
        get_role=lambda **kwargs: {"Role": {"RoleId": FAKE_ROLE_ID}},
    )


def failure_record(function: str, payload: Any) -> str:
    return json.dumps({
        "requestContext": {"functionArn": function, "condition": "RetriesExhausted"},
        "requestPayload": payload,
    })  # fmt: skip


def run_fake(queue: FakeQueue, lambda_client: Any, *argv: str) -> Result:
    args = parse("--dlq", FakeQueue.URL, "--reinvoke", "--wait-seconds", "0", *argv)
    out, err = io.StringIO(), io.StringIO()
    recorder = Recorder(lambda account, region: lambda_client)
    code = event_redrive.run(
        args, sqs_client=queue, lambda_clients=recorder, aws_clients=fake_aws_clients,
        out=out, err=err, clock=lambda: float(queue.now),
    )  # fmt: skip
    return Result(code, out.getvalue(), err.getvalue(), Spy(None), recorder)


# --------------------------------------------------------------------------- loop


def test_reinvokes_that_fail_again_are_left_for_the_next_run_fake() -> None:
    # GIVEN the reviewer's scenario: a function that fails again at once (no retries), so
    # each re-invoke puts a NEW on-failure record (new MessageId) into the same DLQ; 25
    # originals, more than two batches
    queue = FakeQueue()
    fn = function_arn(ACCOUNT_A)
    sender = f"{FAKE_ROLE_ID}:{FUNCTION}"
    originals = [queue.send(failure_record(fn, {"n": n}), sender) for n in range(25)]

    def fails_again(**kwargs: Any) -> Any:
        queue.send(failure_record(fn, json.loads(kwargs["Payload"])), sender)
        return {"StatusCode": 202}

    # WHEN the DLQ is redriven
    result = run_fake(queue, SimpleNamespace(invoke=fails_again))
    # THEN the run ends: every original was re-invoked exactly once and deleted
    assert result.code == EXIT_OK, result.err
    payloads = [json.loads(i.kwargs["Payload"])["n"] for i in result.lambdas.invocations]
    assert sorted(payloads) == list(range(25))
    assert not set(originals) & set(queue.messages)
    # AND the 25 new failure records are in the queue, visible, for the next run
    assert len(queue.visible()) == len(queue.messages) == 25
    assert "Sent during this run: 25, left for the next run" in result.out
    assert "Received 50 message(s): 25 matched the filters, 0 did not, 0 could not be " in (
        result.out
    )


def test_reinvokes_that_fail_again_are_left_for_the_next_run_moto(moto: None) -> None:
    # GIVEN the same scenario on moto: 25 on-failure records of tenant A's function, sent
    # by its execution role, and a function whose every re-invoke fails again at once
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="central-dlq")["QueueUrl"]
    session = session_in(ACCOUNT_A)
    sender = f"{deploy(session, FUNCTION)}:{FUNCTION}"
    originals = [put(sqs, url, lambda_destination(ACCOUNT_A, f"o-{n}"), sender) for n in range(25)]
    again: list[str] = []

    def fails_again(kwargs: dict[str, Any]) -> None:
        body = json.loads(lambda_destination(ACCOUNT_A, "again").body)
        body["requestPayload"] = json.loads(kwargs["Payload"])
        again.append(put(sqs, url, replace(originals[0], body=json.dumps(body)), sender).message_id)

    # WHEN the tenant is redriven
    result = run_event_redrive(
        url, "--account", ACCOUNT_A, "--assume-role-template", ROLE_TEMPLATE,
        on_invoke=fails_again,
    )  # fmt: skip
    # THEN the run ends (exit 0): each original was re-invoked exactly once and deleted
    assert result.code == EXIT_OK, result.err
    invoked = sorted(json.loads(i.kwargs["Payload"])["detail"]["orderId"]
                     for i in result.lambdas.invocations)  # fmt: skip
    assert invoked == sorted(f"o-{n}" for n in range(25))
    # AND exactly the 25 new failure records are left, visible
    assert len(again) == 25
    assert visible_ids(url) == set(again)
    assert "Sent during this run: 25, left for the next run" in result.out


# --------------------------------------------------------------------------- stop condition


def test_messages_back_after_their_visibility_timeout_do_not_end_the_drain() -> None:
    # GIVEN 5 messages of another tenant (kept), then 5 of A whose re-invokes are slow, then
    # 5 more of the other tenant; SQS returns 5 messages per receive, and the kept ones come
    # back (visibility timeout 4 s) while A's are re-invoked
    queue = FakeQueue(per_receive=5)
    other = f"arn:aws:lambda:{REGION}:{ACCOUNT_B}:function:{FUNCTION}:live"
    sender = f"{FAKE_ROLE_ID}:{FUNCTION}"
    first = [queue.send(failure_record(other, {"n": n}), sender) for n in range(5)]
    for n in range(5):
        queue.send(failure_record(function_arn(ACCOUNT_A), {"n": n}), sender)
    last = [queue.send(failure_record(other, {"n": n}), sender) for n in range(5)]

    def slow(**kwargs: Any) -> Any:
        queue.now += 1
        return {"StatusCode": 202}

    # WHEN tenant A is redriven
    result = run_fake(
        queue, SimpleNamespace(invoke=slow), "--account", ACCOUNT_A, "--visibility-timeout", "4"
    )
    # THEN the receive that returns only the 5 first messages (back again) does not end the
    # drain: the last 5 are received too, and everything not re-invoked is visible again
    assert result.code == EXIT_OK, result.err
    assert len(result.lambdas.invocations) == 5
    assert "Received 15 message(s): 5 matched the filters, 10 did not" in result.out
    assert queue.visible() == set(first) | set(last)


def test_a_visibility_timeout_too_short_for_the_run_stops_it_with_exit_1() -> None:
    # GIVEN 25 messages of another tenant and a 1 s visibility timeout: the messages come
    # back before the next receive, every time
    queue = FakeQueue(per_receive=5)
    other = f"arn:aws:lambda:{REGION}:{ACCOUNT_B}:function:{FUNCTION}:live"
    for n in range(25):
        queue.send(failure_record(other, {"n": n}), "AROAX:x")
    # WHEN tenant A is redriven
    result = run_fake(
        queue, SimpleNamespace(invoke=None), "--account", ACCOUNT_A, "--visibility-timeout", "1"
    )
    # THEN the drain stops after (held + 3) receives in a row returned nothing new, says so,
    # exits 1, and makes the messages visible again
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    assert queue.receives == 1 + 5 + 3 + 1
    assert "--visibility-timeout 1s is too short" in result.err
    assert "Stopped early:" in result.out
    assert len(queue.visible()) == 25


# --------------------------------------------------------------------------- sender check


def forged_record(victim: str, order: str) -> Sent:
    """An on-failure record naming ``victim``'s function, written by someone else."""
    sent = lambda_destination(victim, order)
    body = json.loads(sent.body)
    body["requestPayload"]["detail"] = {"refund": 1_000_000, "to": "attacker"}
    return replace(sent, body=json.dumps(body), payload=body["requestPayload"])


def test_forged_record_of_another_tenant_is_refused_and_kept(central: CentralDlq) -> None:
    # GIVEN tenant A sends (with a role of its own, allowed by the queue policy) a record
    # naming B's function with A's payload
    forged = put(sqs_client(), central.url, forged_record(ACCOUNT_B, "x"),
                 f"{central.roles[ACCOUNT_A].function}:tenant-a")  # fmt: skip
    # WHEN B is redriven
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_B, "--assume-role-template", ROLE_TEMPLATE
    )
    # THEN B's genuine on-failure records and Scheduler message are re-invoked; the forged
    # record is not: it is refused, reported with the reason and kept (exit 1)
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    assert all("attacker" not in i.kwargs["Payload"].decode() for i in result.lambdas.invocations)
    assert len(result.lambdas.invocations) == 3
    assert forged.message_id in visible_ids(central.url)
    b_role = f"arn:aws:iam::{ACCOUNT_B}:role/fn"
    assert f"sender refused, message {forged.message_id} kept" in result.err
    assert f"sent by {central.roles[ACCOUNT_A].function}:tenant-a, not by {b_role}" in result.err
    assert "Senders of the matching messages: 3 verified, 1 unverified, 1 refused." in (result.out)
    assert "Sender refused, kept in the DLQ (1)" in result.out


def sqs_client() -> Any:
    return boto3.client("sqs", region_name=REGION)


def test_dry_run_counts_verified_unverified_and_refused_senders(central: CentralDlq) -> None:
    # GIVEN a forged record for B, and a Scheduler message of B sent by B's FUNCTION role
    # (not the schedule's)
    put(sqs_client(), central.url, forged_record(ACCOUNT_B, "x"), "AROAOTHERROLE:x")
    wrong = put(sqs_client(), central.url, scheduler(ACCOUNT_B, "j"),
                f"{central.roles[ACCOUNT_B].function}:x")  # fmt: skip
    # WHEN a dry run for B is made
    result = run_event_redrive(
        central.url, "--dry-run", "--account", ACCOUNT_B, "--assume-role-template", ROLE_TEMPLATE
    )
    # THEN it checks the senders (read-only calls), counts them, lists the refused ones with
    # their reasons on stdout, exits 0 and changes nothing
    assert result.code == EXIT_OK
    assert "Senders of the matching messages: 3 verified, 1 unverified, 2 refused." in (result.out)
    assert "Would re-invoke 3 message(s):" in result.out
    assert f"  {wrong.message_id}  function={function_arn(ACCOUNT_B, SCHEDULED)}: sent by" in (
        result.out
    )
    assert f"not by arn:aws:iam::{ACCOUNT_B}:role/{SCHEDULED}-schedule" in result.out
    assert result.err == ""
    assert result.lambdas.invocations == []
    assert len(visible_ids(central.url)) == 11


def test_unverified_senders_are_kept_unless_trusted(central: CentralDlq) -> None:
    # WHEN A is redriven without --trust-unverified-senders
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_A, "--assume-role-template", ROLE_TEMPLATE
    )
    # THEN the verified on-failure records and Scheduler message are re-invoked; the
    # EventBridge rule message is kept and the run exits 1
    rule_message = next(s for s in central.of(ACCOUNT_A) if s.kind == KIND_EVENTBRIDGE_RULE)
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    assert len(result.lambdas.invocations) == 3
    assert len(result.sqs.called("delete_message")) == 3
    assert "Unverified sender, kept in the DLQ (1)" in result.out
    # WHEN run again with the flag
    again = run_event_redrive(
        central.url, "--account", ACCOUNT_A, "--assume-role-template", ROLE_TEMPLATE,
        "--trust-unverified-senders",
    )  # fmt: skip
    # THEN it is re-invoked and deleted, exit 0
    assert again.code == EXIT_OK, again.err
    [invocation] = again.lambdas.invocations
    assert json.loads(invocation.kwargs["Payload"]) == rule_message.payload
    assert rule_message.message_id not in visible_ids(central.url)
    assert "1 unverified (trusted: --trust-unverified-senders)" in again.out


def test_sender_lookups_run_in_the_tenant_account_and_are_cached(central: CentralDlq) -> None:
    # GIVEN the look-ups are recorded
    lookups = Lookups(LambdaClients(ROLE_TEMPLATE).client)
    # WHEN B is redriven
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_B, "--assume-role-template", ROLE_TEMPLATE,
        aws_clients=lookups,
    )  # fmt: skip
    assert result.code == event_redrive.EXIT_INVOKE_FAILED  # the EventBridge one is kept
    # THEN each look-up ran once, in B: the function's configuration (its two records share
    # it), the schedule, and the two roles
    assert {account for _, account, _, _ in lookups.calls} == {ACCOUNT_B}
    assert lookups.called("get_function_configuration") == [
        {"FunctionName": function_arn(ACCOUNT_B)}
    ]
    assert lookups.called("get_schedule") == [{"Name": SCHEDULED, "GroupName": "default"}]
    assert sorted(c["RoleName"] for c in lookups.called("get_role")) == [
        "fn", f"{SCHEDULED}-schedule"
    ]  # fmt: skip


def test_schedule_of_another_account_cannot_vouch_for_a_function(central: CentralDlq) -> None:
    # GIVEN a Scheduler message sent by A's own schedule role (genuine for A's schedule)
    # but naming B's function as the target
    sent = scheduler(ACCOUNT_A, "j")
    sent.message_attributes["TARGET_ARN"]["StringValue"] = function_arn(ACCOUNT_B, SCHEDULED)
    put(sqs_client(), central.url, sent, f"{central.roles[ACCOUNT_A].schedule}:x")
    # WHEN B is redriven / THEN that message is refused (the tenant is B, the sender A)
    result = run_event_redrive(
        central.url, "--account", ACCOUNT_B, "--assume-role-template", ROLE_TEMPLATE,
        "--trust-unverified-senders",
    )  # fmt: skip
    assert result.code == event_redrive.EXIT_INVOKE_FAILED
    assert len(result.lambdas.invocations) == 4
    assert f"the schedule is in account {ACCOUNT_A}, the function in {ACCOUNT_B}" in result.err


class FakeLookups:
    """Sender-check clients answering from dicts; counts every call."""

    def __init__(self, roles: dict[str, str], role_ids: dict[str, str]) -> None:
        self.roles, self.role_ids = roles, role_ids
        self.calls: list[str] = []

    def __call__(self, service: str, account: str, region: str) -> Any:
        return SimpleNamespace(
            get_function_configuration=self._config, get_role=self._role, get_schedule=None
        )

    def _config(self, FunctionName: str) -> Any:
        self.calls.append(FunctionName)
        if FunctionName not in self.roles:
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": "no"}},
                "GetFunctionConfiguration",
            )
        return {"Role": self.roles[FunctionName]}

    def _role(self, RoleName: str) -> Any:
        self.calls.append(RoleName)
        return {"Role": {"RoleId": self.role_ids[RoleName]}}


def test_sender_verifier_outcomes() -> None:
    fn_a = function_arn(ACCOUNT_A)
    lookups = FakeLookups(
        {fn_a: f"arn:aws:iam::{ACCOUNT_A}:role/path/fn",
         function_arn(ACCOUNT_B): f"arn:aws:iam::{ACCOUNT_A}:role/fn"},
        {"fn": "AROAFN"},
    )  # fmt: skip
    verifier = event_redrive.SenderVerifier(lookups)
    mine = record(ACCOUNT_A)
    # genuine (role with a path), any session name
    assert verifier.check(mine, "AROAFN:orders-consumer").status == event_redrive.SENDER_VERIFIED
    # another role, a user, no SenderId
    for sender, reason in [("AROAOTHER:x", "sent by AROAOTHER:x, not by"),
                           ("AIDAUSER", "sent by AIDAUSER"), (None, "no SenderId")]:  # fmt: skip
        check = verifier.check(mine, sender)
        assert check.status == event_redrive.SENDER_REFUSED and reason in check.reason
    # the look-ups above ran once (cached)
    assert lookups.calls == [fn_a, "fn"]
    # a function whose configuration cannot be read: refused, and not asked again
    other = record(ACCOUNT_A, name="other")
    for _ in range(2):
        check = verifier.check(other, "AROAFN:x")
        assert check.status == event_redrive.SENDER_REFUSED
        assert "cannot check the sender: AccessDeniedException" in check.reason
    assert lookups.calls.count(function_arn(ACCOUNT_A, "other")) == 1
    # an execution role in another account than the function's
    check = verifier.check(record(ACCOUNT_B), "AROAFN:x")
    assert "is not in account 222222222222" in check.reason
    # an EventBridge rule message: unverified, no look-up
    rule_record = replace(mine, kind=KIND_EVENTBRIDGE_RULE)
    assert verifier.check(rule_record, "AROAFN:x").status == event_redrive.SENDER_UNVERIFIED


def test_trust_unverified_senders_option() -> None:
    args = parse("--dlq", f"arn:aws:sqs:{REGION}:{CENTRAL}:q", "--reinvoke",
                 "--trust-unverified-senders")  # fmt: skip
    assert args.trust_unverified_senders is True
    plain = parse("--dlq", f"arn:aws:sqs:{REGION}:{CENTRAL}:q", "--trust-unverified-senders")
    err = io.StringIO()
    assert redrive.run(plain, client=Spy(None), out=io.StringIO(), err=err) == EXIT_ERROR
    assert "--trust-unverified-senders only work(s) with --reinvoke" in err.getvalue()
