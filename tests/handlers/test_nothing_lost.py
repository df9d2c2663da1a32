"""Nothing lost: no message or payload disappears or is duplicated on the failure paths.

Three guarantees, each checked against moto (5.2.5) by comparing what is *actually on the
moto queues / in the moto bucket* afterwards, by application id, as sets and multiplicities
(``collections.Counter``): no loss, no duplicate.

1. Redrive (``paved-road redrive``, ``paved_road.redrive`` through ``paved_road.cli.main``):
   every message dead-lettered into a DLQ is back on its source queue afterwards (count in
   = count out, same application ids, same bodies and message attributes); ``--dry-run``
   moves nothing.

   Real moto: the queues, the source queue's ``RedrivePolicy`` (``maxReceiveCount`` k), the
   dead-lettering itself (each message is received k times without being deleted, with
   ``VisibilityTimeout=0``; moto moves it to the DLQ on the next receive), every call the
   CLI makes besides the two below (GetQueueUrl, GetQueueAttributes,
   ListDeadLetterSourceQueues), and every queue read used by the assertions.

   Emulated (moto 5.2.5 raises NotImplementedError for them, see
   ``tests/unit/test_redrive_cli.py::test_moto_does_not_implement_message_move_tasks``):
   ``StartMessageMoveTask`` and ``ListMessageMoveTasks``, by :class:`EmulatedMoveTasks`, a
   wrapper of the real moto client (every other call is forwarded to moto). Starting a
   task records it (RUNNING, ``ApproximateNumberOfMessagesToMove`` = the DLQ's
   ``ApproximateNumberOfMessages`` at the start); each ``ListMessageMoveTasks`` poll then
   moves up to 10 messages *on moto* (ReceiveMessage from the DLQ, SendMessage with the
   same body and message attributes to the destination, DeleteMessage from the DLQ) and
   counts them in ``ApproximateNumberOfMessagesMoved``; the poll that finds the DLQ empty
   marks the task COMPLETED (``TaskHandle`` is only listed while RUNNING). The destination
   is ``DestinationArn`` when given, else the one queue whose ``RedrivePolicy`` names the
   DLQ (found with ListDeadLetterSourceQueues): "redrive to source queue". Real SQS
   remembers each message's own source queue; the emulation refuses a DLQ with several
   source queues instead of guessing. Not emulated: the rate
   (``MaxNumberOfMessagesPerSecond`` is only echoed), the one-active-task-per-queue rule,
   CancelMessageMoveTask, FAILED tasks, and the message ids and system attributes SQS
   gives moved messages (the checks compare application ids, bodies and message
   attributes). A lossy and a duplicating emulation are shown to fail the same checks
   (``test_the_redrive_check_catches_a_lost_or_duplicated_message``).

2. Partial batch failure (the ``EventProcessingService`` handler,
   ``paved_road_blueprints/handlers/event_processor/index.py``, loaded as in
   ``test_event_processor.py``): for batches with 0, 1, some and all poison records the
   handler reports exactly the failed message ids in ``batchItemFailures``, the DLQ ends up
   holding exactly those messages (each once) and the good ones are each stored once in S3.

   Real: the handler (Powertools batch processor, S3 writes on moto), the moto queues, the
   receive counts (``ApproximateReceiveCount``) and the move to the DLQ, which moto makes
   on the receive after the k-th (``RedrivePolicy`` ``maxReceiveCount`` k). moto keeps a
   message's id when it dead-letters it: the DLQ is compared by message id *and* by the
   application id each message carries.

   Simulated (:func:`run_event_source_mapping`): the Lambda SQS event source mapping with
   ``ReportBatchItemFailures``: receive up to 10 messages (visibility timeout 30 s), build
   the SQS event from them (:func:`esm_record`: messageId, receiptHandle, body, attributes
   with the real ApproximateReceiveCount, messageAttributes, md5OfBody, eventSourceARN...),
   invoke the handler in-process, delete the messages not reported, and make the reported
   ones visible again at once (ChangeMessageVisibility 0: "the visibility timeout
   elapsed"), until the source queue is empty. Not simulated: concurrency, backoff,
   batching windows, retries of a whole failed invoke.

3. Claim check (the layer module ``paved_road_claim_check``, loaded as in
   ``test_claim_check_runtime.py``): a payload's UTF-8 bytes are equal after producer ->
   SQS -> consumer, inline when its size is at most the threshold, offloaded to S3 above.
   Small thresholds (2 B - 4 KiB; about half the sizes threshold - 1, threshold or + 1) are
   set the three documented ways: ``ClaimStore(threshold=...)``, ``offload(...,
   threshold=...)`` and ``PAVED_ROAD_CLAIM_CHECK_THRESHOLD``; the real 1 MiB default
   (``send_message`` with no override) is checked at 1 MiB - 1, 1 MiB, 1 MiB + 1 and
   1.5 MiB, ASCII and multi-byte. The consumer is a handler decorated with
   ``@resolve_claims`` using the default store configured from the environment (as
   ``ClaimCheck.grant_consumer`` configures it). Real: moto SQS and S3 (moto counts
   the SQS body limit in characters where SQS counts bytes; the threshold keeps inline
   bodies within 1 MiB of UTF-8 anyway). The Lambda event is built from the received
   message like the mapping does (same :func:`esm_record`).

AWS documentation relied on:

* https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
* https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html
* https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasksResultEntry.html
* https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html
* https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html
* https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html

Each checked case is counted (``tests/counts.py``) and printed at the end of the run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from paved_road import cli
from paved_road.redrive import EXIT_OK, parse_queue_arn
from tests.counts import count
from tests.handlers.support import isolated_handler_environment, load_asset_module
from tests.handlers.test_claim_check_runtime import BUCKET as CLAIMS_BUCKET
from tests.handlers.test_claim_check_runtime import ONE_MIB, PREFIX
from tests.handlers.test_claim_check_runtime import load_module as load_claims_module
from tests.handlers.test_event_processor import (
    BUCKET,
    HANDLER_FILE,
    MODULE_NAME,
    NAMESPACE,
    REGION,
    lambda_context,
)
from tests.unit.test_redrive_cli import Spy

REDRIVEN = "nothing lost: redrive messages moved DLQ -> source (in = out)"
DRY_RUNS = "nothing lost: redrive dry runs that moved nothing"
BATCH_RECORDS = "nothing lost: partial-batch records checked (failed ids = DLQ ids)"
CLAIMS = "nothing lost: claim-check payloads round-tripped byte-equal"

APP_ID = "app_id"  # the message attribute carrying the application id
CHECKSUM = "body_sha256"  # a Binary message attribute: SHA-256 of the body's UTF-8 bytes
RECEIVE_BATCH = 10  # ReceiveMessage's MaxNumberOfMessages upper bound
SENDABLE_ATTRIBUTE_FIELDS = ("DataType", "StringValue", "BinaryValue")
POLL_SECONDS = "0.001"  # --poll-seconds for the CLI: the emulated task moves 10 per poll

# Sharing one mock_aws (and one loaded module) between examples is fine: every example
# creates its own uniquely named queues and object prefix.
SHARED_FIXTURES = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolated_handler_environment(
        monkeypatch,
        region=REGION,
        service="nothing-lost",
        namespace=NAMESPACE,
        clear=("OBJECT_PREFIX", "IDEMPOTENCY_TABLE", "PAVED_ROAD_CLAIM_CHECK_THRESHOLD"),
    )
    monkeypatch.setenv("BUCKET_NAME", BUCKET)
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_BUCKET", CLAIMS_BUCKET)
    monkeypatch.setenv("PAVED_ROAD_CLAIM_CHECK_PREFIX", PREFIX)


@pytest.fixture
def sqs() -> Iterator[Any]:
    """moto's SQS (and S3, with the handler's and the claim-check buckets)."""
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (BUCKET, CLAIMS_BUCKET):
            s3.create_bucket(
                Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
            )
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def event_processor(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The EventProcessingService handler module, freshly loaded."""
    return load_asset_module(monkeypatch, MODULE_NAME, HANDLER_FILE)


