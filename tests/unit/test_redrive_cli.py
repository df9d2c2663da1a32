"""Tests for ``paved-road redrive`` (paved_road.redrive).

moto 5.2.5 implements the SQS queue calls this command makes (GetQueueUrl,
GetQueueAttributes, ListDeadLetterSourceQueues) but NOT the message-move API:
StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask raise
NotImplementedError (see ``test_moto_does_not_implement_message_move_tasks``). So:

* queue resolution (URL -> ARN, ARN -> URL), the existence checks, the message count,
  the dry run and AWS errors for missing queues run against moto for real;
* the StartMessageMoveTask request is asserted on a stub that wraps the moto client
  (``MoveTaskStub``) -- it records the request and scripts ListMessageMoveTasks answers;
* the terminal states (FAILED, CANCELLED), the timeout, Ctrl-C and errors from the
  move-task calls use a small fake client (``FakeSqs``) and a fake clock.

No test asserts that messages arrive on the destination queue: SQS moves them server
side and moto 5.2.5 cannot. See docs/redrive.md, "Tested against moto".
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from hypothesis import given
from hypothesis import strategies as st
from moto import mock_aws

from paved_road import redrive
from paved_road.redrive import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TASK_FAILED,
    EXIT_TIMEOUT,
    QueueArn,
    RedriveInputError,
    build_start_request,
    cancel_command,
    check_same_queue_type,
    format_progress,
    parse_queue_arn,
    parse_queue_url,
    region_from_queue_url,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account id
MESSAGES = ["order-1", "order-2", "order-3"]
MOVE_TASK_OPS = {"start_message_move_task", "list_message_move_tasks", "cancel_message_move_task"}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def sqs(aws_env: None) -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@dataclass
class Queues:
    dlq_url: str
    dlq_arn: str
    source_url: str
    source_arn: str
    other_url: str
    other_arn: str


def _arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attributes["Attributes"]["QueueArn"])


@pytest.fixture
def queues(sqs: Any) -> Queues:
    """A DLQ holding three messages, the source queue that dead-letters into it, and an
    unrelated standard queue usable as --to."""
    dlq_url = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
    dlq_arn = _arn(sqs, dlq_url)
    source_url = sqs.create_queue(
        QueueName="orders",
        Attributes={
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})
        },
    )["QueueUrl"]
    other_url = sqs.create_queue(QueueName="orders-replay")["QueueUrl"]
    for body in MESSAGES:
        sqs.send_message(QueueUrl=dlq_url, MessageBody=body)
    return Queues(
        dlq_url, dlq_arn, source_url, _arn(sqs, source_url), other_url, _arn(sqs, other_url)
    )


def parse(*argv: str) -> argparse.Namespace:
    """Parse ``paved-road redrive <argv>`` with the real subparser."""
    parser = argparse.ArgumentParser(prog="paved-road")
    subparsers = parser.add_subparsers(dest="command", required=True)
    redrive.add_parser(subparsers)
    return parser.parse_args(["redrive", *argv])


def visible_bodies(sqs: Any, url: str) -> list[str]:
    """Bodies of all messages on ``url`` (received with a long visibility timeout)."""
    bodies: list[str] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300
        ).get("Messages", [])
        if not batch:
            return sorted(bodies)
        bodies.extend(message["Body"] for message in batch)


class Spy:
    """Wraps a client and records every method called on it, in order."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @property
    def meta(self) -> Any:
        return self._inner.meta

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            return target(**kwargs)

        return call

    def called(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for op, kwargs in self.calls if op == name]


class MoveTaskStub(Spy):
    """A moto client whose message-move calls (unimplemented in moto) are stubbed:
    StartMessageMoveTask is recorded, ListMessageMoveTasks answers from ``statuses``
    (the last answer repeats)."""

    def __init__(self, inner: Any, statuses: list[list[dict[str, Any]]]) -> None:
        super().__init__(inner)
        self._statuses = list(statuses)

    def start_message_move_task(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("start_message_move_task", kwargs))
        return {"TaskHandle": "handle-1"}

    def list_message_move_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("list_message_move_tasks", kwargs))
        results = self._statuses.pop(0) if len(self._statuses) > 1 else self._statuses[0]
        return {"Results": results}


