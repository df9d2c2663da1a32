"""``paved-road redrive``: move messages out of an SQS dead-letter queue.

A thin operator tool over the SQS message-move API (``StartMessageMoveTask``,
``ListMessageMoveTasks``). SQS does the moving server side; this command resolves the
queues, shows what it would do (``--dry-run``), starts the task and follows it to the end.

With ``--reinvoke`` the command redrives a *central* DLQ instead (EventBridge rule,
EventBridge Scheduler and Lambda on-failure messages of many accounts, with no source
queue): each message's event is re-invoked on the Lambda function it failed in, filtered by
``--account`` / ``--function`` / ``--rule``. That mode lives in ``paved_road.event_redrive``
(exit codes 0, 1, 2 and 130 as below, never 3); ``run`` hands over to it.

Exit codes (message move task):

* ``0``: the task completed (or was started, with ``--no-wait``; or the dry run passed).
* ``1``: the task ended ``FAILED`` or ``CANCELLED``.
* ``2``: bad input, or AWS refused a call (queue does not exist, a move task is already
  running, access denied, no credentials...). One line on stderr, never a traceback.
* ``3``: ``--timeout-seconds`` passed while the task was still running. The task keeps
  running in SQS; the message says how to cancel it.
* ``130``: interrupted (Ctrl-C) while waiting. The task keeps running, as for ``3``.

The module imports no AWS SDK client at import time and needs no credentials to import;
``run`` creates the boto3 client lazily when none is injected.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from paved_road._aws import client_error_text

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TASK_FAILED",
    "EXIT_TIMEOUT",
    "MAX_MESSAGES_PER_SECOND",
    "QueueArn",
    "RedriveInputError",
    "add_parser",
    "build_start_request",
    "cancel_command",
    "check_mode",
    "check_rate",
    "check_same_queue_type",
    "format_progress",
    "is_queue_arn",
    "max_per_second",
    "parse_queue_arn",
    "parse_queue_url",
    "queue_ref",
    "region_from_queue_url",
    "region_of_queue_ref",
    "run",
    "validate_queue_ref",
]

EXIT_OK = 0
EXIT_TASK_FAILED = 1
EXIT_ERROR = 2
EXIT_TIMEOUT = 3
EXIT_INTERRUPTED = 130

#: Upper bound of ``MaxNumberOfMessagesPerSecond`` accepted by StartMessageMoveTask.
MAX_MESSAGES_PER_SECOND = 500

#: Statuses after which a move task never changes again.
_SUCCESS_STATUSES = frozenset({"COMPLETED"})
_FAILURE_STATUSES = frozenset({"FAILED", "CANCELLED"})

_PROG = "paved-road redrive"

# A queue name is 1-80 characters of alphanumerics, hyphens and underscores; a FIFO
# queue's name ends in ".fifo" (the suffix counts towards the 80).
_QUEUE_NAME = r"[A-Za-z0-9_-]+(?:\.fifo)?"
_MAX_QUEUE_NAME_LENGTH = 80
_ARN_RE = re.compile(
    r"arn:(?P<partition>aws(?:-[a-z]+)*):sqs:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
    r":(?P<account>\d{12}):(?P<name>" + _QUEUE_NAME + r")"
)
_URL_PATH_RE = re.compile(r"/(?P<account>\d{12})/(?P<name>" + _QUEUE_NAME + r")/?")
# sqs.<region>.amazonaws.com[.cn] (current) and <region>.queue.amazonaws.com (legacy).
_URL_REGION_RE = re.compile(
    r"(?:sqs\.(?P<a>[a-z]{2}(?:-[a-z]+)+-\d+)\.|(?P<b>[a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.)"
    r"amazonaws\.com(?:\.cn)?"
)


class RedriveInputError(ValueError):
    """A ``--dlq`` / ``--to`` value (or a combination of them) that cannot be used."""


@dataclass(frozen=True)
class QueueArn:
    """The parts of an SQS queue ARN, ``arn:<partition>:sqs:<region>:<account>:<name>``."""

    partition: str
    region: str
    account: str
    name: str

    @property
    def arn(self) -> str:
        """The ARN string these parts make up."""
        return f"arn:{self.partition}:sqs:{self.region}:{self.account}:{self.name}"

    @property
    def is_fifo(self) -> bool:
        """True for a FIFO queue (its name ends in ``.fifo``)."""
        return self.name.endswith(".fifo")


# --------------------------------------------------------------------------- pure helpers


def _check_name_length(name: str, value: str) -> None:
    if len(name) > _MAX_QUEUE_NAME_LENGTH:
        raise RedriveInputError(
            f"queue name is longer than {_MAX_QUEUE_NAME_LENGTH} characters in {value!r}"
        )


def is_queue_arn(value: str) -> bool:
    """True when ``value`` is written as an ARN (starts with ``arn:``), valid or not."""
    return value.startswith("arn:")


def parse_queue_arn(value: str) -> QueueArn:
    """Split an SQS queue ARN into its parts.

    Raises ``RedriveInputError`` unless ``value`` is exactly
    ``arn:<partition>:sqs:<region>:<12-digit account>:<queue name>``.
    """
    match = _ARN_RE.fullmatch(value)
    if match is None:
        raise RedriveInputError(
            f"not an SQS queue ARN: {value!r} "
            "(expected arn:<partition>:sqs:<region>:<12-digit account id>:<queue name>)"
        )
    _check_name_length(match["name"], value)
    return QueueArn(match["partition"], match["region"], match["account"], match["name"])


def parse_queue_url(value: str) -> tuple[str, str]:
    """Return ``(account_id, queue_name)`` from an SQS queue URL.

    Accepts any ``http(s)://<host>/<12-digit account>/<queue name>`` URL, so regional,
    legacy, VPC-endpoint and local-emulator URLs all work. Raises ``RedriveInputError``
    for anything else. The queue's ARN is *not* derived from the URL (the partition cannot
    be known for custom hosts): ``run`` asks SQS for it with ``GetQueueAttributes``.
    """
    parts = urlsplit(value)
    match = _URL_PATH_RE.fullmatch(parts.path)
    if parts.scheme not in ("http", "https") or not parts.netloc or match is None:
        raise RedriveInputError(
            f"not an SQS queue URL or ARN: {value!r} "
            "(expected https://sqs.<region>.amazonaws.com/<account id>/<queue name> "
            "or arn:aws:sqs:<region>:<account id>:<queue name>)"
        )
    _check_name_length(match["name"], value)
    return match["account"], match["name"]


def region_from_queue_url(value: str) -> str | None:
    """The region in an ``amazonaws.com`` queue URL's host, or None if it has none."""
    match = _URL_REGION_RE.fullmatch(urlsplit(value).hostname or "")
    if match is None:
        return None
    return match["a"] or match["b"]