@pytest.fixture
def claims(sqs: Any, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The claim-check layer module, freshly loaded (default store from the environment)."""
    return load_claims_module(monkeypatch)


# --------------------------------------------------------------------------- queues


@dataclass(frozen=True)
class Queue:
    url: str
    arn: str


@dataclass(frozen=True)
class QueuePair:
    """A source queue whose RedrivePolicy dead-letters into ``dlq`` after k receives."""

    source: Queue
    dlq: Queue
    max_receive_count: int


def new_queue(sqs: Any, name: str, **attributes: str) -> Queue:
    url = str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return Queue(url, str(arn["QueueArn"]))


def new_queue_pair(sqs: Any, max_receive_count: int) -> QueuePair:
    """Fresh, uniquely named queues (examples of one test share the same moto backend)."""
    suffix = uuid.uuid4().hex[:12]
    dlq = new_queue(sqs, f"orders-dlq-{suffix}")
    policy = {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": str(max_receive_count)}
    source = new_queue(
        sqs, f"orders-{suffix}", RedrivePolicy=json.dumps(policy), VisibilityTimeout="30"
    )
    return QueuePair(source, dlq, max_receive_count)


def send_tagged(sqs: Any, url: str, bodies: Mapping[str, str]) -> dict[str, str]:
    """Send ``{app id: body}``, each message carrying its app id and the SHA-256 of its
    body as message attributes; return ``{app id: SQS message id}``."""
    message_ids: dict[str, str] = {}
    items = list(bodies.items())
    for start in range(0, len(items), RECEIVE_BATCH):
        entries = [
            {
                "Id": f"m{n}",
                "MessageBody": body,
                "MessageAttributes": {
                    APP_ID: {"DataType": "String", "StringValue": app_id},
                    CHECKSUM: {
                        "DataType": "Binary",
                        "BinaryValue": hashlib.sha256(body.encode("utf-8")).digest(),
                    },
                },
            }
            for n, (app_id, body) in enumerate(items[start : start + RECEIVE_BATCH])
        ]
        response = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert not response.get("Failed"), response["Failed"]
        for sent in response["Successful"]:
            app_id = items[start + int(sent["Id"][1:])][0]
            message_ids[app_id] = sent["MessageId"]
    return message_ids


def receive(sqs: Any, url: str, visibility_timeout: int) -> list[dict[str, Any]]:
    """One ReceiveMessage of up to 10 messages, with all attributes, no long polling."""
    response = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=RECEIVE_BATCH,
        VisibilityTimeout=visibility_timeout,
        WaitTimeSeconds=0,
        AttributeNames=["All"],
        MessageAttributeNames=["All"],
    )
    return list(response.get("Messages", []))


def read_all(sqs: Any, url: str, *, keep: bool = False) -> list[dict[str, Any]]:
    """Every message on ``url`` (received with a long visibility timeout, so each once);
    with ``keep`` they are made visible again afterwards (a peek)."""
    messages: list[dict[str, Any]] = []
    while batch := receive(sqs, url, visibility_timeout=600):
        messages.extend(batch)
    if keep:
        for message in messages:
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    return messages


def depth(sqs: Any, url: str) -> int:
    """Messages on ``url``: visible, in flight and delayed."""
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def app_ids(messages: list[dict[str, Any]]) -> Counter[str]:
    """The application ids of ``messages`` (with multiplicity), after checking that each
    body still matches its checksum attribute and names the same app id (when JSON)."""
    ids: Counter[str] = Counter()
    for message in messages:
        attributes = message["MessageAttributes"]
        app_id = attributes[APP_ID]["StringValue"]
        body = message["Body"]
        assert attributes[CHECKSUM]["BinaryValue"] == hashlib.sha256(body.encode()).digest()
        if body.startswith("{"):
            assert json.loads(body)[APP_ID] == app_id
        ids[app_id] += 1
    return ids


def dead_letter_everything(sqs: Any, pair: QueuePair) -> None:
    """Fail every message of the source queue the real way: receive it k times without
    deleting it (VisibilityTimeout=0: visible again at once); moto moves it to the DLQ
    on the next receive."""
    receives: Counter[str] = Counter()
    for _ in range(1000):  # a loop that never ends must fail, not hang
        batch = receive(sqs, pair.source.url, visibility_timeout=0)
        if not batch:
            # each message was delivered exactly k times before moto dead-lettered it
            assert set(receives.values()) <= {pair.max_receive_count}, receives
            return
        for message in batch:
            receives[message["MessageId"]] += 1
            assert (
                int(message["Attributes"]["ApproximateReceiveCount"])
                == receives[message["MessageId"]]
            )
    raise AssertionError("messages never left the source queue")


def tagged_bodies(n: int) -> dict[str, str]:
    """``n`` JSON bodies, each naming its own application id (non-ASCII text included)."""
    return {
        app_id: json.dumps({APP_ID: app_id, "note": f"Größe {i}, 注文 ✓"}, ensure_ascii=False)
        for i, app_id in enumerate(f"order-{i:04d}-{uuid.uuid4().hex[:6]}" for i in range(n))
    }


# --------------------------------------------------------------------------- 1. redrive


class EmulatedMoveTasks(Spy):
    """The real moto SQS client plus an emulation of the SQS message-move API, which
    moto 5.2.5 does not implement; every other call is forwarded to moto (and recorded in
    ``calls`` by ``Spy``).

    Emulates, per the SQS API reference:
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html
    (destination: ``DestinationArn``, else "their respective original source queues") and
    https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html
    / API_ListMessageMoveTasksResultEntry.html (most recent tasks first, ``MaxResults``
    default 1; Status RUNNING then COMPLETED; ``ApproximateNumberOfMessagesMoved``;
    ``ApproximateNumberOfMessagesToMove`` obtained when the task starts; ``TaskHandle``
    only while RUNNING; ``DestinationArn`` / ``MaxNumberOfMessagesPerSecond`` only when
    given). Messages are moved on moto, up to 10 per ListMessageMoveTasks poll.
    """

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.tasks: list[dict[str, Any]] = []  # most recent first
        self._routes: dict[str, tuple[str, str]] = {}  # handle -> (source url, destination url)

    def _url(self, arn: str) -> str:
        queue = parse_queue_arn(arn)
        response = self._inner.get_queue_url(
            QueueName=queue.name, QueueOwnerAWSAccountId=queue.account
        )
        return str(response["QueueUrl"])

    def _original_source(self, dlq_url: str) -> str:
        sources = self._inner.list_dead_letter_source_queues(QueueUrl=dlq_url)["queueUrls"]
        assert len(sources) == 1, f"the emulation needs exactly one source queue: {sources}"
        return str(sources[0])

    def start_message_move_task(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("start_message_move_task", kwargs))
        source_arn = kwargs["SourceArn"]
        source_url = self._url(source_arn)
        destination = kwargs.get("DestinationArn")
        destination_url = (
            self._original_source(source_url) if destination is None else self._url(destination)
        )
        visible = self._inner.get_queue_attributes(
            QueueUrl=source_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        handle = base64.b64encode(f"{source_arn}#{uuid.uuid4()}".encode()).decode()
        task: dict[str, Any] = {
            "TaskHandle": handle,
            "Status": "RUNNING",
            "SourceArn": source_arn,
            "ApproximateNumberOfMessagesMoved": 0,
            "ApproximateNumberOfMessagesToMove": int(visible),
            "StartedTimestamp": int(time.time() * 1000),
        }
        for optional in ("DestinationArn", "MaxNumberOfMessagesPerSecond"):
            if optional in kwargs:
                task[optional] = kwargs[optional]
        self.tasks.insert(0, task)
        self._routes[handle] = (source_url, destination_url)
        return {"TaskHandle": handle}

    def list_message_move_tasks(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("list_message_move_tasks", kwargs))
        tasks = [t for t in self.tasks if t["SourceArn"] == kwargs["SourceArn"]]
        for task in tasks:
            if task["Status"] == "RUNNING":
                self._advance(task)
        listed = [
            {k: v for k, v in t.items() if k != "TaskHandle" or t["Status"] == "RUNNING"}
            for t in tasks[: kwargs.get("MaxResults", 1)]
        ]
        return {"Results": listed}

    def _advance(self, task: dict[str, Any]) -> None:
        """Move up to 10 messages (receive, send with the same body and message
        attributes, delete); complete the task when the source queue has none left."""
        source_url, destination_url = self._routes[task["TaskHandle"]]
        batch = receive(self._inner, source_url, visibility_timeout=30)
        if not batch:
            task["Status"] = "COMPLETED"
            return
        for message in batch:
            self._move(message, source_url, destination_url)
            task["ApproximateNumberOfMessagesMoved"] += 1

    def _move(self, message: dict[str, Any], source_url: str, destination_url: str) -> None:
        self._send(message, destination_url)
        self._inner.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    def _send(self, message: dict[str, Any], destination_url: str) -> None:
        attributes = {
            name: {k: v for k, v in value.items() if k in SENDABLE_ATTRIBUTE_FIELDS}
            for name, value in message.get("MessageAttributes", {}).items()
        }
        self._inner.send_message(
            QueueUrl=destination_url, MessageBody=message["Body"], MessageAttributes=attributes
        )


class LosingMoveTasks(EmulatedMoveTasks):
    """A broken move task that drops its first message (deleted, never sent)."""

    lost = False

    def _send(self, message: dict[str, Any], destination_url: str) -> None:
        if self.lost:
            super()._send(message, destination_url)
        self.lost = True


class DuplicatingMoveTasks(EmulatedMoveTasks):
    """A broken move task that sends its first message twice."""

    duplicated = False

    def _send(self, message: dict[str, Any], destination_url: str) -> None:
        if not self.duplicated:
            super()._send(message, destination_url)
        self.duplicated = True
        super()._send(message, destination_url)


def paved_road_redrive(client: Any, *argv: str) -> tuple[int, str, str]:
    """``paved-road redrive <argv>`` through the real entry point (``paved_road.cli.main``);
    the SQS client the command creates is ``client``. Returns (exit code, stdout, stderr)."""

    def make_client(service: str, region_name: str | None = None, **_: Any) -> Any:
        assert (service, region_name) == ("sqs", REGION)
        return client

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch, redirect_stdout(out), redirect_stderr(err):
        patch.setattr(boto3, "client", make_client)
        code = cli.main(["redrive", *argv])
    return code, out.getvalue(), err.getvalue()


def dead_lettered(sqs: Any, n: int, max_receive_count: int) -> tuple[QueuePair, Counter[str]]:
    """A queue pair whose DLQ holds ``n`` tagged messages, dead-lettered by moto; checked
    to be there (and nowhere else) before anything is redriven."""
    pair = new_queue_pair(sqs, max_receive_count)
    bodies = tagged_bodies(n)
    send_tagged(sqs, pair.source.url, bodies)
    dead_letter_everything(sqs, pair)
    expected = Counter(bodies.keys())
    assert app_ids(read_all(sqs, pair.dlq.url, keep=True)) == expected
    assert depth(sqs, pair.dlq.url) == n
    assert depth(sqs, pair.source.url) == 0
    return pair, expected


def assert_moved(sqs: Any, origin: Queue, destination: Queue, expected: Counter[str]) -> None:
    """``destination`` holds exactly the ``expected`` app ids (no loss, no duplicate) and
    ``origin`` is empty, read from moto."""
    arrived = app_ids(read_all(sqs, destination.url))
    assert arrived == expected, (
        f"lost: {sorted(expected - arrived)}, duplicated or unexpected: "
        f"{sorted(arrived - expected)}"
    )
    assert depth(sqs, origin.url) == 0
    assert read_all(sqs, origin.url) == []


def check_redrive(
    sqs: Any, n: int, max_receive_count: int, *, to_other_queue: bool = False
) -> EmulatedMoveTasks:
    """Dead-letter ``n`` messages, dry-run, redrive; check each step on moto."""
    # GIVEN n messages dead-lettered by moto after max_receive_count receives
    pair, expected = dead_lettered(sqs, n, max_receive_count)
    client = EmulatedMoveTasks(sqs)

    # WHEN paved-road redrive --dry-run runs
    code, out, err = paved_road_redrive(client, "--dlq", pair.dlq.arn, "--dry-run")
    # THEN it plans the move, starts no task, and moto's queues are unchanged
    assert (code, err) == (EXIT_OK, "")
    assert f"Messages visible in the DLQ (approximate): {n}" in out
    assert f"source queue: {pair.source.url}" in out
    assert not [op for op, _ in client.calls if "message_move_task" in op]
    assert app_ids(read_all(sqs, pair.dlq.url, keep=True)) == expected
    assert depth(sqs, pair.source.url) == 0
    count(DRY_RUNS)

    # WHEN paved-road redrive runs (back to the source queue, or --to another queue)
    destination = new_queue(sqs, f"replay-{uuid.uuid4().hex[:12]}") if to_other_queue else None
    to = ["--to", destination.url] if destination else []
    code, out, err = paved_road_redrive(
        client, "--dlq", pair.dlq.url, *to, "--poll-seconds", POLL_SECONDS
    )
    # THEN it completes and reports n moved, and moto's destination queue holds exactly the
    # n app ids (bodies and attributes intact) while the DLQ is empty
    assert (code, err) == (EXIT_OK, ""), out
    assert f"Redrive completed: ~{n} message(s) moved." in out
    assert_moved(sqs, pair.dlq, destination or pair.source, expected)
    assert client.tasks[0]["ApproximateNumberOfMessagesToMove"] == n
    count(REDRIVEN, n)
    return client


@given(n=st.integers(min_value=1, max_value=40), max_receive_count=st.integers(1, 3))
@settings(SHARED_FIXTURES, max_examples=10)
def test_redrive_returns_every_dead_lettered_message_once(
    sqs: Any, n: int, max_receive_count: int
) -> None:
    # GIVEN / WHEN / THEN: see check_redrive (dry run first, then the redrive)
    client = check_redrive(sqs, n, max_receive_count)
    # AND the CLI asked SQS to move messages back to their source queue(s)
    (request,) = client.called("start_message_move_task")
    assert set(request) == {"SourceArn"}


def test_redrive_of_25_messages_to_their_source_queue(sqs: Any) -> None:
    # GIVEN 25 dead-lettered messages (3 pages of ReceiveMessage) / WHEN dry run, redrive
    client = check_redrive(sqs, 25, max_receive_count=2)
    # THEN (checked above) all 25 are back; the task was followed until COMPLETED, 10
    # messages per poll: 3 polls moving, 1 finding the DLQ empty
    assert len(client.called("list_message_move_tasks")) == 4
    assert client.tasks[0]["Status"] == "COMPLETED"
    assert client.tasks[0]["ApproximateNumberOfMessagesMoved"] == 25


def test_redrive_of_25_messages_to_another_queue(sqs: Any) -> None:
    # GIVEN 25 dead-lettered messages / WHEN redriven with --to a replay queue
    client = check_redrive(sqs, 25, max_receive_count=1, to_other_queue=True)
    # THEN (checked above) the replay queue holds all 25; the request named it
    (request,) = client.called("start_message_move_task")
    assert set(request) == {"SourceArn", "DestinationArn"}


@pytest.mark.parametrize("broken", [LosingMoveTasks, DuplicatingMoveTasks])
def test_the_redrive_check_catches_a_lost_or_duplicated_message(
    sqs: Any, broken: type[EmulatedMoveTasks]
) -> None:
    # GIVEN 12 dead-lettered messages and a move task that loses or duplicates one
    pair, expected = dead_lettered(sqs, 12, max_receive_count=1)
    # WHEN the CLI redrives through it (the CLI cannot tell: SQS only reports counts)
    code, _, _ = paved_road_redrive(
        broken(sqs), "--dlq", pair.dlq.arn, "--poll-seconds", POLL_SECONDS
    )
    assert code == EXIT_OK
    # THEN the check on moto's queue contents fails
    with pytest.raises(AssertionError, match=r"lost: |duplicated or unexpected: "):
        assert_moved(sqs, pair.dlq, pair.source, expected)


# --------------------------------------------------------------------------- 2. partial batch


def esm_record(message: Mapping[str, Any], queue_arn: str) -> dict[str, Any]:
    """The record the Lambda SQS event source mapping makes of a received message
    (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html): system attributes as
    SQS returned them (ApproximateReceiveCount included), message attributes in the
    mapping's camelCase shape (binary values base64-encoded)."""
    message_attributes: dict[str, dict[str, Any]] = {}
    for name, value in message.get("MessageAttributes", {}).items():
        converted: dict[str, Any] = {
            "dataType": value["DataType"],
            "stringListValues": [],
            "binaryListValues": [],
        }
        if "StringValue" in value:
            converted["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            converted["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        message_attributes[name] = converted
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": dict(message["Attributes"]),
        "messageAttributes": message_attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": parse_queue_arn(queue_arn).region,
    }


@dataclass(frozen=True)
class Invocation:
    batch: list[str]  # message ids of the records, in order
    failed: list[str]  # batchItemFailures' itemIdentifier values, in order


def run_event_source_mapping(
    sqs: Any, handler: Callable[[dict[str, Any], Any], dict[str, Any]], queue: Queue
) -> list[Invocation]:
    """Simulate the SQS event source mapping with ReportBatchItemFailures until ``queue``
    is empty: receive a batch (visibility timeout 30 s), invoke ``handler``, delete what
    was not reported, make the reported messages visible again at once. moto moves a
    message to the DLQ on the receive after its maxReceiveCount-th."""
    invocations: list[Invocation] = []
    for _ in range(1000):  # a loop that never ends must fail, not hang
        received = receive(sqs, queue.url, visibility_timeout=30)
        if not received:
            assert depth(sqs, queue.url) == 0
            return invocations
        event = {"Records": [esm_record(message, queue.arn) for message in received]}
        response = handler(event, lambda_context())
        assert set(response) == {"batchItemFailures"}, response
        failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
        invocations.append(Invocation([m["MessageId"] for m in received], failed))
        # an id the batch does not hold would make the mapping fail the whole batch
        assert set(failed) <= set(invocations[-1].batch)
        for message in received:
            if message["MessageId"] in failed:  # "visibility timeout elapsed"
                sqs.change_message_visibility(
                    QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
    raise AssertionError("the source queue never emptied")


POISON_BODIES = (
    "not JSON {app_id}",
    '["{app_id}"]',  # JSON, but a list
    '"{app_id}"',  # JSON, but a string
)


def batch_bodies(poison: list[bool]) -> tuple[dict[str, str], set[str]]:
    """One body per flag, a poison message where True; returns ({app id: body}, poison
    app ids). Good bodies are JSON objects naming their app id."""
    bodies: dict[str, str] = {}
    poisoned: set[str] = set()
    for i, is_poison in enumerate(poison):
        app_id = f"evt-{i:03d}-{uuid.uuid4().hex[:6]}"
        if is_poison:
            bodies[app_id] = POISON_BODIES[i % len(POISON_BODIES)].format(app_id=app_id)
            poisoned.add(app_id)
        else:
            bodies[app_id] = json.dumps({APP_ID: app_id, "amount": i, "currency": "€"})
    return bodies, poisoned


def check_partial_batches(
    sqs: Any, module: ModuleType, poison: list[bool], max_receive_count: int
) -> None:
    # GIVEN a source queue (maxReceiveCount k) with good and poison messages, and the
    # handler storing good events under a prefix of their own
    pair = new_queue_pair(sqs, max_receive_count)
    bodies, poisoned = batch_bodies(poison)
    message_ids = send_tagged(sqs, pair.source.url, bodies)
    failing = Counter(message_ids[app_id] for app_id in poisoned)
    prefix = f"events-{uuid.uuid4().hex[:12]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OBJECT_PREFIX", prefix)

        # WHEN the event source mapping drives the handler until the queue is empty
        invocations = run_event_source_mapping(sqs, module.handler, pair.source)

    # THEN every invocation reported exactly its poison records as failed, each once
    for invocation in invocations:
        assert Counter(invocation.failed) == Counter(m for m in invocation.batch if m in failing)
    # AND each poison message was delivered and reported exactly k times
    assert Counter(m for i in invocations for m in i.failed) == Counter(
        {m: max_receive_count for m in failing}
    )
    # AND the DLQ holds exactly the failed messages (same ids, same app ids), each once
    dead = read_all(sqs, pair.dlq.url)
    assert Counter(m["MessageId"] for m in dead) == failing
    assert app_ids(dead) == Counter(poisoned)
    # AND every good message was processed once: one object each, with its event
    good = {message_ids[a]: a for a in bodies if a not in poisoned}
    processed = Counter(m for i in invocations for m in i.batch if m not in failing)
    assert processed == Counter(good.keys())
    s3 = boto3.client("s3", region_name=REGION)
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}/").get("Contents", [])
    assert sorted(o["Key"] for o in listing) == sorted(f"{prefix}/{m}.json" for m in good)
    for message_id, app_id in good.items():
        stored = s3.get_object(Bucket=BUCKET, Key=f"{prefix}/{message_id}.json")["Body"].read()
        assert json.loads(stored) == json.loads(bodies[app_id])
    count(BATCH_RECORDS, len(poison))


