"""``paved-road redrive --reinvoke``: redrive a central dead-letter queue by tenant.

A *central* DLQ collects the failures of many functions in many accounts (one account per
tenant): EventConsumer functions are invoked by EventBridge rules directly, with no SQS
queue in between, so there is no source queue to move messages back to and SQS's message
move (plain ``paved-road redrive``) cannot help. Instead, each message is parsed into an
attribution record (which account, function, rule and failure it belongs to) and its
original event is *re-invoked* on the function it failed in.

Three kinds of message are understood (see docs/redrive.md for examples):

``lambda-destination``
    A Lambda asynchronous-invocation on-failure record (SQS destination). The body is JSON
    with ``requestContext.functionArn`` (qualifier included, e.g. ``...:function:NAME:live``),
    ``requestContext.condition`` (``RetriesExhausted`` or ``EventAgeExceeded``),
    ``requestPayload`` (the original event), ``responseContext`` and ``responsePayload``.
    Source: "Capturing records of Lambda asynchronous invocations",
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html
``eventbridge-rule``
    An EventBridge rule-target DLQ message: the body is the event as it was sent to the
    target, the message attributes are ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``,
    ``ERROR_MESSAGE`` and, when retries ran out, ``EXHAUSTED_RETRY_CONDITION`` and
    ``RETRY_ATTEMPTS``. Source: "Using dead-letter queues to process undelivered events in
    EventBridge", https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html
``scheduler``
    An EventBridge Scheduler DLQ message ("dead-letter event") with the attributes
    ``ERROR_CODE``, ``ERROR_MESSAGE``, ``EXECUTION_ID``, ``EXHAUSTED_RETRY_CONDITION``,
    ``IS_PAYLOAD_TRUNCATED``, ``RETRY_ATTEMPTS``, ``SCHEDULED_TIME``, ``SCHEDULE_ARN`` and
    ``TARGET_ARN``. The guide documents ``TARGET_ARN`` in the service-action form
    ``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`` with the body holding that API's
    request (its example: SQS ``SendMessage``, body ``{"MessageBody": ..., "QueueUrl": ...}``);
    for ``...:aws-sdk:lambda:invoke`` the body's ``FunctionName`` / ``Qualifier`` /
    ``Payload`` are used (by analogy, no Lambda example is documented). A ``TARGET_ARN``
    that is a function ARN is also accepted, with the body as the payload. Source:
    "Configuring a dead-letter queue for EventBridge Scheduler",
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html

The tenant of a message is the account of the *function* it failed in (from the function
ARN), never the event's own ``account`` field: that is the account that emitted the event,
which for a cross-account bus is not the tenant. EventConsumer adds
``"paved-road": {"rule": "<rule ARN>"}`` to every event it delivers, so an on-failure
record (which has no rule attribute) still names its rule.

For every message received (long poll, batches of up to 10, with the system attributes
``SenderId``, ``SentTimestamp``, ``ApproximateReceiveCount`` and
``ApproximateFirstReceiveTimestamp``, until a receive returns no message or
``--max-messages`` were received): messages *sent after the run started* are out of scope
(see "Run start" below): never re-invoked, only counted ("sent during this run, left for
the next run"). Every other message is parsed; unparseable messages are reported and left
alone. Messages matching ``--account`` / ``--function`` / ``--rule`` get their *sender
checked* (see "Sender check" below); those that pass are re-invoked asynchronously
(``InvocationType=Event``, ``Payload`` = the original event, ``FunctionName`` = the
function ARN with its qualifier, so the ``live`` alias is invoked again) with the
credentials of that account: the caller's own, or those of the role
``--assume-role-template`` names with ``{account}`` substituted (STS AssumeRole, one
session per account, one client per service, account and region). A message is deleted
only after Lambda accepted the invoke (StatusCode 202). Every other message received (out
of scope, not matching, unparseable, refused, failed) is made visible again at the end
(``ChangeMessageVisibility`` 0), also on errors and Ctrl-C: nothing is lost, and nothing
is deleted before a successful re-invoke. ``--dry-run`` re-invokes and deletes nothing; it
checks the senders like a real run (read-only calls, see below), prints what would be
re-invoked, grouped by account, function, rule and condition, with the counts of verified,
unverified and refused senders, and makes every message visible again. Payloads are never
printed.

Run start. A re-invoked event that fails again comes back into the same DLQ as a *new*
message (new MessageId); without a bound the drain would re-invoke it again, forever. So
the run's start is fixed at the first receive, in SQS's own clock: the
``ApproximateFirstReceiveTimestamp`` of a message received there for the first time
(``ApproximateReceiveCount`` 1); else the HTTP ``Date`` of that response (whole seconds,
rounded down); else the local clock minus ``CLOCK_SKEW_ALLOWANCE_MS``; never earlier than
the newest ``SentTimestamp`` of that first batch. Every message of the first batch is in
scope; a later message is in scope only if its ``SentTimestamp`` is earlier than the start.

Stop condition. The drain stops when a receive returns no message at all. A receive that
returns only messages already looked at (they came back because the run outlasted
``--visibility-timeout``) hides them again and goes on, so that unseen messages behind them
are still reached; if that happens more than (messages held + 3) times in a row, messages
come back faster than they are hidden again (the visibility timeout is too short for the
run): the drain stops, says so, and the run exits 1.

Sender check (tenant isolation). The central queue accepts ``SendMessage`` from every
principal of the organization (or of the listed accounts), and a message's body and
message attributes are whatever its sender wrote: tenant A could forge an on-failure record
naming tenant B's function with A's payload, and ``--account B`` would re-invoke B's
function with it. SQS's ``SenderId`` system attribute cannot be forged: for an IAM role it
is ``<RoleId>:<session name>`` (ReceiveMessage API reference). AWS sends each kind with a
known role, so the part of ``SenderId`` before ``:`` must be the RoleId of:

* ``lambda-destination``: the function's execution role (Lambda sends the record with it;
  the role needs ``sqs:SendMessage``): ``GetFunctionConfiguration`` on the qualified
  function ARN gives ``Role``, IAM ``GetRole`` its ``RoleId``;
* ``scheduler``: the schedule's execution role (Scheduler sends dead-letter events with
  it): ``GetSchedule`` (group and name from ``SCHEDULE_ARN``) gives ``Target.RoleArn``,
  IAM ``GetRole`` its ``RoleId``. The schedule must be in the function's account.

The look-ups use the same credentials as the re-invoke (the caller's, or the assumed role
in the tenant account) and are cached per function, schedule and role. A message without
``SenderId``, with another sender, or whose look-up fails is *refused*: never re-invoked,
reported with the reason, kept in the DLQ. ``eventbridge-rule`` messages are sent by
EventBridge itself, and no documented ``SenderId`` ties them to a rule or tenant: they are
*unverified*, kept unless ``--trust-unverified-senders`` is given (anyone allowed to send to
the queue can write such a message). Permissions needed in each tenant account, by the
caller or the assumed role, besides ``lambda:InvokeFunction``:
``lambda:GetFunctionConfiguration``, ``scheduler:GetSchedule`` and ``iam:GetRole``; a
missing one refuses the message (``cannot check the sender: AccessDenied...``), it never
lets it through unchecked. The dry run makes the same read-only calls (and AssumeRole).

Exit codes (as for ``paved-road redrive``):

* ``0``: every matching message (in scope) was re-invoked and deleted, or the dry run is
  done (a dry run exits 0 whatever it found). Unparseable, non-matching and out-of-scope
  messages do not change the exit code.
* ``1``: some matching messages were not re-invoked: a re-invoke failed (Lambda refused it,
  the role could not be assumed, Lambda answered another status than 202), a sender was
  refused, an unverified sender was kept (no ``--trust-unverified-senders``), or the drain
  stopped because messages kept coming back. Those messages stay in the DLQ.
* ``2``: bad input, or AWS refused an SQS call (DLQ does not exist, access denied, no
  credentials...), including a message that was re-invoked but could not be deleted. One
  line on stderr, never a traceback; messages received so far are made visible again.
* ``130``: interrupted (Ctrl-C); messages not yet re-invoked are made visible again.

Pure helpers (``parse_message``, ``Filters``, ``summarize``, ``format_summary``,
``reinvoke_command``...) need no AWS. ``run`` creates its boto3 clients lazily; an SQS
client, a ``(account, region) -> Lambda client`` callable and a ``(service, account,
region) -> client`` callable (for the sender check) can be injected.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from paved_road._aws import client_error_text
from paved_road._help import int_range
from paved_road.redrive import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    RedriveInputError,
    _aws_call,
    _AwsError,
    _client_region,
    _make_client,
    _resolve,
    validate_queue_ref,
)

__all__ = [
    "CLOCK_SKEW_ALLOWANCE_MS",
    "DEFAULT_VISIBILITY_TIMEOUT",
    "DEFAULT_WAIT_SECONDS",
    "EXIT_INVOKE_FAILED",
    "KIND_EVENTBRIDGE_RULE",
    "KIND_LAMBDA_DESTINATION",
    "KIND_SCHEDULER",
    "PAVED_ROAD_EVENT_KEY",
    "REINVOKE_OPTIONS",
    "SENDER_REFUSED",
    "SENDER_UNVERIFIED",
    "SENDER_VERIFIED",
    "AccountAccessError",
    "DeadLetterRecord",
    "Filters",
    "FunctionArn",
    "LambdaClients",
    "SenderCheck",
    "SenderVerifier",
    "SummaryKey",
    "UnparseableMessage",
    "add_arguments",
    "check_role_template",
    "check_selectors",
    "format_summary",
    "parse_function_arn",
    "parse_message",
    "reinvoke_command",
    "role_arn_for",
    "run",
    "run_start_ms",
    "summarize",
]

#: Exit code when at least one re-invoke failed (same value as a FAILED move task).
EXIT_INVOKE_FAILED = 1

KIND_LAMBDA_DESTINATION = "lambda-destination"
KIND_EVENTBRIDGE_RULE = "eventbridge-rule"
KIND_SCHEDULER = "scheduler"

#: Top-level key EventConsumer adds to each event it delivers: ``{"rule": "<rule ARN>"}``.
PAVED_ROAD_EVENT_KEY = "paved-road"

#: Seconds a received message stays hidden while the command works on it.
DEFAULT_VISIBILITY_TIMEOUT = 300
#: ReceiveMessage long-poll wait, seconds.
DEFAULT_WAIT_SECONDS = 1
#: When the start of a run can only be read from the local clock, it is taken this much
#: earlier (milliseconds), so that a local clock ahead of SQS's by up to this much cannot
#: bring a re-invoke's new failure record into the run.
CLOCK_SKEW_ALLOWANCE_MS = 60_000
#: SQS system attributes received with every message (see "Run start", "Sender check").
_SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
)
_MAX_VISIBILITY_TIMEOUT = 43_200  # SQS maximum: 12 hours
_MAX_WAIT_SECONDS = 20  # SQS maximum long-poll wait
_SQS_BATCH = 10  # ReceiveMessage / ChangeMessageVisibilityBatch maximum

_PROG = "paved-road redrive"
_ROLE_PLACEHOLDER = "{account}"
_ROLE_SESSION_NAME = "paved-road-redrive"

#: Conditions of an on-failure record; an on-success record is never re-invoked.
_SUCCESS_CONDITION = "Success"

_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_FUNCTION_ARN_RE = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):lambda:(?P<region>" + _REGION + r")"
    r":(?P<account>\d{12}):function:(?P<name>[A-Za-z0-9_-]{1,64})"
    r"(?::(?P<qualifier>\$LATEST|[A-Za-z0-9_-]{1,128}))?"
)
_ACCOUNT_RE = re.compile(r"\d{12}")


class UnparseableMessage(ValueError):
    """A DLQ message that cannot be attributed to a function; it is left in the queue."""


class AccountAccessError(Exception):
    """No Lambda client for an account: the role could not be assumed."""


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class FunctionArn:
    """``arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]``."""

    partition: str
    region: str
    account: str
    name: str
    qualifier: str | None = None

    @property
    def unqualified(self) -> str:
        """The ARN without the version or alias."""
        return f"arn:{self.partition}:lambda:{self.region}:{self.account}:function:{self.name}"

    @property
    def arn(self) -> str:
        """The ARN with its qualifier, if it has one."""
        if self.qualifier is None:
            return self.unqualified
        return f"{self.unqualified}:{self.qualifier}"


def parse_function_arn(value: str) -> FunctionArn:
    """Split a Lambda function ARN (qualified or not); raise ``ValueError`` otherwise."""
    match = _FUNCTION_ARN_RE.fullmatch(value)
    if match is None:
        raise ValueError(f"not a Lambda function ARN: {value!r}")
    return FunctionArn(
        match["partition"], match["region"], match["account"], match["name"], match["qualifier"]
    )


@dataclass(frozen=True)
class DeadLetterRecord:
    """Where a dead-lettered event came from, and the event itself.

    ``account`` and ``region`` are those of ``function_arn`` (the tenant). ``rule_arn`` is
    the EventBridge rule, or the Scheduler schedule for ``kind == "scheduler"``, or None.
    ``condition`` is the on-failure record's condition, or the ``ERROR_CODE`` attribute
    (with the ``EXHAUSTED_RETRY_CONDITION`` in parentheses when present). ``payload`` is
    the original event, exactly what is sent as the Invoke ``Payload``.
    """

    message_id: str
    kind: str
    account: str
    region: str
    function_arn: str
    rule_arn: str | None
    condition: str
    payload: bytes

    @property
    def function(self) -> FunctionArn:
        """``function_arn`` split into its parts."""
        return parse_function_arn(self.function_arn)


def _attribute(message: Mapping[str, Any], name: str) -> str | None:
    """A String/Number message attribute's value, or None when absent."""
    attributes = message.get("MessageAttributes") or {}
    value = attributes.get(name)
    if not isinstance(value, Mapping):
        return None
    text = value.get("StringValue")
    return text if isinstance(text, str) else None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _rule_from_event(event: Any) -> str | None:
    """The rule ARN EventConsumer put under ``"paved-road"`` in the event, if any."""
    if not isinstance(event, Mapping):
        return None
    marker = event.get(PAVED_ROAD_EVENT_KEY)
    if not isinstance(marker, Mapping):
        return None
    rule = marker.get("rule")
    return rule if isinstance(rule, str) and rule else None