def region_of_queue_ref(value: str) -> str | None:
    """The region named by a queue ARN or an ``amazonaws.com`` queue URL, else None."""
    if is_queue_arn(value):
        return parse_queue_arn(value).region
    return region_from_queue_url(value)


def validate_queue_ref(value: str) -> None:
    """Raise ``RedriveInputError`` unless ``value`` is a queue URL or a queue ARN."""
    if is_queue_arn(value):
        parse_queue_arn(value)
    else:
        parse_queue_url(value)


def queue_ref(value: str) -> str:
    """argparse ``type=`` for ``--dlq`` / ``--to``: a queue URL or a queue ARN."""
    try:
        validate_queue_ref(value)
    except RedriveInputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def check_rate(rate: int | None) -> None:
    """Raise ``RedriveInputError`` unless ``rate`` is None or an int from 1 to 500."""
    if rate is None:
        return
    if isinstance(rate, bool) or not isinstance(rate, int):
        raise RedriveInputError(f"--max-per-second must be an integer, got {rate!r}")
    if not 1 <= rate <= MAX_MESSAGES_PER_SECOND:
        raise RedriveInputError(
            f"--max-per-second must be between 1 and {MAX_MESSAGES_PER_SECOND} "
            f"(SQS MaxNumberOfMessagesPerSecond limit), got {rate}"
        )