@pytest.mark.parametrize(
    "poison",
    [
        pytest.param([False] * 7, id="0-failing"),
        pytest.param([False, False, False, True, False, False, False], id="1-failing"),
        pytest.param([True, False, True, True, False, False, True], id="some-failing"),
        pytest.param([True] * 7, id="all-failing"),
    ],
)
def test_partial_batch_failures_reach_the_dlq_exactly(
    sqs: Any, event_processor: ModuleType, poison: list[bool]
) -> None:
    # GIVEN / WHEN / THEN: see check_partial_batches (one batch of 7, maxReceiveCount 3)
    check_partial_batches(sqs, event_processor, poison, max_receive_count=3)


@given(
    poison=st.lists(st.booleans(), min_size=1, max_size=25),
    max_receive_count=st.integers(min_value=1, max_value=3),
)
@settings(SHARED_FIXTURES, max_examples=15)
def test_any_subset_of_failures_reaches_the_dlq_exactly(
    sqs: Any, event_processor: ModuleType, poison: list[bool], max_receive_count: int
) -> None:
    # GIVEN any mix of up to 25 good and poison messages (up to 3 batches)
    # WHEN / THEN: see check_partial_batches
    check_partial_batches(sqs, event_processor, poison, max_receive_count)


# --------------------------------------------------------------------------- 3. claim check