def _target_function(target: str | None, kind: str) -> FunctionArn:
    if target is None:
        raise UnparseableMessage(f"{kind} message without a TARGET_ARN attribute")
    try:
        return parse_function_arn(target)
    except ValueError:
        raise UnparseableMessage(
            f"{kind} message whose target is not a Lambda function ({target}); "
            "only Lambda targets can be re-invoked"
        ) from None


_SCHEDULE_ARN_RE = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):scheduler:(?P<region>" + _REGION + r")"
    r":(?P<account>\d{12}):schedule/\S+"
)
#: TARGET_ARN of a Scheduler dead-letter event for a Lambda Invoke target, in the
#: documented ``arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`` form.
_SCHEDULER_LAMBDA_INVOKE_RE = re.compile(r"arn:aws(?:-[a-z]+)*:scheduler:::aws-sdk:lambda:invoke")


def _scheduler_target(
    message: Mapping[str, Any], body: str, schedule: str
) -> tuple[FunctionArn, bytes]:
    """The function and payload of a Scheduler dead-letter event.

    ``TARGET_ARN`` is either the function's ARN (the body is then the target input), or,
    as in the Scheduler guide's example, the service action
    ``arn:aws:scheduler:::aws-sdk:lambda:invoke`` with the body holding the API request
    (``FunctionName``, optional ``Qualifier``, ``Payload``); a bare ``FunctionName`` is
    resolved in the schedule's account and region, as Lambda would for the schedule.
    """
    target = _attribute(message, "TARGET_ARN")
    if target is None or not _SCHEDULER_LAMBDA_INVOKE_RE.fullmatch(target):
        return _target_function(target, "Scheduler"), body.encode("utf-8")
    request = _json_object(body)
    name = request.get("FunctionName") if request is not None else None
    if request is None or not isinstance(name, str) or not name:
        raise UnparseableMessage("Scheduler lambda:invoke message without a FunctionName")
    qualifier = request.get("Qualifier")
    qualifier = qualifier if isinstance(qualifier, str) and qualifier else None
    if name.startswith("arn:"):
        try:
            function = parse_function_arn(name)
        except ValueError as exc:
            raise UnparseableMessage(f"Scheduler lambda:invoke message: {exc}") from None
    else:
        owner = _SCHEDULE_ARN_RE.fullmatch(schedule)
        if owner is None:
            raise UnparseableMessage(
                f"Scheduler message: cannot tell the account of function {name!r} from "
                f"SCHEDULE_ARN {schedule!r}"
            )
        short, _, short_qualifier = name.partition(":")
        unqualified = (
            f"arn:{owner['partition']}:lambda:{owner['region']}:{owner['account']}:function:{short}"
        )
        try:
            function = parse_function_arn(
                unqualified + (f":{short_qualifier}" if short_qualifier else "")
            )
        except ValueError as exc:
            raise UnparseableMessage(f"Scheduler lambda:invoke message: {exc}") from None
    if qualifier is not None and function.qualifier is None:
        function = FunctionArn(
            function.partition, function.region, function.account, function.name, qualifier
        )
    payload = request.get("Payload")
    if payload is None:
        data = b""
    elif isinstance(payload, str):
        data = payload.encode("utf-8")
    else:
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return function, data