def max_per_second(value: str) -> int:
    """argparse ``type=`` for ``--max-per-second``: an integer from 1 to 500."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer, got {value!r}") from None
    try:
        check_rate(number)
    except RedriveInputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("--max-per-second ")) from None
    return number


def _seconds(*, allow_zero: bool) -> Callable[[str], float]:
    """An argparse ``type`` for a number of seconds, > 0 (or >= 0 with ``allow_zero``)."""

    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"must be a number of seconds, got {value!r}"
            ) from None
        if not (number >= 0 if allow_zero else number > 0):
            bound = "0 or more" if allow_zero else "greater than 0"
            raise argparse.ArgumentTypeError(f"must be {bound}, got {value}")
        return number

    return parse


_positive_seconds = _seconds(allow_zero=False)
_non_negative_seconds = _seconds(allow_zero=True)


def check_same_queue_type(source: QueueArn, destination: QueueArn) -> None:
    """Raise ``RedriveInputError`` unless both queues are FIFO or both are standard.

    SQS only redrives a DLQ into a custom destination of the same queue type.
    """
    if source.is_fifo != destination.is_fifo:

        def kind(queue: QueueArn) -> str:
            return "FIFO" if queue.is_fifo else "standard"

        raise RedriveInputError(
            f"the DLQ is a {kind(source)} queue but --to is a {kind(destination)} queue; "
            "SQS only redrives into a destination of the same type"
        )


def build_start_request(
    source_arn: str, destination_arn: str | None, rate: int | None
) -> dict[str, Any]:
    """The keyword arguments for ``start_message_move_task``.

    ``DestinationArn`` and ``MaxNumberOfMessagesPerSecond`` are left out when not given, so
    SQS moves messages back to their original source queues at a system-optimized rate.
    """
    request: dict[str, Any] = {"SourceArn": source_arn}
    if destination_arn is not None:
        request["DestinationArn"] = destination_arn
    if rate is not None:
        request["MaxNumberOfMessagesPerSecond"] = rate
    return request


def format_progress(task: Mapping[str, Any]) -> str:
    """One progress line for a ``ListMessageMoveTasks`` result entry."""
    status = task.get("Status", "UNKNOWN")
    moved = task.get("ApproximateNumberOfMessagesMoved", 0)
    to_move = task.get("ApproximateNumberOfMessagesToMove")
    total = "?" if to_move is None else str(to_move)
    return f"status={status} moved={moved}/{total}"


def cancel_command(task_handle: str, region: str | None = None) -> str:
    """The AWS CLI command that cancels the move task ``task_handle``."""
    command = f"aws sqs cancel-message-move-task --task-handle {task_handle}"
    if region:
        command += f" --region {region}"
    return command


# --------------------------------------------------------------------------- argparse


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``redrive`` subcommand on ``subparsers`` (sets ``func=run``)."""
    parser = subparsers.add_parser(
        "redrive",
        help="move messages from an SQS dead-letter queue back to their source queue(s), "
        "or re-invoke the functions of a central DLQ's messages (--reinvoke)",
        description=(
            "Start an SQS message move task (DLQ redrive) and follow it to the end. "
            "Without --to, SQS moves each message back to the queue it was dead-lettered "
            "from. With --reinvoke, re-deliver each message of a central DLQ to the Lambda "
            "function it failed in, by tenant account, function or rule."
        ),
    )
    parser.add_argument(
        "--dlq",
        required=True,
        type=queue_ref,
        metavar="URL|ARN",
        help="the dead-letter queue to move messages out of (queue URL or ARN)",
    )
    parser.add_argument(
        "--to",
        type=queue_ref,
        default=None,
        metavar="URL|ARN",
        help="destination queue (URL or ARN; same type as the DLQ). "
        "Default: each message's original source queue",
    )
    parser.add_argument(
        "--max-per-second",
        type=max_per_second,
        default=None,
        metavar="N",
        help=f"move at most N messages per second (1-{MAX_MESSAGES_PER_SECOND}). "
        "Default: rate optimized by SQS",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="show the DLQ, destination, message count and the request; send nothing "
        "(with --reinvoke: what would be re-invoked, by account, function, rule and "
        "condition; nothing is re-invoked or deleted)",
    )
    parser.add_argument(
        "--no-wait",
        action="store_true",
        help="start the task, print its handle and exit without polling",
    )
    parser.add_argument(
        "--poll-seconds",
        type=_positive_seconds,
        default=5.0,
        metavar="S",
        help="seconds between progress checks (default: 5)",
    )
    parser.add_argument(
        "--timeout-seconds",
        type=_non_negative_seconds,
        default=3600.0,
        metavar="S",
        help="stop waiting after S seconds and exit 3; the task keeps running (default: 3600)",
    )
    parser.add_argument(
        "--region",
        default=None,
        help="AWS region (default: the region in the --dlq ARN/URL, else the SDK default)",
    )
    from paved_road import event_redrive  # here: event_redrive imports this module

    event_redrive.add_arguments(parser)
    parser.set_defaults(func=run)