# Characters SQS accepts in a message body: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD |
# #x10000-#x10FFFF (SendMessage, MessageBody).
SQS_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from("\t\n\r"),
        st.characters(
            min_codepoint=0x20, exclude_categories=["Cs"], exclude_characters="\ufffe\uffff"
        ),
    ),
    min_size=1,
    max_size=40,
)


def exact_size(seed: str, size: int) -> str:
    """``seed`` repeated and cut so that its UTF-8 encoding is exactly ``size`` bytes (a
    multi-byte character cut in half is replaced by ASCII 'x' padding)."""
    encoded = seed.encode("utf-8")
    data = (encoded * (size // len(encoded) + 1))[:size]
    text = data.decode("utf-8", errors="ignore")
    text += "x" * (size - len(text.encode("utf-8")))
    assert len(text.encode("utf-8")) == size
    return text


def send_with_claim_check(
    claims: ModuleType, sqs: Any, queue: Queue, payload: str, threshold: int | None, how: str
) -> None:
    """Send ``payload`` with the layer's producer API, offloading above ``threshold`` set
    the documented way ``how``: ``store`` (``ClaimStore(threshold=...)``), ``call``
    (``offload(..., threshold=...)``) or ``env`` (``PAVED_ROAD_CLAIM_CHECK_THRESHOLD``);
    ``default``: the module's ``send_message`` with no override (``threshold`` None)."""
    if how == "store":
        claims.ClaimStore(threshold=threshold).send_message(sqs, queue.url, payload)
    elif how == "call":
        sqs.send_message(
            QueueUrl=queue.url, MessageBody=claims.offload(payload, threshold=threshold)
        )
    elif how == "env":
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PAVED_ROAD_CLAIM_CHECK_THRESHOLD", str(threshold))
            claims.ClaimStore().send_message(sqs, queue.url, payload)
    else:
        assert (how, threshold) == ("default", None)
        claims.send_message(sqs, queue.url, payload)


def check_claim_round_trip(
    claims: ModuleType, sqs: Any, queue: Queue, payload: str, threshold: int | None, how: str
) -> None:
    # GIVEN a producer offloading above ``threshold`` (None: the 1 MiB default) and a
    # consumer decorated with @resolve_claims (the default store, from the environment)
    data = payload.encode("utf-8")
    received: list[str] = []

    @claims.resolve_claims
    def consumer(event: dict[str, Any], context: Any) -> None:
        received.extend(record["body"] for record in event["Records"])

    # WHEN the payload is sent through SQS and the consumer gets the mapping's event
    send_with_claim_check(claims, sqs, queue, payload, threshold, how)
    (message,) = receive(sqs, queue.url, visibility_timeout=30)
    sqs.delete_message(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"])
    consumer({"Records": [esm_record(message, queue.arn)]}, lambda_context())

    # THEN it went inline exactly when at most the threshold, else as a reference to an
    # S3 object holding the same bytes
    claim = claims.Claim.from_value(message["Body"])
    if len(data) <= (ONE_MIB if threshold is None else threshold):
        assert claim is None
        assert message["Body"] == payload
    else:
        assert claim is not None
        assert (claim.bucket, claim.size) == (CLAIMS_BUCKET, len(data))
        stored = boto3.client("s3", region_name=REGION).get_object(
            Bucket=claim.bucket, Key=claim.key
        )["Body"]
        assert stored.read() == data
    # AND the consumer's body has exactly the payload's bytes
    assert len(received) == 1
    assert received[0].encode("utf-8") == data
    count(CLAIMS)


@given(
    seed=SQS_TEXT,
    threshold=st.integers(min_value=2, max_value=4096),
    offset=st.one_of(st.sampled_from([-1, 0, 1]), st.integers(min_value=-1, max_value=4096)),
    how=st.sampled_from(["store", "call", "env"]),
)
@settings(SHARED_FIXTURES, max_examples=60)
def test_claim_check_round_trip_around_a_small_threshold(
    claims: ModuleType, sqs: Any, seed: str, threshold: int, offset: int, how: str
) -> None:
    # GIVEN any SQS-valid text (non-ASCII included) cut to threshold + offset UTF-8 bytes
    # (about half of them exactly threshold - 1, threshold or threshold + 1)
    payload = exact_size(seed, threshold + offset)
    queue = new_queue(sqs, f"claims-{uuid.uuid4().hex[:12]}")
    # WHEN / THEN: see check_claim_round_trip (threshold set per store, call or environment)
    check_claim_round_trip(claims, sqs, queue, payload, threshold, how)


@pytest.mark.parametrize(
    "size",
    [ONE_MIB - 1, ONE_MIB, ONE_MIB + 1, ONE_MIB + ONE_MIB // 2],
    ids=["1MiB-1", "1MiB", "1MiB+1", "1.5MiB"],
)
@pytest.mark.parametrize("seed", ["a", "Zürich 東京 🚀 ✓"], ids=["ascii", "multibyte"])
def test_claim_check_round_trip_around_the_default_threshold(
    claims: ModuleType, sqs: Any, size: int, seed: str
) -> None:
    # GIVEN a payload of ``size`` UTF-8 bytes and the real default threshold (1 MiB: no
    # PAVED_ROAD_CLAIM_CHECK_THRESHOLD in the environment)
    payload = exact_size(seed, size)
    queue = new_queue(sqs, "claims")
    # WHEN / THEN: see check_claim_round_trip
    check_claim_round_trip(claims, sqs, queue, payload, None, "default")
    assert claims.default_store().threshold == ONE_MIB