@dataclass
class FakeClock:
    """A monotonic clock that only moves when ``sleep`` is called."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if len(self.sleeps) > 1000:  # a wait loop that never ends must fail, not hang
            raise AssertionError(f"still polling after {len(self.sleeps)} sleeps")


def bounded() -> dict[str, Any]:
    """``sleep``/``clock`` for ``run`` from a fresh FakeClock: a test whose code under test
    wrongly starts polling then ends after --timeout-seconds of fake time, never hangs."""
    clock = FakeClock()
    return {"sleep": clock.sleep, "clock": clock}


def client_error(code: str, message: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq"
DLQ_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-dlq"


class FakeSqs:
    """A fake SQS client with one DLQ (``orders-dlq``) and scripted move-task answers.

    ``statuses``: successive ListMessageMoveTasks ``Results`` (the last one repeats).
    ``fail``: ``{operation name: exception}`` raised when that operation is called.
    """

    def __init__(
        self,
        statuses: list[list[dict[str, Any]]] | None = None,
        fail: dict[str, BaseException] | None = None,
    ) -> None:
        self.meta = SimpleNamespace(region_name=REGION)
        self._statuses = list(statuses or [[]])
        self._fail = fail or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _record(self, name: str, kwargs: dict[str, Any]) -> None:
        self.calls.append((name, kwargs))
        if name in self._fail:
            raise self._fail[name]

    def called(self, name: str) -> list[dict[str, Any]]:
        return [kwargs for op, kwargs in self.calls if op == name]

    def get_queue_url(self, **kwargs: Any) -> dict[str, Any]:
        self._record("get_queue_url", kwargs)
        return {"QueueUrl": DLQ_URL}

    def get_queue_attributes(self, **kwargs: Any) -> dict[str, Any]:
        self._record("get_queue_attributes", kwargs)
        return {"Attributes": {"QueueArn": DLQ_ARN, "ApproximateNumberOfMessages": "7"}}

    def start_message_move_task(self, **kwargs: Any) -> dict[str, Any]:
        self._record("start_message_move_task", kwargs)
        return {"TaskHandle": "fake-handle"}

    def list_message_move_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self._record("list_message_move_tasks", kwargs)
        results = self._statuses.pop(0) if len(self._statuses) > 1 else self._statuses[0]
        return {"Results": results}


def task(status: str, moved: int = 0, to_move: int | None = 7, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Status": status,
        "SourceArn": DLQ_ARN,
        "ApproximateNumberOfMessagesMoved": moved,
        **extra,
    }
    if to_move is not None:
        entry["ApproximateNumberOfMessagesToMove"] = to_move
    return entry


def run_fake(
    fake: Any, *argv: str, clock: FakeClock | None = None
) -> tuple[int, str, str, FakeClock]:
    """Run the command against ``fake``; return (exit code, stdout, stderr, clock)."""
    clock = clock or FakeClock()
    out, err = io.StringIO(), io.StringIO()
    code = redrive.run(
        parse("--dlq", DLQ_ARN, *argv),
        client=fake,
        out=out,
        err=err,
        sleep=clock.sleep,
        clock=clock,
    )
    return code, out.getvalue(), err.getvalue(), clock


# --------------------------------------------------------------------------- moto itself


@pytest.mark.parametrize(
    ("operation", "kwargs"),
    [
        ("start_message_move_task", {"SourceArn": DLQ_ARN}),
        ("list_message_move_tasks", {"SourceArn": DLQ_ARN, "MaxResults": 1}),
        ("cancel_message_move_task", {"TaskHandle": "any"}),
    ],
)
def test_moto_does_not_implement_message_move_tasks(
    sqs: Any, operation: str, kwargs: dict[str, Any]
) -> None:
    # GIVEN moto's SQS mock (this file was written against moto 5.2.5)
    sqs.create_queue(QueueName="orders-dlq")
    # WHEN a message-move operation is called
    # THEN moto raises NotImplementedError. If this test fails, moto has implemented the
    # operation: replace the stubs below with real moto tests and update docs/redrive.md.
    with pytest.raises(NotImplementedError, match=operation):
        getattr(sqs, operation)(**kwargs)


# --------------------------------------------------------------------------- dry run (moto)


def test_dry_run_with_dlq_url_shows_plan_and_sends_nothing(sqs: Any, queues: Queues) -> None:
    # GIVEN a DLQ with three messages, named by its URL, and a spy on the moto client
    spy = Spy(sqs)
    out = io.StringIO()
    # WHEN the command runs with --dry-run
    code = redrive.run(parse("--dlq", queues.dlq_url, "--dry-run"), client=spy, out=out)
    # THEN it exits 0 and prints the DLQ ARN, the default destination (with the source
    # queue moto reports), the message count and the exact request it would send
    text = out.getvalue()
    assert code == EXIT_OK
    assert "DRY RUN" in text
    assert f"DLQ:         {queues.dlq_arn}" in text
    assert "original source queue" in text
    assert f"source queue: {queues.source_url}" in text
    assert "Messages visible in the DLQ (approximate): 3" in text
    assert f"StartMessageMoveTask with: {json.dumps({'SourceArn': queues.dlq_arn})}" in text
    # AND it only made read-only calls
    assert {op for op, _ in spy.calls} <= {
        "get_queue_attributes",
        "get_queue_url",
        "list_dead_letter_source_queues",
    }
    # AND every message is still on the DLQ and none reached the source queue
    assert visible_bodies(sqs, queues.dlq_url) == MESSAGES
    assert visible_bodies(sqs, queues.source_url) == []


@pytest.mark.parametrize("dlq_form", ["url", "arn"])
@pytest.mark.parametrize("to_form", ["url", "arn"])
def test_dry_run_resolves_urls_and_arns_to_the_same_request(
    sqs: Any, queues: Queues, dlq_form: str, to_form: str
) -> None:
    # GIVEN the DLQ and the --to queue, each named by URL or by ARN
    dlq = queues.dlq_url if dlq_form == "url" else queues.dlq_arn
    to = queues.other_url if to_form == "url" else queues.other_arn
    spy = Spy(sqs)
    out = io.StringIO()
    # WHEN a dry run with a rate limit is made
    code = redrive.run(
        parse("--dlq", dlq, "--to", to, "--max-per-second", "50", "--dry-run"),
        client=spy,
        out=out,
    )
    # THEN the request names both queues by the ARNs moto assigned, with the rate
    expected = {
        "DestinationArn": queues.other_arn,
        "MaxNumberOfMessagesPerSecond": 50,
        "SourceArn": queues.dlq_arn,
    }
    assert code == EXIT_OK
    assert f"StartMessageMoveTask with: {json.dumps(expected, sort_keys=True)}" in out.getvalue()
    assert f"Destination: {queues.other_arn}" in out.getvalue()
    # AND an ARN was turned into a URL with GetQueueUrl (owner account from the ARN)
    lookups = spy.called("get_queue_url")
    if dlq_form == "arn":
        assert {"QueueName": "orders-dlq", "QueueOwnerAWSAccountId": ACCOUNT} in lookups
    if to_form == "arn":
        assert {"QueueName": "orders-replay", "QueueOwnerAWSAccountId": ACCOUNT} in lookups
    assert not MOVE_TASK_OPS & {op for op, _ in spy.calls}
    assert visible_bodies(sqs, queues.dlq_url) == MESSAGES
    assert visible_bodies(sqs, queues.other_url) == []


def test_dry_run_warns_when_no_queue_uses_the_dlq(sqs: Any) -> None:
    # GIVEN a queue that no source queue names as its dead-letter queue
    url = sqs.create_queue(QueueName="lonely")["QueueUrl"]
    out = io.StringIO()
    # WHEN a dry run without --to is made
    code = redrive.run(parse("--dlq", url, "--dry-run"), client=sqs, out=out)
    # THEN it still exits 0 but warns that SQS may refuse to start the task
    assert code == EXIT_OK
    assert "WARNING: no queue names this queue as its DLQ" in out.getvalue()


@pytest.mark.parametrize("form", ["url", "arn"])
def test_client_is_created_lazily_in_the_dlq_region(
    sqs: Any, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    # GIVEN a DLQ in us-west-2 while the SDK default region is us-east-1, and no client
    west = boto3.client("sqs", region_name="us-west-2")
    url = west.create_queue(QueueName="west-dlq")["QueueUrl"]
    arn = _arn(west, url)
    out = io.StringIO()
    # WHEN the command runs without an injected client
    code = redrive.run(parse("--dlq", url if form == "url" else arn, "--dry-run"), out=out)
    # THEN it made its own client in the DLQ's region and found the queue there
    assert code == EXIT_OK, out.getvalue()
    assert f"DLQ:         {arn}" in out.getvalue()


# --------------------------------------------------------------------------- errors (moto)


@pytest.mark.parametrize(
    "dlq",
    [
        f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/no-such-dlq",
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-dlq",
    ],
)
def test_missing_dlq_exits_2_with_one_line_on_stderr(
    sqs: Any, capsys: pytest.CaptureFixture[str], dlq: str
) -> None:
    # GIVEN a DLQ that does not exist in moto
    spy = MoveTaskStub(sqs, [[]])
    # WHEN the command runs (stderr defaults to sys.stderr)
    code = redrive.run(parse("--dlq", dlq), client=spy, **bounded())
    # THEN it exits 2 with one line naming the queue and the AWS error, no traceback
    captured = capsys.readouterr()
    assert code == EXIT_ERROR
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("paved-road redrive: error: cannot find the DLQ ")
    assert dlq in captured.err
    assert "NonExistentQueue" in captured.err
    assert "Traceback" not in captured.err
    # AND no move task was started
    assert spy.called("start_message_move_task") == []


def test_missing_destination_exits_2_before_starting(sqs: Any, queues: Queues) -> None:
    # GIVEN an existing DLQ and a --to queue that does not exist
    spy = MoveTaskStub(sqs, [[]])
    err = io.StringIO()
    missing = f"arn:aws:sqs:{REGION}:{ACCOUNT}:no-such-queue"
    # WHEN the command runs
    code = redrive.run(
        parse("--dlq", queues.dlq_url, "--to", missing), client=spy, err=err, **bounded()
    )
    # THEN it exits 2 naming the destination, and starts nothing
    assert code == EXIT_ERROR
    assert f"cannot find the destination queue (--to) {missing}" in err.getvalue()
    assert spy.called("start_message_move_task") == []


def test_fifo_destination_for_standard_dlq_is_refused(sqs: Any, queues: Queues) -> None:
    # GIVEN a standard DLQ and a FIFO --to queue
    fifo_url = sqs.create_queue(QueueName="replay.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]
    spy = MoveTaskStub(sqs, [[]])
    err = io.StringIO()
    # WHEN the command runs
    code = redrive.run(
        parse("--dlq", queues.dlq_url, "--to", fifo_url), client=spy, err=err, **bounded()
    )
    # THEN it exits 2 explaining the type mismatch, and starts nothing
    assert code == EXIT_ERROR
    assert "standard queue but --to is a FIFO queue" in err.getvalue()
    assert spy.called("start_message_move_task") == []


def test_destination_equal_to_dlq_is_refused(sqs: Any, queues: Queues) -> None:
    # GIVEN --to naming the DLQ itself (by ARN, while --dlq is a URL)
    spy = MoveTaskStub(sqs, [[]])
    err = io.StringIO()
    # WHEN the command runs
    code = redrive.run(
        parse("--dlq", queues.dlq_url, "--to", queues.dlq_arn), client=spy, err=err, **bounded()
    )
    # THEN it exits 2 and starts nothing
    assert code == EXIT_ERROR
    assert "--to is the DLQ itself" in err.getvalue()
    assert spy.called("start_message_move_task") == []


def test_arn_in_another_region_than_the_client_is_refused(sqs: Any, queues: Queues) -> None:
    # GIVEN a client for us-east-1 and a DLQ ARN naming us-west-2 (same queue name exists
    # in us-east-1, so a name lookup would silently find the wrong queue)
    spy = Spy(sqs)
    err = io.StringIO()
    west_arn = queues.dlq_arn.replace(REGION, "us-west-2")
    # WHEN the command runs
    code = redrive.run(parse("--dlq", west_arn, "--dry-run"), client=spy, err=err)
    # THEN it exits 2 telling the user which --region to pass, without any AWS call
    assert code == EXIT_ERROR
    assert "pass --region us-west-2" in err.getvalue()
    assert spy.calls == []


# --------------------------------------------------------------------------- start (moto + stub)


def test_redrive_to_source_starts_task_and_polls_until_completed(sqs: Any, queues: Queues) -> None:
    # GIVEN the DLQ by URL, and a task that is RUNNING once and then COMPLETED
    stub = MoveTaskStub(
        sqs,
        [
            [task("RUNNING", moved=1, to_move=3, TaskHandle="handle-1")],
            [task("COMPLETED", moved=3, to_move=3)],
        ],
    )
    clock = FakeClock()
    out = io.StringIO()
    # WHEN the command runs without --to
    code = redrive.run(
        parse("--dlq", queues.dlq_url), client=stub, out=out, sleep=clock.sleep, clock=clock
    )
    # THEN the request names only the DLQ ARN moto assigned (SQS picks the sources)
    assert stub.called("start_message_move_task") == [{"SourceArn": queues.dlq_arn}]
    # AND it polled the DLQ's most recent task, sleeping --poll-seconds between polls
    assert (
        stub.called("list_message_move_tasks")
        == [{"SourceArn": queues.dlq_arn, "MaxResults": 1}] * 2
    )
    assert clock.sleeps == [5.0]
    # AND printed the handle and each progress line, and exits 0
    text = out.getvalue()
    assert "~3 visible message(s)" in text
    assert "TaskHandle: handle-1" in text
    assert "status=RUNNING moved=1/3" in text
    assert "status=COMPLETED moved=3/3" in text
    assert code == EXIT_OK


def test_redrive_to_destination_sends_destination_arn_and_rate(sqs: Any, queues: Queues) -> None:
    # GIVEN --to as a URL and a rate limit, and a task that completes at once
    stub = MoveTaskStub(sqs, [[task("COMPLETED", moved=3, to_move=3)]])
    # WHEN the command runs
    code = redrive.run(
        parse("--dlq", queues.dlq_arn, "--to", queues.other_url, "--max-per-second", "10"),
        client=stub,
        out=io.StringIO(),
        **bounded(),
    )
    # THEN the request carries the destination's ARN (resolved by moto) and the rate
    assert code == EXIT_OK
    assert stub.called("start_message_move_task") == [
        {
            "SourceArn": queues.dlq_arn,
            "DestinationArn": queues.other_arn,
            "MaxNumberOfMessagesPerSecond": 10,
        }
    ]


# --------------------------------------------------------------------------- fake client


def test_no_wait_prints_handle_and_does_not_poll() -> None:
    # GIVEN a fake client
    fake = FakeSqs()
    # WHEN the command runs with --no-wait
    code, out, _, clock = run_fake(fake, "--no-wait")
    # THEN it exits 0 after starting, printing the handle and how to cancel
    assert code == EXIT_OK
    assert "TaskHandle: fake-handle" in out
    assert cancel_command("fake-handle", REGION) in out
    assert fake.called("list_message_move_tasks") == []
    assert clock.sleeps == []


def test_failed_task_exits_1_with_failure_reason() -> None:
    # GIVEN a task that runs, then fails
    fake = FakeSqs(
        [
            [task("RUNNING", moved=2, TaskHandle="fake-handle")],
            [task("FAILED", moved=2, FailureReason="AccessDenied: kms:Decrypt")],
        ]
    )
    # WHEN the command waits for it
    code, out, err, _ = run_fake(fake)
    # THEN it exits 1 and prints the failure reason
    assert code == EXIT_TASK_FAILED
    assert "status=FAILED moved=2/7" in out
    assert "move task FAILED: AccessDenied: kms:Decrypt" in err


def test_failed_task_without_reason_still_says_so() -> None:
    # GIVEN a task that fails without a FailureReason
    fake = FakeSqs([[task("FAILED")]])
    # WHEN the command waits for it
    code, _, err, _ = run_fake(fake)
    # THEN it exits 1 and says no reason was given
    assert code == EXIT_TASK_FAILED
    assert "move task FAILED: no FailureReason given" in err


def test_cancelling_keeps_polling_and_cancelled_exits_1() -> None:
    # GIVEN a task someone cancels: RUNNING, CANCELLING, then CANCELLED
    fake = FakeSqs(
        [
            [task("RUNNING", moved=1, TaskHandle="fake-handle")],
            [task("CANCELLING", moved=4, TaskHandle="fake-handle")],
            [task("CANCELLED", moved=4)],
        ]
    )
    # WHEN the command waits for it
    code, out, err, clock = run_fake(fake, "--poll-seconds", "2")
    # THEN CANCELLING is not terminal; CANCELLED ends it with exit 1
    assert code == EXIT_TASK_FAILED
    assert len(fake.called("list_message_move_tasks")) == 3
    assert clock.sleeps == [2.0, 2.0]
    assert "status=CANCELLING moved=4/7" in out
    assert "move task CANCELLED" in err


def test_task_not_listed_yet_is_reported_as_pending() -> None:
    # GIVEN ListMessageMoveTasks returns nothing at first, then a completed task
    fake = FakeSqs([[], [task("COMPLETED", moved=7)]])
    # WHEN the command waits
    code, out, _, _ = run_fake(fake)
    # THEN it reports PENDING and then completes
    assert code == EXIT_OK
    assert "status=PENDING" in out
    assert "status=COMPLETED moved=7/7" in out
    assert "~7 message(s) moved" in out


def test_progress_without_total_shows_question_mark() -> None:
    # GIVEN a running task whose total is not known yet, then completion
    fake = FakeSqs([[task("RUNNING", to_move=None)], [task("COMPLETED", moved=7)]])
    # WHEN the command waits
    code, out, _, _ = run_fake(fake)
    # THEN the first progress line shows an unknown total
    assert code == EXIT_OK
    assert "status=RUNNING moved=0/?" in out


def test_timeout_exits_3_and_tells_how_to_cancel() -> None:
    # GIVEN a task that never finishes, polled every 5s with a 12s timeout
    fake = FakeSqs([[task("RUNNING", moved=1, TaskHandle="fake-handle")]])
    # WHEN the command waits
    code, _, err, clock = run_fake(fake, "--timeout-seconds", "12")
    # THEN it stops after exactly 12 fake seconds (the last sleep is shortened),
    # exits 3 and prints the cancel command with the task handle and region
    assert code == EXIT_TIMEOUT
    assert clock.sleeps == [5.0, 5.0, 2.0]
    assert len(fake.called("list_message_move_tasks")) == 4
    assert "timed out after 12s" in err
    assert "aws sqs cancel-message-move-task --task-handle fake-handle --region us-east-1" in err


def test_zero_timeout_polls_once_and_exits_3() -> None:
    # GIVEN a running task and --timeout-seconds 0
    fake = FakeSqs([[task("RUNNING", TaskHandle="fake-handle")]])
    # WHEN the command waits
    code, _, _, clock = run_fake(fake, "--timeout-seconds", "0")
    # THEN it polls once, never sleeps and times out
    assert code == EXIT_TIMEOUT
    assert len(fake.called("list_message_move_tasks")) == 1
    assert clock.sleeps == []


def test_ctrl_c_while_waiting_exits_130_with_cancel_hint() -> None:
    # GIVEN a running task and a sleep that is interrupted by Ctrl-C
    fake = FakeSqs([[task("RUNNING", TaskHandle="fake-handle")]])

    def interrupted(_: float) -> None:
        raise KeyboardInterrupt

    err = io.StringIO()
    # WHEN the command waits
    code = redrive.run(
        parse("--dlq", DLQ_ARN), client=fake, out=io.StringIO(), err=err, sleep=interrupted
    )
    # THEN it exits 130 and says the task is still running and how to cancel it
    assert code == EXIT_INTERRUPTED
    assert "still running" in err.getvalue()
    assert "cancel-message-move-task --task-handle fake-handle" in err.getvalue()


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        ("start_message_move_task", "cannot start the message move task"),
        ("list_message_move_tasks", "cannot read the progress of the move task"),
    ],
)
def test_client_error_from_move_task_calls_exits_2(operation: str, expected: str) -> None:
    # GIVEN a move-task call refused by AWS (e.g. a task is already running)
    error = client_error(
        "AWS.SimpleQueueService.UnsupportedOperation",
        "A message move task is already running",
        "StartMessageMoveTask" if operation.startswith("start") else "ListMessageMoveTasks",
    )
    fake = FakeSqs([[task("RUNNING")]], fail={operation: error})
    # WHEN the command runs
    code, _, err, _ = run_fake(fake)
    # THEN it exits 2 with one line carrying the context, the code and the message
    assert code == EXIT_ERROR
    assert err.count("\n") == 1
    assert expected in err
    assert "UnsupportedOperation: A message move task is already running" in err


def test_start_error_points_at_list_message_move_tasks() -> None:
    # GIVEN StartMessageMoveTask refused
    error = client_error("InvalidParameterValue", "nope", "StartMessageMoveTask")
    fake = FakeSqs(fail={"start_message_move_task": error})
    # WHEN the command runs
    code, _, err, _ = run_fake(fake)
    # THEN the message tells the operator how to look for a running task
    assert code == EXIT_ERROR
    assert f"aws sqs list-message-move-tasks --source-arn {DLQ_ARN}" in err


def test_missing_credentials_exits_2_without_traceback() -> None:
    # GIVEN a client that has no credentials
    fake = FakeSqs(fail={"get_queue_url": NoCredentialsError()})
    # WHEN the command runs
    code, _, err, _ = run_fake(fake)
    # THEN it exits 2 with botocore's message on one line
    assert code == EXIT_ERROR
    assert "Unable to locate credentials" in err
    assert err.count("\n") == 1


def test_run_revalidates_a_namespace_built_without_argparse() -> None:
    # GIVEN a Namespace with an out-of-range rate (argparse was bypassed)
    args = parse("--dlq", DLQ_ARN)
    args.max_per_second = 501
    fake = FakeSqs()
    err = io.StringIO()
    # WHEN run is called
    code = redrive.run(args, client=fake, out=io.StringIO(), err=err, **bounded())
    # THEN it exits 2 before any AWS call
    assert code == EXIT_ERROR
    assert "between 1 and 500" in err.getvalue()
    assert fake.calls == []


# --------------------------------------------------------------------------- argparse


def test_parser_defaults_and_func() -> None:
    # GIVEN only the required --dlq
    # WHEN it is parsed
    args = parse("--dlq", DLQ_URL)
    # THEN every option has its documented default and func is run
    assert args.func is redrive.run
    assert (args.dlq, args.to, args.max_per_second, args.region) == (DLQ_URL, None, None, None)
    assert (args.dry_run, args.no_wait) == (False, False)
    assert (args.poll_seconds, args.timeout_seconds) == (5.0, 3600.0)


@pytest.mark.parametrize("rate", ["1", "500"])
def test_max_per_second_accepts_the_limits(rate: str) -> None:
    # GIVEN a rate at either end of 1..500 / WHEN parsed / THEN it is kept as an int
    assert parse("--dlq", DLQ_ARN, "--max-per-second", rate).max_per_second == int(rate)


@pytest.mark.parametrize("rate", ["0", "501", "-1", "1.5", "fast"])
def test_max_per_second_out_of_range_is_an_argparse_error(
    capsys: pytest.CaptureFixture[str], rate: str
) -> None:
    # GIVEN a rate outside 1..500 or not an integer
    # WHEN it is parsed
    with pytest.raises(SystemExit) as exited:
        parse("--dlq", DLQ_ARN, "--max-per-second", rate)
    # THEN argparse exits 2 naming the option
    assert exited.value.code == 2
    assert "--max-per-second" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        [],  # --dlq is required
        ["--dlq", "orders-dlq"],  # a bare name is neither URL nor ARN
        ["--dlq", "arn:aws:sns:us-east-1:123456789012:topic"],
        ["--dlq", DLQ_ARN, "--to", "ftp://example.com/123456789012/q"],
        ["--dlq", DLQ_ARN, "--poll-seconds", "0"],
        ["--dlq", DLQ_ARN, "--timeout-seconds", "-1"],
    ],
)
def test_bad_arguments_are_argparse_errors(argv: list[str]) -> None:
    # GIVEN invalid arguments / WHEN parsed / THEN argparse exits 2
    with pytest.raises(SystemExit) as exited:
        parse(*argv)
    assert exited.value.code == 2


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (DLQ_ARN, QueueArn("aws", REGION, ACCOUNT, "orders-dlq")),
        (
            "arn:aws-cn:sqs:cn-north-1:123456789012:q_1",
            QueueArn("aws-cn", "cn-north-1", ACCOUNT, "q_1"),
        ),
        (
            "arn:aws-us-gov:sqs:us-gov-west-1:123456789012:jobs.fifo",
            QueueArn("aws-us-gov", "us-gov-west-1", ACCOUNT, "jobs.fifo"),
        ),
    ],
)
def test_parse_queue_arn_accepts_queue_arns(arn: str, expected: QueueArn) -> None:
    # GIVEN a queue ARN / WHEN parsed / THEN its parts come back and rebuild it
    parsed = parse_queue_arn(arn)
    assert parsed == expected
    assert parsed.arn == arn


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sns:us-east-1:123456789012:topic",
        "arn:aws:sqs:us-east-1:12345678901:q",  # 11-digit account
        "arn:aws:sqs:us-east-1::q",
        "arn:aws:sqs:us-east-1:123456789012:",
        "arn:aws:sqs:us-east-1:123456789012:a.b",  # only .fifo may contain a dot
        "arn:aws:sqs:us-east-1:123456789012:q ",
        "arn:aws:sqs:us-east-1:123456789012:" + "q" * 81,
        DLQ_URL,
    ],
)
def test_parse_queue_arn_rejects_other_strings(arn: str) -> None:
    # GIVEN something that is not an SQS queue ARN / WHEN parsed / THEN it is refused
    with pytest.raises(RedriveInputError):
        parse_queue_arn(arn)


@given(
    partition=st.sampled_from(["aws", "aws-cn", "aws-us-gov", "aws-iso-b"]),
    region=st.sampled_from(["us-east-1", "eu-central-2", "ap-southeast-4", "cn-north-1"]),
    account=st.from_regex(r"\d{12}", fullmatch=True),
    name=st.from_regex(r"[A-Za-z0-9_-]{1,75}", fullmatch=True),
    fifo=st.booleans(),
)
def test_queue_arn_round_trips(
    partition: str, region: str, account: str, name: str, fifo: bool
) -> None:
    # GIVEN any valid queue ARN parts
    queue = QueueArn(partition, region, account, name + (".fifo" if fifo else ""))
    # WHEN the ARN string is parsed back / THEN the same parts come out
    assert parse_queue_arn(queue.arn) == queue
    assert queue.is_fifo is fifo


@pytest.mark.parametrize(
    ("url", "expected", "region"),
    [
        (DLQ_URL, (ACCOUNT, "orders-dlq"), REGION),
        (
            "https://eu-west-1.queue.amazonaws.com/123456789012/q.fifo",
            (ACCOUNT, "q.fifo"),
            "eu-west-1",
        ),
        ("https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q", (ACCOUNT, "q"), "cn-north-1"),
        ("https://queue.amazonaws.com/123456789012/q", (ACCOUNT, "q"), None),
        ("http://localhost:4566/000000000000/q/", ("000000000000", "q"), None),
    ],
)
def test_parse_queue_url_and_region(
    url: str, expected: tuple[str, str], region: str | None
) -> None:
    # GIVEN a queue URL / WHEN parsed / THEN account, name and host region come out
    assert parse_queue_url(url) == expected
    assert region_from_queue_url(url) == region


@pytest.mark.parametrize(
    "url",
    [
        "orders-dlq",
        "ftp://sqs.us-east-1.amazonaws.com/123456789012/q",
        "https://sqs.us-east-1.amazonaws.com/q",
        "https://sqs.us-east-1.amazonaws.com/123456789012/q/extra",
        "https:///123456789012/q",
    ],
)
def test_parse_queue_url_rejects_other_strings(url: str) -> None:
    # GIVEN something that is not a queue URL / WHEN parsed / THEN it is refused
    with pytest.raises(RedriveInputError):
        parse_queue_url(url)


def test_build_start_request_leaves_out_unset_options() -> None:
    # GIVEN only a source / WHEN the request is built / THEN only SourceArn is sent
    assert build_start_request(DLQ_ARN, None, None) == {"SourceArn": DLQ_ARN}
    # AND destination and rate appear when given
    assert build_start_request(DLQ_ARN, "arn:d", 9) == {
        "SourceArn": DLQ_ARN,
        "DestinationArn": "arn:d",
        "MaxNumberOfMessagesPerSecond": 9,
    }


def test_format_progress() -> None:
    # GIVEN task entries with and without a known total / WHEN formatted / THEN shown
    assert format_progress(task("RUNNING", moved=5, to_move=9)) == "status=RUNNING moved=5/9"
    assert format_progress({"Status": "RUNNING"}) == "status=RUNNING moved=0/?"


def test_check_same_queue_type() -> None:
    # GIVEN standard and FIFO queue ARNs
    standard = parse_queue_arn(DLQ_ARN)
    fifo = parse_queue_arn(f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq.fifo")
    # WHEN types match / THEN nothing is raised
    check_same_queue_type(standard, standard)
    check_same_queue_type(fifo, fifo)
    # WHEN they differ / THEN it is refused
    with pytest.raises(RedriveInputError, match="FIFO queue but --to is a standard"):
        check_same_queue_type(fifo, standard)


def test_cancel_command() -> None:
    # GIVEN a handle with and without region / WHEN formatted / THEN a runnable command
    assert cancel_command("h") == "aws sqs cancel-message-move-task --task-handle h"
    assert cancel_command("h", "eu-west-1").endswith("--task-handle h --region eu-west-1")


# --------------------------------------------------------------------------- import


def test_module_imports_without_credentials_or_client(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN no AWS credentials or region, and boto3 that fails if a client is made
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")

    def no_client(*_: Any, **__: Any) -> Any:
        raise AssertionError("a boto3 client was created at import time")

    monkeypatch.setattr(boto3, "client", no_client)
    # WHEN the module file is executed afresh (under another name, so the module
    # used by the other tests is untouched)
    path = Path(redrive.__file__)
    spec = importlib.util.spec_from_file_location("_redrive_import_probe", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "_redrive_import_probe", module)
    spec.loader.exec_module(module)
    # THEN it imported and exposes the CLI entry points
    assert callable(module.add_parser) and callable(module.run)


def test_run_creates_its_client_only_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN boto3.client replaced by a recorder returning a fake client
    made: list[tuple[Any, ...]] = []
    fake = FakeSqs([[task("COMPLETED", moved=7)]])

    def make(*args: Any, **kwargs: Any) -> Any:
        made.append((args, kwargs))
        return fake

    monkeypatch.setattr(boto3, "client", make)
    # WHEN run is given a client / THEN boto3.client is not called
    run_fake(fake)
    assert made == []
    # WHEN run has no client and --region is given / THEN one client is made for it
    code = redrive.run(parse("--dlq", DLQ_ARN, "--region", REGION), out=io.StringIO(), **bounded())
    assert code == EXIT_OK
    assert made == [(("sqs",), {"region_name": REGION})]