#: Options of the message-move mode that mean nothing with --reinvoke, with their defaults.
_MOVE_TASK_OPTIONS = (
    ("to", "--to", None),
    ("max_per_second", "--max-per-second", None),
    ("no_wait", "--no-wait", False),
    ("poll_seconds", "--poll-seconds", 5.0),
    ("timeout_seconds", "--timeout-seconds", 3600.0),
)


def check_mode(args: argparse.Namespace) -> None:
    """Raise ``RedriveInputError`` when options of the two modes are mixed.

    With ``--reinvoke``: ``--to``, ``--max-per-second``, ``--no-wait`` and non-default
    ``--poll-seconds`` / ``--timeout-seconds`` are refused. Without it, the re-invoke
    options (``--account``, ``--function``, ...) are refused.
    """
    from paved_road.event_redrive import REINVOKE_OPTIONS

    if getattr(args, "reinvoke", False):
        given = [
            flag
            for name, flag, default in _MOVE_TASK_OPTIONS
            if getattr(args, name, default) != default
        ]
        if given:
            raise RedriveInputError(
                f"{', '.join(given)} cannot be combined with --reinvoke "
                "(they apply to the SQS message move task)"
            )
        return
    given = [flag for name, flag in REINVOKE_OPTIONS if getattr(args, name, None) is not None]
    if given:
        raise RedriveInputError(f"{', '.join(given)} only work(s) with --reinvoke")


# --------------------------------------------------------------------------- run


@dataclass(frozen=True)
class _Queue:
    url: str
    arn: QueueArn


class _AwsError(Exception):
    """A ClientError/BotoCoreError with the context of what was being attempted."""

    def __init__(self, doing: str, exc: Exception) -> None:
        super().__init__(f"{doing}: {client_error_text(exc)}")