def _error_condition(message: Mapping[str, Any]) -> str:
    code = _attribute(message, "ERROR_CODE") or "UNKNOWN"
    exhausted = _attribute(message, "EXHAUSTED_RETRY_CONDITION")
    return f"{code} ({exhausted})" if exhausted else code


def parse_message(message: Mapping[str, Any]) -> DeadLetterRecord:
    """Attribute one SQS message (a ``ReceiveMessage`` entry) to the function it failed in.

    Raises ``UnparseableMessage`` (with the reason) for anything that is not one of the
    three kinds in the module docstring, for an on-success record, for a Scheduler message
    whose payload was truncated, and for targets that are not Lambda functions.
    """
    message_id = str(message.get("MessageId", "?"))
    body = message.get("Body")
    if not isinstance(body, str):
        raise UnparseableMessage("message without a body")

    schedule = _attribute(message, "SCHEDULE_ARN")
    if schedule is not None:
        if (_attribute(message, "IS_PAYLOAD_TRUNCATED") or "").lower() == "true":
            raise UnparseableMessage(
                "Scheduler message with IS_PAYLOAD_TRUNCATED=true: re-invoking would send "
                "a partial event"
            )
        function, payload = _scheduler_target(message, body, schedule)
        return DeadLetterRecord(
            message_id,
            KIND_SCHEDULER,
            function.account,
            function.region,
            function.arn,
            schedule,
            _error_condition(message),
            payload,
        )

    rule = _attribute(message, "RULE_ARN")
    if rule is not None:
        function = _target_function(_attribute(message, "TARGET_ARN"), "EventBridge")
        return DeadLetterRecord(
            message_id,
            KIND_EVENTBRIDGE_RULE,
            function.account,
            function.region,
            function.arn,
            rule,
            _error_condition(message),
            body.encode("utf-8"),
        )

    record = _json_object(body)
    context = record.get("requestContext") if record is not None else None
    if record is None or not isinstance(context, Mapping) or "requestPayload" not in record:
        hint = ""
        if _attribute(message, "RequestID") is not None:
            hint = (
                " (it looks like a Lambda function dead-letter queue message, which names "
                "no function: use an on-failure destination instead)"
            )
        raise UnparseableMessage(
            "neither a Lambda on-failure record nor an EventBridge or Scheduler "
            "dead-letter message" + hint
        )
    function_value = context.get("functionArn")
    if not isinstance(function_value, str):
        raise UnparseableMessage("Lambda record without requestContext.functionArn")
    try:
        function = parse_function_arn(function_value)
    except ValueError as exc:
        raise UnparseableMessage(f"Lambda record: {exc}") from None
    condition = context.get("condition")
    condition = condition if isinstance(condition, str) and condition else "UNKNOWN"
    if condition == _SUCCESS_CONDITION:
        raise UnparseableMessage(
            "an on-success record (condition Success), not a failure: never re-invoked"
        )
    payload = record["requestPayload"]
    return DeadLetterRecord(
        message_id,
        KIND_LAMBDA_DESTINATION,
        function.account,
        function.region,
        function.arn,
        _rule_from_event(payload),
        condition,
        json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
    )


# --------------------------------------------------------------------------- filtering


def _function_matches(selector: str, function: FunctionArn) -> bool:
    if selector.startswith("arn:"):
        try:
            wanted = parse_function_arn(selector)
        except ValueError:
            return False
        if wanted.qualifier is None:
            return wanted.unqualified == function.unqualified
        return wanted.arn == function.arn
    name, _, qualifier = selector.partition(":")
    if name != function.name:
        return False
    return not qualifier or qualifier == function.qualifier


def _rule_matches(selector: str, rule_arn: str | None) -> bool:
    if rule_arn is None:
        return False
    if selector.startswith("arn:"):
        return selector == rule_arn
    # rule/NAME, rule/BUS/NAME, schedule/GROUP/NAME: the name is the last segment.
    return rule_arn.rsplit("/", 1)[-1] == selector


@dataclass(frozen=True)
class Filters:
    """Which records to re-invoke: every option given must match (AND); within one
    option, any value may match (OR). No values for an option means "any".

    ``functions``: names (``orders``), ``name:qualifier`` (``orders:live``), unqualified
    ARNs (any qualifier) or qualified ARNs (that qualifier only). ``rules``: ARNs (exact)
    or names (the last ``/`` segment of the rule or schedule ARN).
    """

    accounts: frozenset[str] = frozenset()
    functions: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()

    def matches(self, record: DeadLetterRecord) -> bool:
        """True when ``record`` is selected by every filter given."""
        if self.accounts and record.account not in self.accounts:
            return False
        if self.functions:
            function = record.function
            if not any(_function_matches(value, function) for value in self.functions):
                return False
        return not self.rules or any(_rule_matches(value, record.rule_arn) for value in self.rules)

    def describe(self) -> str:
        """One human line, e.g. ``account 111111111111; function orders``."""
        parts = [
            f"{label} {', '.join(values)}"
            for label, values in (
                ("account", sorted(self.accounts)),
                ("function", list(self.functions)),
                ("rule", list(self.rules)),
            )
            if values
        ]
        return "; ".join(parts) if parts else "none (every parseable message)"


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True, order=True)
class SummaryKey:
    """The grouping of ``summarize``."""

    account: str
    function_arn: str
    rule_arn: str
    condition: str


def summarize(records: Iterable[DeadLetterRecord]) -> list[tuple[SummaryKey, int]]:
    """Count ``records`` per account, function, rule (``-`` when unknown) and condition,
    sorted by that key."""
    counts: Counter[SummaryKey] = Counter(
        SummaryKey(r.account, r.function_arn, r.rule_arn or "-", r.condition) for r in records
    )
    return sorted(counts.items())


def format_summary(rows: Sequence[tuple[SummaryKey, int]], indent: str = "  ") -> list[str]:
    """One line per group: ``<count>  account=...  function=...  rule=...  condition=...``."""
    width = max((len(str(count)) for _, count in rows), default=1)
    return [
        f"{indent}{count:>{width}}  account={key.account}  function={key.function_arn}  "
        f"rule={key.rule_arn}  condition={key.condition}"
        for key, count in rows
    ]


# --------------------------------------------------------------------------- CLI line


_SAFE_ARG_RE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def _shell_arg(value: str) -> str:
    """``value`` quoted for a POSIX shell when needed; CDK tokens are left as they are."""
    if _SAFE_ARG_RE.fullmatch(value) or "${Token[" in value:
        return value
    return "'" + value.replace("'", "'\"'\"'") + "'"


def reinvoke_command(dlq: str, *, account: str | None = None, region: str | None = None) -> str:
    """The ``paved-road`` command line that redrives the central DLQ ``dlq`` by re-invoking.

    ``dlq`` is a queue URL or ARN, ``account`` restricts it to one tenant account. Nothing
    is validated, so unresolved CDK tokens (``queue.queue_arn``, ``Aws.ACCOUNT_ID``) can be
    passed and the line used in a ``CfnOutput``. Add ``--dry-run`` to look first.
    """
    command = f"paved-road redrive --dlq {_shell_arg(dlq)} --reinvoke"
    if account is not None:
        command += f" --account {_shell_arg(account)}"
    if region is not None:
        command += f" --region {_shell_arg(region)}"
    return command


# --------------------------------------------------------------------------- credentials


def check_role_template(template: str) -> None:
    """Raise ``RedriveInputError`` unless ``template`` is an IAM role ARN with ``{account}``."""
    if _ROLE_PLACEHOLDER not in template:
        raise RedriveInputError(
            f"--assume-role-template must contain {_ROLE_PLACEHOLDER}, got {template!r} "
            "(e.g. 'arn:aws:iam::{account}:role/paved-road-redrive')"
        )
    example = role_arn_for(template, "123456789012")
    if not re.fullmatch(r"arn:aws(?:-[a-z]+)*:iam::\d{12}:role/[\w+=,.@/-]+", example):
        raise RedriveInputError(
            f"--assume-role-template is not an IAM role ARN once {_ROLE_PLACEHOLDER} is "
            f"filled in: {template!r} -> {example!r}"
        )


def role_arn_for(template: str, account: str) -> str:
    """``template`` with every ``{account}`` replaced by ``account``."""
    return template.replace(_ROLE_PLACEHOLDER, account)


class LambdaClients:
    """``(account, region) -> Lambda client``, created on first use and cached.

    Without ``assume_role_template`` every client uses the caller's credentials. With it,
    the role ``role_arn_for(template, account)`` is assumed once per account (STS, in the
    function's region) and its credentials are used for that account's clients. A failed
    AssumeRole raises ``AccountAccessError`` and is remembered: the account's other
    messages fail at once, without calling STS again.

    ``client(service, account, region)`` gives the other clients of an account (IAM and
    Scheduler, for the sender check) with the same credentials, cached the same way.
    """

    def __init__(self, assume_role_template: str | None = None, *, session: Any = None) -> None:
        self._template = assume_role_template
        self._session = session
        self._clients: dict[tuple[str, str, str], Any] = {}
        self._credentials: dict[str, Mapping[str, Any] | AccountAccessError] = {}

    def _base_session(self) -> Any:
        if self._session is None:
            import boto3  # imported here so that importing this module stays cheap

            self._session = boto3.session.Session()
        return self._session

    def _assume(self, account: str, region: str) -> Mapping[str, Any]:
        assert self._template is not None
        cached = self._credentials.get(account)
        if isinstance(cached, AccountAccessError):
            raise cached
        if cached is not None:
            return cached
        role_arn = role_arn_for(self._template, account)
        try:
            sts = self._base_session().client("sts", region_name=region)
            response = sts.assume_role(RoleArn=role_arn, RoleSessionName=_ROLE_SESSION_NAME)
            credentials: Mapping[str, Any] = response["Credentials"]
        except (ClientError, BotoCoreError) as exc:
            error = AccountAccessError(f"cannot assume {role_arn}: {client_error_text(exc)}")
            self._credentials[account] = error
            raise error from exc
        self._credentials[account] = credentials
        return credentials

    def client(self, service: str, account: str, region: str) -> Any:
        """A ``service`` client (``lambda``, ``iam``, ``scheduler``) for ``account`` in
        ``region``; raises ``AccountAccessError`` when the account's role cannot be
        assumed."""
        key = (service, account, region)
        client = self._clients.get(key)
        if client is not None:
            return client
        if self._template is None:
            client = self._base_session().client(service, region_name=region)
        else:
            import boto3

            credentials = self._assume(account, region)
            assumed: Any = boto3.session.Session(
                aws_access_key_id=credentials["AccessKeyId"],
                aws_secret_access_key=credentials["SecretAccessKey"],
                aws_session_token=credentials["SessionToken"],
            )
            client = assumed.client(service, region_name=region)
        self._clients[key] = client
        return client

    def __call__(self, account: str, region: str) -> Any:
        return self.client("lambda", account, region)


# --------------------------------------------------------------------------- sender check

#: The sender is the principal AWS sends this kind of message with.
SENDER_VERIFIED = "verified"
#: The kind has no sender that can be checked (EventBridge rule DLQ messages).
SENDER_UNVERIFIED = "unverified"
#: No SenderId, another sender, or the expected sender could not be looked up.
SENDER_REFUSED = "refused"

_ROLE_ARN_RE = re.compile(
    r"arn:aws(?:-[a-z]+)*:iam::(?P<account>\d{12}):role/(?:[\w+=,.@-]+/)*"
    r"(?P<name>[\w+=,.@-]{1,64})"
)
_SCHEDULE_PARTS_RE = re.compile(
    r"arn:aws(?:-[a-z]+)*:scheduler:(?P<region>" + _REGION + r"):(?P<account>\d{12})"
    r":schedule/(?P<group>[0-9a-zA-Z._-]{1,64})/(?P<name>[0-9a-zA-Z._-]{1,64})"
)