def _aws_call(doing: str, call: Callable[..., Any], **kwargs: Any) -> Any:
    try:
        return call(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        raise _AwsError(doing, exc) from exc


def _check_region(arn: QueueArn, region: str | None, role: str) -> None:
    if region is not None and arn.region != region:
        raise RedriveInputError(
            f"the {role} {arn.arn} is in region {arn.region} but the SQS client is "
            f"for {region}; pass --region {arn.region}"
        )


def _resolve(client: Any, value: str, role: str, region: str | None) -> _Queue:
    """Find the queue named by ``value`` (URL or ARN); raise _AwsError if it is absent.

    ``region`` is the client's region: a queue in another region is refused rather than
    looked up by name in the wrong region.
    """
    if is_queue_arn(value):
        arn = parse_queue_arn(value)
        _check_region(arn, region, role)
        response = _aws_call(
            f"cannot find the {role} {value}",
            client.get_queue_url,
            QueueName=arn.name,
            QueueOwnerAWSAccountId=arn.account,
        )
        return _Queue(url=str(response["QueueUrl"]), arn=arn)
    parse_queue_url(value)
    response = _aws_call(
        f"cannot find the {role} {value}",
        client.get_queue_attributes,
        QueueUrl=value,
        AttributeNames=["QueueArn"],
    )
    arn = parse_queue_arn(str(response["Attributes"]["QueueArn"]))
    _check_region(arn, region, role)
    return _Queue(url=value, arn=arn)


def _client_region(client: Any) -> str | None:
    meta = getattr(client, "meta", None)
    region = getattr(meta, "region_name", None)
    return region if isinstance(region, str) else None


def _make_client(args: argparse.Namespace) -> Any:
    """A boto3 SQS client for ``--region``, else the region of ``--dlq``, else the default."""
    import boto3  # imported here so that importing this module stays cheap

    region: str | None = getattr(args, "region", None)
    if region is None:
        region = region_of_queue_ref(str(args.dlq))
    return boto3.client("sqs", region_name=region)


def run(
    args: argparse.Namespace,
    *,
    client: Any | None = None,
    out: TextIO | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    err: TextIO | None = None,
) -> int:
    """Run ``paved-road redrive`` for parsed ``args``; return the process exit code.

    With ``args.reinvoke`` this is ``paved_road.event_redrive.run`` (``client`` is then the
    SQS client of the DLQ; ``sleep`` and ``clock`` are not used).

    ``client`` (an SQS client), ``out``/``err`` (default stdout/stderr), ``sleep`` and
    ``clock`` (a monotonic seconds counter used for ``--timeout-seconds``) are injectable
    for tests.
    """
    out = sys.stdout if out is None else out  # looked up per call, not at import
    err_stream = sys.stderr if err is None else err

    def fail(message: str) -> int:
        print(f"{_PROG}: error: {message}", file=err_stream)
        return EXIT_ERROR

    try:
        check_mode(args)
    except RedriveInputError as exc:
        return fail(str(exc))
    if getattr(args, "reinvoke", False):
        from paved_road import event_redrive

        return event_redrive.run(args, sqs_client=client, out=out, err=err_stream)

    try:
        dlq_value = str(args.dlq)
        to_value: str | None = None if args.to is None else str(args.to)
        # Parse both values before any AWS call, so typos fail fast and offline.
        for value in (dlq_value, to_value):
            if value is not None:
                validate_queue_ref(value)
        check_rate(args.max_per_second)
        if client is None:
            client = _make_client(args)
        region = _client_region(client)

        dlq = _resolve(client, dlq_value, "DLQ", region)
        attributes = _aws_call(
            f"cannot read DLQ {dlq_value}",
            client.get_queue_attributes,
            QueueUrl=dlq.url,
            AttributeNames=["ApproximateNumberOfMessages"],
        )["Attributes"]
        visible = int(attributes.get("ApproximateNumberOfMessages", 0))

        destination: _Queue | None = None
        if to_value is not None:
            destination = _resolve(client, to_value, "destination queue (--to)", region)
            check_same_queue_type(dlq.arn, destination.arn)
            if destination.arn == dlq.arn:
                raise RedriveInputError("--to is the DLQ itself")

        request = build_start_request(
            dlq.arn.arn,
            None if destination is None else destination.arn.arn,
            args.max_per_second,
        )

        if args.dry_run:
            _print_dry_run(client, out, dlq, destination, visible, request)
            return EXIT_OK

        target = "original source queue(s)" if destination is None else destination.arn.arn
        print(
            f"Redriving ~{visible} visible message(s) from {dlq.arn.arn} to {target}.",
            file=out,
        )
        started = _aws_call(
            f"cannot start the message move task for {dlq.arn.arn} (a task may already be "
            f"running: aws sqs list-message-move-tasks --source-arn {dlq.arn.arn})",
            client.start_message_move_task,
            **request,
        )
        handle = str(started["TaskHandle"])
        print(f"TaskHandle: {handle}", file=out)
        if args.no_wait:
            print(f"Not waiting. To cancel: {cancel_command(handle, region)}", file=out)
            return EXIT_OK
        return _wait(
            client,
            dlq.arn.arn,
            handle,
            region,
            poll_seconds=float(args.poll_seconds),
            timeout_seconds=float(args.timeout_seconds),
            out=out,
            err=err_stream,
            sleep=sleep,
            clock=clock,
        )
    except RedriveInputError as exc:
        return fail(str(exc))
    except _AwsError as exc:
        return fail(str(exc))
    except (ClientError, BotoCoreError) as exc:  # e.g. NoRegionError from boto3.client
        return fail(client_error_text(exc))


def _print_dry_run(
    client: Any,
    out: TextIO,
    dlq: _Queue,
    destination: _Queue | None,
    visible: int,
    request: Mapping[str, Any],
) -> None:
    print("DRY RUN: nothing is sent; no messages are moved.", file=out)
    print(f"DLQ:         {dlq.arn.arn}", file=out)
    if destination is not None:
        print(f"Destination: {destination.arn.arn}", file=out)
    else:
        print("Destination: each message's original source queue", file=out)
        # Read-only and best effort: ListDeadLetterSourceQueues needs its own permission.
        try:
            response = client.list_dead_letter_source_queues(QueueUrl=dlq.url)
        except (ClientError, BotoCoreError) as exc:
            print(f"             (source queues unknown: {client_error_text(exc)})", file=out)
        else:
            sources = [str(url) for url in response.get("queueUrls", [])]
            if sources:
                for url in sources:
                    print(f"             source queue: {url}", file=out)
            else:
                print(
                    "             WARNING: no queue names this queue as its DLQ; "
                    "without --to, SQS may refuse to start the task",
                    file=out,
                )
    print(f"Messages visible in the DLQ (approximate): {visible}", file=out)
    print(
        f"Would call StartMessageMoveTask with: {json.dumps(dict(request), sort_keys=True)}",
        file=out,
    )


def _latest_task(client: Any, source_arn: str) -> Mapping[str, Any] | None:
    response = _aws_call(
        f"cannot read the progress of the move task for {source_arn}",
        client.list_message_move_tasks,
        SourceArn=source_arn,
        MaxResults=1,
    )
    results = response.get("Results") or []
    return results[0] if results else None


def _wait(
    client: Any,
    source_arn: str,
    handle: str,
    region: str | None,
    *,
    poll_seconds: float,
    timeout_seconds: float,
    out: TextIO,
    err: TextIO,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
) -> int:
    """Poll the most recent move task of ``source_arn`` until it ends or time runs out.

    ``ListMessageMoveTasks`` only returns ``TaskHandle`` while a task is RUNNING, and only
    one task per source queue can be active, so the most recent task is the one just
    started.
    """
    deadline = clock() + timeout_seconds
    cancel = cancel_command(handle, region)
    try:
        while True:
            task = _latest_task(client, source_arn)
            if task is None:
                print("status=PENDING (task not listed yet)", file=out)
            else:
                print(format_progress(task), file=out)
                status = task.get("Status")
                if status in _SUCCESS_STATUSES:
                    moved = task.get("ApproximateNumberOfMessagesMoved", 0)
                    print(f"Redrive completed: ~{moved} message(s) moved.", file=out)
                    return EXIT_OK
                if status in _FAILURE_STATUSES:
                    reason = task.get("FailureReason") or "no FailureReason given"
                    print(f"{_PROG}: move task {status}: {reason}", file=err)
                    return EXIT_TASK_FAILED
            remaining = deadline - clock()
            if remaining <= 0:
                print(
                    f"{_PROG}: timed out after {timeout_seconds:g}s; the move task is still "
                    f"running in SQS. To cancel it: {cancel}",
                    file=err,
                )
                return EXIT_TIMEOUT
            sleep(min(poll_seconds, remaining))
    except KeyboardInterrupt:
        print(
            f"\n{_PROG}: stopped waiting; the move task is still running in SQS. "
            f"To cancel it: {cancel}",
            file=err,
        )
        return EXIT_INTERRUPTED