@dataclass(frozen=True)
class SenderCheck:
    """The result of ``SenderVerifier.check``: a ``SENDER_*`` status and, unless verified,
    why."""

    status: str
    reason: str = ""


class _LookupFailed(Exception):
    """The expected sender of a record could not be found out."""


class SenderVerifier:
    """Checks the ``SenderId`` of a message against the role AWS sends its kind with.

    ``clients`` is ``(service, account, region) -> boto3 client`` (``lambda``, ``iam``,
    ``scheduler``), e.g. ``LambdaClients(...).client``: the look-ups run in the tenant's
    account with the credentials used to re-invoke. The expected RoleId is cached per
    function (qualified ARN), schedule and role, failures included.
    """

    def __init__(self, clients: Callable[[str, str, str], Any]) -> None:
        self._clients = clients
        self._expected: dict[str, tuple[str, str] | _LookupFailed] = {}
        self._role_ids: dict[str, str | _LookupFailed] = {}

    def check(self, record: DeadLetterRecord, sender_id: str | None) -> SenderCheck:
        """Whether ``record`` (received with ``sender_id``) was sent by its expected role."""
        if record.kind == KIND_EVENTBRIDGE_RULE:
            return SenderCheck(
                SENDER_UNVERIFIED,
                "EventBridge sends rule dead-letter messages itself: no sender to check",
            )
        if not sender_id:
            return SenderCheck(SENDER_REFUSED, "the message has no SenderId")
        try:
            role_arn, role_id = self._expected_role(record)
        except _LookupFailed as exc:
            return SenderCheck(SENDER_REFUSED, f"cannot check the sender: {exc}")
        if sender_id.split(":", 1)[0] != role_id:
            return SenderCheck(
                SENDER_REFUSED, f"sent by {sender_id}, not by {role_arn} (RoleId {role_id})"
            )
        return SenderCheck(SENDER_VERIFIED)

    def _expected_role(self, record: DeadLetterRecord) -> tuple[str, str]:
        scheduled = record.kind == KIND_SCHEDULER
        # A schedule is checked against the function's account too: key on both.
        key = (
            f"schedule {record.rule_arn} {record.account}"
            if scheduled
            else f"function {record.function_arn}"
        )
        cached = self._expected.get(key)
        if cached is None:
            try:
                cached = self._schedule_role(record) if scheduled else self._function_role(record)
            except _LookupFailed as exc:
                cached = exc
            self._expected[key] = cached
        if isinstance(cached, _LookupFailed):
            raise cached
        return cached

    def _call(self, what: str, service: str, account: str, region: str, **kwargs: Any) -> Any:
        try:
            client = self._clients(service, account, region)
            return getattr(client, what)(**kwargs)
        except AccountAccessError as exc:
            raise _LookupFailed(str(exc)) from exc
        except (ClientError, BotoCoreError) as exc:
            raise _LookupFailed(client_error_text(exc)) from exc

    def _function_role(self, record: DeadLetterRecord) -> tuple[str, str]:
        """The execution role of the function (version or alias) the record names."""
        config = self._call(
            "get_function_configuration",
            "lambda",
            record.account,
            record.region,
            FunctionName=record.function_arn,
        )
        role_arn = config.get("Role") if isinstance(config, Mapping) else None
        if not isinstance(role_arn, str):
            raise _LookupFailed(f"GetFunctionConfiguration of {record.function_arn}: no Role")
        return role_arn, self._role_id(role_arn, record.account, record.region)

    def _schedule_role(self, record: DeadLetterRecord) -> tuple[str, str]:
        """The execution role of the schedule the record names (SCHEDULE_ARN)."""
        schedule = _SCHEDULE_PARTS_RE.fullmatch(record.rule_arn or "")
        if schedule is None:
            raise _LookupFailed(f"SCHEDULE_ARN {record.rule_arn!r} is not a schedule ARN")
        if schedule["account"] != record.account:
            raise _LookupFailed(
                f"the schedule is in account {schedule['account']}, the function in "
                f"{record.account}: its sender cannot vouch for the function's tenant"
            )
        response = self._call(
            "get_schedule",
            "scheduler",
            record.account,
            schedule["region"],
            Name=schedule["name"],
            GroupName=schedule["group"],
        )
        target = response.get("Target") if isinstance(response, Mapping) else None
        role_arn = target.get("RoleArn") if isinstance(target, Mapping) else None
        if not isinstance(role_arn, str):
            raise _LookupFailed(f"GetSchedule of {record.rule_arn}: no Target.RoleArn")
        return role_arn, self._role_id(role_arn, record.account, schedule["region"])

    def _role_id(self, role_arn: str, account: str, region: str) -> str:
        cached = self._role_ids.get(role_arn)
        if cached is None:
            try:
                cached = self._look_up_role_id(role_arn, account, region)
            except _LookupFailed as exc:
                cached = exc
            self._role_ids[role_arn] = cached
        if isinstance(cached, _LookupFailed):
            raise cached
        return cached

    def _look_up_role_id(self, role_arn: str, account: str, region: str) -> str:
        role = _ROLE_ARN_RE.fullmatch(role_arn)
        if role is None:
            raise _LookupFailed(f"{role_arn!r} is not an IAM role ARN")
        if role["account"] != account:
            raise _LookupFailed(f"the execution role {role_arn} is not in account {account}")
        response = self._call("get_role", "iam", account, region, RoleName=role["name"])
        role_id = response.get("Role", {}).get("RoleId") if isinstance(response, Mapping) else None
        if not isinstance(role_id, str) or not role_id:
            raise _LookupFailed(f"GetRole of {role_arn}: no RoleId")
        return role_id


# --------------------------------------------------------------------------- argparse


def _account_id(value: str) -> str:
    if not _ACCOUNT_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must be a 12-digit AWS account ID, got {value!r}")
    return value


_RULE_ARN_RE = re.compile(
    r"arn:aws(?:-[a-z]+)*:(?:events|scheduler):" + _REGION + r":\d{12}:(?:rule|schedule)/\S+"
)


def check_selectors(functions: Iterable[str], rules: Iterable[str]) -> None:
    """Raise ``RedriveInputError`` for a ``--function`` or ``--rule`` value that can never
    match: an ARN that is not a Lambda function ARN, a rule ARN that is not an EventBridge
    rule or Scheduler schedule ARN, or an empty value."""
    for value in functions:
        if not value or (value.startswith("arn:") and _FUNCTION_ARN_RE.fullmatch(value) is None):
            raise RedriveInputError(
                f"--function must be a function name, name:qualifier or Lambda function ARN, "
                f"got {value!r}"
            )
    for value in rules:
        if not value or (value.startswith("arn:") and _RULE_ARN_RE.fullmatch(value) is None):
            raise RedriveInputError(
                "--rule must be a rule or schedule name, or an EventBridge rule / Scheduler "
                f"schedule ARN, got {value!r}"
            )


def _selector(kind: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        try:
            if kind == "function":
                check_selectors([value], [])
            else:
                check_selectors([], [value])
        except RedriveInputError as exc:
            # "--function must be ..." -> "must be ...": argparse names the option itself.
            raise argparse.ArgumentTypeError(str(exc).split(" ", 1)[1]) from None
        return value

    return parse


def _role_template(value: str) -> str:
    try:
        check_role_template(value)
    except RedriveInputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--assume-role-template ")) from None
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``--reinvoke`` mode and its options to the ``redrive`` parser.

    Every option defaults to None/False, so ``redrive.run`` can tell which were given.
    """
    group = parser.add_argument_group(
        "re-invoke mode (central DLQ of EventBridge/Scheduler/Lambda failures)",
        "Re-deliver each message's original event to the Lambda function it failed in, "
        "by tenant account. See docs/redrive.md.",
    )
    group.add_argument(
        "--reinvoke",
        action="store_true",
        help="re-invoke the functions instead of starting an SQS message move task",
    )
    group.add_argument(
        "--account",
        action="append",
        type=_account_id,
        default=None,
        metavar="ID",
        help="only messages of functions in this account (repeatable)",
    )
    group.add_argument(
        "--function",
        action="append",
        type=_selector("function"),
        default=None,
        metavar="NAME|ARN",
        help="only messages of this function: name, name:qualifier or ARN (repeatable)",
    )
    group.add_argument(
        "--rule",
        action="append",
        type=_selector("rule"),
        default=None,
        metavar="NAME|ARN",
        help="only messages delivered by this EventBridge rule or schedule (repeatable)",
    )
    group.add_argument(
        "--max-messages",
        type=int_range(1, None),
        default=None,
        metavar="N",
        help="receive at most N messages (default: until a receive returns none)",
    )
    group.add_argument(
        "--assume-role-template",
        type=_role_template,
        default=None,
        metavar="ARN",
        help="role to assume per account, e.g. 'arn:aws:iam::{account}:role/NAME' "
        "(default: invoke with the current credentials)",
    )
    group.add_argument(
        "--trust-unverified-senders",
        action="store_true",
        default=None,
        help="also re-invoke messages whose sender cannot be checked (EventBridge rule "
        "DLQ messages); anyone allowed to send to the DLQ can write such a message",
    )
    group.add_argument(
        "--visibility-timeout",
        type=int_range(1, _MAX_VISIBILITY_TIMEOUT),
        default=None,
        metavar="S",
        help=f"seconds received messages stay hidden while the command runs "
        f"(default: {DEFAULT_VISIBILITY_TIMEOUT})",
    )
    group.add_argument(
        "--wait-seconds",
        type=int_range(0, _MAX_WAIT_SECONDS),
        default=None,
        metavar="S",
        help=f"ReceiveMessage long-poll wait (0-{_MAX_WAIT_SECONDS}, "
        f"default: {DEFAULT_WAIT_SECONDS})",
    )


#: Options of the re-invoke mode, for "needs --reinvoke" checks: (attribute, flag).
REINVOKE_OPTIONS = (
    ("account", "--account"),
    ("function", "--function"),
    ("rule", "--rule"),
    ("max_messages", "--max-messages"),
    ("assume_role_template", "--assume-role-template"),
    ("trust_unverified_senders", "--trust-unverified-senders"),
    ("visibility_timeout", "--visibility-timeout"),
    ("wait_seconds", "--wait-seconds"),
)


# --------------------------------------------------------------------------- run


def _system_attribute(message: Mapping[str, Any], name: str) -> str | None:
    """A system attribute (``SenderId``, ``SentTimestamp``...) of a received message."""
    attributes = message.get("Attributes") or {}
    value = attributes.get(name) if isinstance(attributes, Mapping) else None
    return value if isinstance(value, str) and value else None


def _millis(message: Mapping[str, Any], name: str) -> int | None:
    """A timestamp system attribute (epoch milliseconds), or None."""
    value = _system_attribute(message, name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _response_date_ms(response: Mapping[str, Any]) -> int | None:
    """The HTTP ``Date`` of an AWS response in epoch milliseconds (whole seconds)."""
    metadata = response.get("ResponseMetadata") or {}
    headers = metadata.get("HTTPHeaders") if isinstance(metadata, Mapping) else None
    date = headers.get("date") if isinstance(headers, Mapping) else None
    if not isinstance(date, str):
        return None
    try:
        return int(parsedate_to_datetime(date).timestamp()) * 1000
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def run_start_ms(
    response: Mapping[str, Any], messages: Sequence[Mapping[str, Any]], local_ms: int
) -> int:
    """The start of a run, in SQS's clock (epoch ms), from its first non-empty receive.

    The ``ApproximateFirstReceiveTimestamp`` of a message received there for the first time
    (``ApproximateReceiveCount`` 1) is SQS's time of that receive; else the response's HTTP
    ``Date`` (rounded down to the second); else ``local_ms`` (the local clock just before
    the receive) minus ``CLOCK_SKEW_ALLOWANCE_MS``. Never earlier than the newest
    ``SentTimestamp`` of ``messages``. A message received later is in scope only if it was
    sent before this time.
    """
    first_receives = [
        stamp
        for message in messages
        if _system_attribute(message, "ApproximateReceiveCount") == "1"
        and (stamp := _millis(message, "ApproximateFirstReceiveTimestamp")) is not None
    ]
    if first_receives:
        start = max(first_receives)
    else:
        date = _response_date_ms(response)
        start = date if date is not None else local_ms - CLOCK_SKEW_ALLOWANCE_MS
    sent = [
        stamp for message in messages if (stamp := _millis(message, "SentTimestamp")) is not None
    ]
    return max([start, *sent])


@dataclass
class _Outcome:
    received: int = 0
    reinvoked: list[DeadLetterRecord] = field(default_factory=list)
    matched: list[DeadLetterRecord] = field(default_factory=list)
    #: Matched and past the sender check: re-invoked (or, in a dry run, would be).
    accepted: list[DeadLetterRecord] = field(default_factory=list)
    verified: int = 0
    #: Unverified senders re-invoked because of --trust-unverified-senders.
    trusted: int = 0
    #: Unverified senders kept (no --trust-unverified-senders).
    unverified: list[DeadLetterRecord] = field(default_factory=list)
    refused: list[tuple[DeadLetterRecord, str]] = field(default_factory=list)
    not_matching: list[DeadLetterRecord] = field(default_factory=list)
    failed: list[tuple[DeadLetterRecord, str]] = field(default_factory=list)
    not_deleted: list[DeadLetterRecord] = field(default_factory=list)
    unparseable: list[tuple[str, str]] = field(default_factory=list)
    #: Ids of messages sent after the run started (never re-invoked by this run).
    late: list[str] = field(default_factory=list)
    #: Why the drain stopped before the queue returned nothing, if it did.
    stopped_early: str | None = None

    @property
    def kept_matching(self) -> int:
        """Matching messages this run did not re-invoke (they stay in the DLQ)."""
        return len(self.failed) + len(self.refused) + len(self.unverified)


class _Redrive:
    """One run: receives, re-invokes, deletes, and keeps the receipt handles of every
    message that must be made visible again."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        filters: Filters,
        lambda_clients: Callable[[str, str], Any],
        verifier: SenderVerifier,
        *,
        dry_run: bool,
        trust_unverified: bool,
        max_messages: int | None,
        visibility_timeout: int,
        wait_seconds: int,
        err: TextIO,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.filters = filters
        self.lambda_clients = lambda_clients
        self.verifier = verifier
        self.dry_run = dry_run
        self.trust_unverified = trust_unverified
        self.max_messages = max_messages
        self.visibility_timeout = visibility_timeout
        self.wait_seconds = wait_seconds
        self.err = err
        self.clock = clock
        self.outcome = _Outcome()
        self.held: dict[str, str] = {}  # message id -> latest receipt handle
        self.seen: set[str] = set()
        #: Start of the run in SQS's clock (epoch ms), set by the first non-empty receive.
        self.started_ms: int | None = None

    def drain(self) -> None:
        """Receive until a receive returns nothing or ``max_messages`` were received.

        Messages sent after the run started are held (made visible again at the end) but
        never re-invoked, so a re-invoke that fails again cannot feed the drain forever. A
        receive returning only messages seen before (back after their visibility timeout)
        hides them again and goes on; after more than (held + 3) such receives in a row the
        drain stops (``outcome.stopped_early``).
        """
        reappeared = 0
        while self.max_messages is None or self.outcome.received < self.max_messages:
            wanted = _SQS_BATCH
            if self.max_messages is not None:
                wanted = min(_SQS_BATCH, self.max_messages - self.outcome.received)
            local_ms = int(self.clock() * 1000)
            response = _aws_call(
                f"cannot receive messages from {self.queue_url}",
                self.sqs.receive_message,
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=wanted,
                WaitTimeSeconds=self.wait_seconds,
                VisibilityTimeout=self.visibility_timeout,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=list(_SYSTEM_ATTRIBUTES),
            )
            messages = response.get("Messages") or []
            if not messages:
                return
            first_batch = self.started_ms is None
            if self.started_ms is None:
                self.started_ms = run_start_ms(response, messages, local_ms)
            new: list[tuple[str, Mapping[str, Any], bool]] = []
            # Hold the whole batch before working on any of it, so that an error or Ctrl-C
            # in the middle still makes the rest of the batch visible again.
            for message in messages:
                message_id = str(message["MessageId"])
                if message_id in self.seen:
                    # Back after its visibility timeout: keep only its newest handle.
                    if message_id in self.held:
                        self.held[message_id] = str(message["ReceiptHandle"])
                    continue
                self.seen.add(message_id)
                self.held[message_id] = str(message["ReceiptHandle"])
                self.outcome.received += 1
                sent = _millis(message, "SentTimestamp")
                in_scope = first_batch or (sent is not None and sent < self.started_ms)
                new.append((message_id, message, in_scope))
            if not new:
                reappeared += 1
                if reappeared > len(self.held) + 3:
                    self.outcome.stopped_early = (
                        f"stopped after {reappeared} receives in a row returned only "
                        "messages already looked at: they come back faster than they are "
                        f"hidden again (--visibility-timeout {self.visibility_timeout}s is "
                        "too short for this run); messages not looked at yet are still in "
                        "the DLQ: run again with a longer --visibility-timeout"
                    )
                    print(f"{_PROG}: {self.outcome.stopped_early}", file=self.err)
                    return
                continue
            reappeared = 0
            for message_id, message, in_scope in new:
                self._process(message_id, message, in_scope)

    def _process(self, message_id: str, message: Mapping[str, Any], in_scope: bool) -> None:
        if not in_scope:
            # Sent after the run started, e.g. a re-invoke of this run that failed again.
            self.outcome.late.append(message_id)
            return
        try:
            record = parse_message(message)
        except UnparseableMessage as exc:
            self.outcome.unparseable.append((message_id, str(exc)))
            return
        if not self.filters.matches(record):
            self.outcome.not_matching.append(record)
            return
        self.outcome.matched.append(record)
        check = self.verifier.check(record, _system_attribute(message, "SenderId"))
        if check.status == SENDER_REFUSED:
            self.outcome.refused.append((record, check.reason))
            if not self.dry_run:
                print(
                    f"{_PROG}: sender refused, message {message_id} kept: "
                    f"{record.function_arn}: {check.reason}",
                    file=self.err,
                )
            return
        if check.status == SENDER_UNVERIFIED:
            if not self.trust_unverified:
                self.outcome.unverified.append(record)
                return
            self.outcome.trusted += 1
        else:
            self.outcome.verified += 1
        self.outcome.accepted.append(record)
        if self.dry_run:
            return
        error = self._invoke(record)
        if error is not None:
            self.outcome.failed.append((record, error))
            print(
                f"{_PROG}: re-invoke failed, message {message_id} kept: "
                f"{record.function_arn}: {error}",
                file=self.err,
            )
            return
        handle = self.held.pop(message_id)
        try:
            _aws_call(
                f"message {message_id} was re-invoked on {record.function_arn} but cannot be "
                "deleted from the DLQ; delete it by hand or a later redrive re-invokes it "
                "again",
                self.sqs.delete_message,
                QueueUrl=self.queue_url,
                ReceiptHandle=handle,
            )
        except _AwsError:
            self.outcome.not_deleted.append(record)
            raise
        self.outcome.reinvoked.append(record)

    def _invoke(self, record: DeadLetterRecord) -> str | None:
        """Re-invoke ``record``; None when Lambda accepted it (202), else the reason."""
        try:
            client = self.lambda_clients(record.account, record.region)
        except AccountAccessError as exc:
            return str(exc)
        try:
            request: dict[str, Any] = {
                "FunctionName": record.function_arn,
                "InvocationType": "Event",
            }
            if record.payload:
                request["Payload"] = record.payload
            response = client.invoke(**request)
        except (ClientError, BotoCoreError) as exc:
            return client_error_text(exc)
        status = response.get("StatusCode")
        if status != 202:
            return f"Lambda answered StatusCode {status}, not 202"
        return None

    def restore(self) -> None:
        """Make every held message visible again (best effort: if this fails, the messages
        come back anyway once their visibility timeout ends)."""
        handles = list(self.held.items())
        failures = 0
        last = ""
        for start in range(0, len(handles), _SQS_BATCH):
            chunk = handles[start : start + _SQS_BATCH]
            entries = [
                {"Id": str(index), "ReceiptHandle": handle, "VisibilityTimeout": 0}
                for index, (_, handle) in enumerate(chunk)
            ]
            try:
                response = self.sqs.change_message_visibility_batch(
                    QueueUrl=self.queue_url, Entries=entries
                )
            except (ClientError, BotoCoreError) as exc:
                failures += len(chunk)
                last = client_error_text(exc)
            else:
                failed = response.get("Failed") or []
                failures += len(failed)
                if failed:
                    last = f"{failed[0].get('Code')}: {failed[0].get('Message', '')}"
        if failures:
            print(
                f"{_PROG}: warning: could not make {failures} message(s) visible again "
                f"({last}); they reappear in the DLQ after the visibility timeout "
                f"({self.visibility_timeout}s)",
                file=self.err,
            )
        self.held.clear()


def _filters_from(args: argparse.Namespace) -> Filters:
    accounts = getattr(args, "account", None) or []
    for account in accounts:
        if not _ACCOUNT_RE.fullmatch(str(account)):
            raise RedriveInputError(f"--account must be a 12-digit account ID, got {account!r}")
    filters = Filters(
        accounts=frozenset(str(a) for a in accounts),
        functions=tuple(str(f) for f in getattr(args, "function", None) or []),
        rules=tuple(str(r) for r in getattr(args, "rule", None) or []),
    )
    check_selectors(filters.functions, filters.rules)
    return filters


def _print_report(
    out: TextIO, outcome: _Outcome, *, dry_run: bool, interrupted: bool = False
) -> None:
    matched = len(outcome.matched)
    verb = ("match", "do not", "cannot") if dry_run else ("matched", "did not", "could not")
    late = f", {len(outcome.late)} sent during this run" if outcome.late else ""
    print(
        f"Received {outcome.received} message(s): {matched} {verb[0]} the filters, "
        f"{len(outcome.not_matching)} {verb[1]}, {len(outcome.unparseable)} {verb[2]} be "
        f"parsed{late}.",
        file=out,
    )
    if matched:
        unverified = len(outcome.unverified) + outcome.trusted
        trusted = " (trusted: --trust-unverified-senders)" if outcome.trusted else ""
        print(
            f"Senders of the matching messages: {outcome.verified} verified, {unverified} "
            f"unverified{trusted}, {len(outcome.refused)} refused.",
            file=out,
        )
    if dry_run:
        print(f"Would re-invoke {len(outcome.accepted)} message(s):", file=out)
        for line in format_summary(summarize(outcome.accepted)):
            print(line, file=out)
    else:
        print(f"Re-invoked and deleted {len(outcome.reinvoked)} message(s):", file=out)
        for line in format_summary(summarize(outcome.reinvoked)):
            print(line, file=out)
        if outcome.failed:
            print(
                f"Re-invoke failed for {len(outcome.failed)} message(s), kept in the DLQ:",
                file=out,
            )
            for line in format_summary(summarize(record for record, _ in outcome.failed)):
                print(line, file=out)
    if outcome.unverified:
        print(
            f"Unverified sender, kept in the DLQ ({len(outcome.unverified)}): EventBridge "
            "rule DLQ messages have no sender to check; re-invoke them with "
            "--trust-unverified-senders:",
            file=out,
        )
        for line in format_summary(summarize(outcome.unverified)):
            print(line, file=out)
    if outcome.refused:
        print(
            f"Sender refused, kept in the DLQ ({len(outcome.refused)}): not sent by the role "
            "AWS sends this kind of message with:",
            file=out,
        )
        for record, reason in outcome.refused:
            print(f"  {record.message_id}  function={record.function_arn}: {reason}", file=out)
    if not dry_run:
        if outcome.not_deleted:
            print(
                f"Re-invoked but NOT deleted ({len(outcome.not_deleted)}): delete by hand, or "
                "a later redrive re-invokes again:",
                file=out,
            )
            for record in outcome.not_deleted:
                print(f"  {record.message_id}  function={record.function_arn}", file=out)
        if interrupted:
            pending = matched - len(outcome.reinvoked) - len(outcome.not_deleted)
            pending -= outcome.kept_matching
            print(f"Interrupted: {max(pending, 0)} matching message(s) not handled.", file=out)
    if outcome.not_matching:
        print(f"Not matching, kept in the DLQ ({len(outcome.not_matching)}):", file=out)
        for line in format_summary(summarize(outcome.not_matching)):
            print(line, file=out)
    if outcome.unparseable:
        print(f"Unparseable, left in the DLQ ({len(outcome.unparseable)}):", file=out)
        for message_id, reason in outcome.unparseable:
            print(f"  {message_id}: {reason}", file=out)
    if outcome.late:
        print(
            f"Sent during this run: {len(outcome.late)}, left for the next run (not looked "
            "at: a re-invoke that failed again comes back as a new message).",
            file=out,
        )
    if outcome.stopped_early:
        print(f"Stopped early: {outcome.stopped_early}.", file=out)


def run(
    args: argparse.Namespace,
    *,
    sqs_client: Any | None = None,
    lambda_clients: Callable[[str, str], Any] | None = None,
    aws_clients: Callable[[str, str, str], Any] | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    clock: Callable[[], float] = time.time,
) -> int:
    """Run ``paved-road redrive --reinvoke`` for parsed ``args``; return the exit code.

    ``sqs_client`` (for the DLQ), ``lambda_clients`` (``(account, region) -> Lambda
    client``; default ``LambdaClients(args.assume_role_template)``), ``aws_clients``
    (``(service, account, region) -> client`` for the sender check; default the
    ``client`` method of ``lambda_clients`` when it has one, else of a new
    ``LambdaClients``), ``out``/``err`` (default stdout/stderr) and ``clock`` (epoch
    seconds, only used when SQS gives no time for the run's start) are injectable for
    tests.
    """
    out = sys.stdout if out is None else out
    err_stream = sys.stderr if err is None else err

    def fail(message: str) -> int:
        print(f"{_PROG}: error: {message}", file=err_stream)
        return EXIT_ERROR

    redrive: _Redrive | None = None
    try:
        dlq_value = str(args.dlq)
        validate_queue_ref(dlq_value)
        filters = _filters_from(args)
        template: str | None = getattr(args, "assume_role_template", None)
        if template is not None:
            check_role_template(template)
        dry_run = bool(getattr(args, "dry_run", False))
        trust = bool(getattr(args, "trust_unverified_senders", False))
        if sqs_client is None:
            sqs_client = _make_client(args)
        dlq = _resolve(sqs_client, dlq_value, "DLQ", _client_region(sqs_client))
        if lambda_clients is None:
            lambda_clients = LambdaClients(template)
        if aws_clients is None:
            same = getattr(lambda_clients, "client", None)
            aws_clients = same if callable(same) else LambdaClients(template).client

        visibility = getattr(args, "visibility_timeout", None) or DEFAULT_VISIBILITY_TIMEOUT
        wait = getattr(args, "wait_seconds", None)
        redrive = _Redrive(
            sqs_client,
            dlq.url,
            filters,
            lambda_clients,
            SenderVerifier(aws_clients),
            dry_run=dry_run,
            trust_unverified=trust,
            max_messages=getattr(args, "max_messages", None),
            visibility_timeout=int(visibility),
            wait_seconds=DEFAULT_WAIT_SECONDS if wait is None else int(wait),
            err=err_stream,
            clock=clock,
        )
        if dry_run:
            print(
                "DRY RUN: nothing is re-invoked or deleted; every message received is made "
                "visible again (senders are checked: read-only Lambda, Scheduler and IAM "
                "calls).",
                file=out,
            )
            print(f"DLQ:     {dlq.arn.arn}", file=out)
        else:
            print(f"Re-invoking dead-lettered events from {dlq.arn.arn}.", file=out)
        print(f"Filters: {filters.describe()}", file=out)
        try:
            redrive.drain()
        except KeyboardInterrupt:
            redrive.restore()
            print(
                f"\n{_PROG}: interrupted; messages not re-invoked were made visible again",
                file=err_stream,
            )
            _print_report(out, redrive.outcome, dry_run=dry_run, interrupted=True)
            return EXIT_INTERRUPTED
        redrive.restore()
        _print_report(out, redrive.outcome, dry_run=dry_run)
        outcome = redrive.outcome
        if not dry_run and (outcome.kept_matching or outcome.stopped_early):
            return EXIT_INVOKE_FAILED
        return EXIT_OK
    except RedriveInputError as exc:
        return fail(str(exc))
    except KeyboardInterrupt:  # before or after draining (resolving the DLQ, restoring)
        print(f"\n{_PROG}: interrupted", file=err_stream)
        return EXIT_INTERRUPTED
    except (_AwsError, ClientError, BotoCoreError) as exc:
        if redrive is not None:
            redrive.restore()
            _print_report(out, redrive.outcome, dry_run=redrive.dry_run)
        text = str(exc) if isinstance(exc, _AwsError) else client_error_text(exc)
        return fail(text)
