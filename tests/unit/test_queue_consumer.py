"""QueueConsumer: defaults, wiring, alarms, grants and every validation branch."""

from __future__ import annotations

import typing

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from paved_road import GovernedFunction, PavedRoadError, QueueConsumer
from tests.conftest import new_stack, template

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def fn_props(**overrides: typing.Any) -> dict[str, typing.Any]:
    # keep_versions=None: no version pruner function in these templates (test_deployment.py)
    return {"code": CODE, "handler": "index.handler", "keep_versions": None, **overrides}


def make(stack: Stack, **props: typing.Any) -> QueueConsumer:
    if "existing_queue" not in props:
        props.setdefault("queue_props", sqs.QueueProps())
    if "existing_function" not in props:
        props.setdefault("function_props", fn_props())
    return QueueConsumer(stack, "Orders", **props)


def test_queue_defaults(stack: Stack) -> None:
    consumer = make(stack)
    t = template(stack)
    t.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "QueueName": "TestOrdersC225794E",
            "SqsManagedSseEnabled": True,
            "MaximumMessageSize": 1048576,
            "MessageRetentionPeriod": 4 * 86400,
            "VisibilityTimeout": 180,  # 6 x 30 s
            "RedrivePolicy": {
                "deadLetterTargetArn": {
                    "Fn::GetAtt": [Match.string_like_regexp("DeadLetter"), "Arn"]
                },
                "maxReceiveCount": 5,
            },
        },
    )
    assert consumer.visibility_timeout is not None
    assert consumer.visibility_timeout.to_seconds() == 180


def test_dead_letter_queue_defaults(stack: Stack) -> None:
    make(stack)
    t = template(stack)
    t.has_resource_properties(
        "AWS::SQS::Queue",
        {
            "SqsManagedSseEnabled": True,
            "MessageRetentionPeriod": 14 * 86400,
            "RedriveAllowPolicy": {
                "redrivePermission": "byQueue",
                "sourceQueueArns": [{"Fn::Join": ["", Match.array_with([":TestOrdersC225794E"])]}],
            },
        },
    )


def test_both_queues_are_tls_only(stack: Stack) -> None:
    make(stack)
    policies = template(stack).find_resources("AWS::SQS::QueuePolicy")
    assert len(policies) == 2
    for policy in policies.values():
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_event_source_mapping(stack: Stack) -> None:
    consumer = make(
        stack,
        batch_size=100,
        max_batching_window=Duration.seconds(5),
        max_concurrency=20,
        filters=[{"body": {"type": ["order"]}}],
    )
    template(stack).has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "BatchSize": 100,
            "MaximumBatchingWindowInSeconds": 5,
            "ScalingConfig": {"MaximumConcurrency": 20},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "FilterCriteria": {"Filters": [{"Pattern": '{"body":{"type":["order"]}}'}]},
            "MetricsConfig": {"Metrics": ["EventCount"]},
            "EventSourceArn": {"Fn::GetAtt": [Match.string_like_regexp("OrdersQueue"), "Arn"]},
        },
    )
    # the batching window counts toward the visibility timeout: 6 x 30 + 5
    assert consumer.visibility_timeout is not None
    assert consumer.visibility_timeout.to_seconds() == 185


def test_function_is_governed_and_named_after_the_consumer(stack: Stack) -> None:
    consumer = make(stack)
    assert isinstance(consumer.governed_function, GovernedFunction)
    assert consumer.function is consumer.governed_function.function
    template(stack).has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"POWERTOOLS_SERVICE_NAME": "Orders"})}},
    )


def test_kms_encryption_applies_to_both_queues(stack: Stack) -> None:
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    make(stack, queue_props=sqs.QueueProps(encryption_master_key=key))
    queues = template(stack).find_resources("AWS::SQS::Queue")
    assert len(queues) == 2
    for queue in queues.values():
        assert "KmsMasterKeyId" in queue["Properties"]


def test_fifo_source_gets_a_fifo_dlq(stack: Stack) -> None:
    make(stack, queue_props=sqs.QueueProps(fifo=True))
    queues = template(stack).find_resources("AWS::SQS::Queue")
    assert all(q["Properties"].get("FifoQueue") is True for q in queues.values())
    names = [q["Properties"].get("QueueName") for q in queues.values()]
    assert any(isinstance(n, str) and n.endswith(".fifo") for n in names)


def test_alarms(stack: Stack) -> None:
    topic = sns.Topic(stack, "Alarms")
    consumer = make(stack, alarm_topic=topic, oldest_message_age_threshold=Duration.minutes(10))
    t = template(stack)
    # the consumer's four, and the live alias's rollback alarm (test_deployment.py)
    assert len(consumer.alarms.all()) == 4
    t.resource_count_is("AWS::CloudWatch::Alarm", 5)
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ApproximateNumberOfMessagesVisible",
            "Threshold": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": [{"Ref": Match.string_like_regexp("Alarms")}],
        },
    )
    t.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {"MetricName": "ApproximateAgeOfOldestMessage", "Threshold": 600, "EvaluationPeriods": 3},
    )
    t.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "Errors", "Threshold": 1})
    t.has_resource_properties("AWS::CloudWatch::Alarm", {"MetricName": "Throttles"})
    assert len(consumer.alarms.all()) == 4


def test_grant_redrive(stack: Stack) -> None:
    consumer = make(stack)
    operator = iam.Role(stack, "Operator", assumed_by=iam.AccountRootPrincipal())
    consumer.grant_redrive(operator)
    statements = template(stack).find_resources("AWS::IAM::Policy")
    operator_policy = next(
        p for k, p in statements.items() if k.startswith("OperatorDefaultPolicy")
    )
    actions = {
        a
        for s in operator_policy["Properties"]["PolicyDocument"]["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    }
    assert {
        "sqs:StartMessageMoveTask",
        "sqs:ListMessageMoveTasks",
        "sqs:CancelMessageMoveTask",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:SendMessage",
        "sqs:ListDeadLetterSourceQueues",
    } <= actions


def test_existing_queue_and_function(stack: Stack) -> None:
    dlq = sqs.Queue(stack, "Dlq", enforce_ssl=True)
    queue = sqs.Queue(
        stack,
        "Existing",
        enforce_ssl=True,
        visibility_timeout=Duration.minutes(5),
        dead_letter_queue=sqs.DeadLetterQueue(queue=dlq, max_receive_count=3),
    )
    fn = GovernedFunction(stack, "Fn", code=CODE, handler="index.handler")
    consumer = QueueConsumer(stack, "Orders", existing_queue=queue, existing_function=fn)
    assert consumer.queue is queue
    assert consumer.dead_letter_queue is dlq
    assert consumer.governed_function is fn
    template(stack).resource_count_is("AWS::SQS::Queue", 2)


def test_existing_plain_function_timeout_is_used(stack: Stack) -> None:
    fn = lambda_.Function(
        stack,
        "Plain",
        code=CODE,
        handler="index.handler",
        runtime=lambda_.Runtime.PYTHON_3_14,
        timeout=Duration.seconds(40),
    )
    consumer = QueueConsumer(stack, "Orders", queue_props=sqs.QueueProps(), existing_function=fn)
    assert consumer.visibility_timeout is not None
    assert consumer.visibility_timeout.to_seconds() == 240


@pytest.mark.parametrize(
    ("props", "match"),
    [
        ({"max_receive_count": 0}, r"max_receive_count must be between 1 and 1000, got 0"),
        ({"max_receive_count": 1001}, r"max_receive_count must be between 1 and 1000, got 1001"),
        ({"max_concurrency": 1}, r"max_concurrency must be between 2 and 1000, got 1"),
        ({"batch_size": 0}, r"batch_size must be between 1 and 10000, got 0"),
        ({"batch_size": 10001, "max_batching_window": Duration.seconds(1)}, r"got 10001"),
        (
            {"batch_size": 11},
            r"batch_size above 10 needs max_batching_window of at least 1 second, got 11",
        ),
        (
            {"max_batching_window": Duration.seconds(301)},
            r"max_batching_window must be between 0 and 300 seconds, got 301",
        ),
        (
            {"queue_props": sqs.QueueProps(fifo=True), "batch_size": 11},
            r"batch_size must be between 1 and 10, got 11",
        ),
        (
            {"queue_props": sqs.QueueProps(fifo=True), "max_batching_window": Duration.seconds(2)},
            r"max_batching_window is not supported for FIFO queues",
        ),
        (
            {"filters": [{"body": {"a": [str(n)]}} for n in range(6)]},
            r"filters must hold at most 5 patterns, got 6$",
        ),
        ({"filters": [{}]}, r"filters\[0\] must be a non-empty dict"),
        (
            {"filters": [{"body": {"a": ["b"]}}, {"body": {"c": ["d"]}}, {"body": {"a": ["b"]}}]},
            r"filters\[2\] must differ from filters\[0\] \(a repeat\), got \{'body'",
        ),
        (
            {"filters": [{"body": {"type": "order"}}]},
            r"filters\[0\] must have a non-empty list of matchers at every leaf \(at 'body.type'\)",
        ),
        (
            {"filters": [{"body": {"k": ["x" * 4100]}}]},
            r"filters\[0\] must be at most 4096 characters as JSON",
        ),
        ({"errors_threshold": 0}, r"errors_threshold must be between 1 and 1000000, got 0"),
        (
            {"queue_props": sqs.QueueProps(encryption=sqs.QueueEncryption.UNENCRYPTED)},
            r"queue_props.encryption must be SQS_MANAGED, KMS_MANAGED or KMS, got 'UNENCRYPTED'",
        ),
        (
            {"queue_props": sqs.QueueProps(enforce_ssl=False)},
            r"queue_props.enforce_ssl must be True \(TLS-only queue policy\), got False",
        ),
        (
            {"queue_props": sqs.QueueProps(max_message_size_bytes=2 * 1024 * 1024)},
            r"queue_props.max_message_size_bytes must be between 1024 and 1048576 bytes, "
            r"got 2097152",
        ),
        (
            {"queue_props": sqs.QueueProps(retention_period=Duration.days(15))},
            r"queue_props.retention_period must be between 60 and 1209600 seconds, got 1296000",
        ),
        (
            {"queue_props": sqs.QueueProps(visibility_timeout=Duration.seconds(60))},
            r"queue_props.visibility_timeout must be at least 6 x function timeout \+ batching "
            r"window = 180 seconds, got '60 seconds'",
        ),
        (
            {"queue_props": sqs.QueueProps(visibility_timeout=Duration.hours(13))},
            r"queue_props.visibility_timeout must be between 0 and 43200 seconds, got 46800",
        ),
    ],
)
def test_validation(stack: Stack, props: dict[str, typing.Any], match: str) -> None:
    with pytest.raises(PavedRoadError, match=r"QueueConsumer 'Test/Orders': .*" + match):
        make(stack, **props)


def test_dlq_in_queue_props_is_rejected(stack: Stack) -> None:
    other = sqs.Queue(stack, "Other")
    with pytest.raises(PavedRoadError, match=r"queue_props.dead_letter_queue must not be set"):
        make(
            stack,
            queue_props=sqs.QueueProps(
                dead_letter_queue=sqs.DeadLetterQueue(queue=other, max_receive_count=2)
            ),
        )


def test_exactly_one_queue_source(stack: Stack) -> None:
    queue = sqs.Queue(stack, "Q")
    with pytest.raises(
        PavedRoadError, match=r"existing_queue/queue_props exactly one must be given, got 'both'"
    ):
        make(stack, existing_queue=queue, queue_props=sqs.QueueProps())
    with pytest.raises(PavedRoadError, match=r"exactly one must be given, got 'neither'"):
        QueueConsumer(stack, "None", function_props=fn_props())  # type: ignore[arg-type]


def test_exactly_one_function_source(stack: Stack) -> None:
    fn = GovernedFunction(stack, "Fn", code=CODE, handler="index.handler")
    with pytest.raises(
        PavedRoadError,
        match=r"existing_function/function_props exactly one must be given, got 'both'",
    ):
        make(stack, existing_function=fn, function_props=fn_props())


def test_existing_queue_needs_a_dlq(stack: Stack) -> None:
    queue = sqs.Queue(stack, "NoDlq")
    with pytest.raises(
        PavedRoadError, match=r"existing_queue must have a dead-letter queue.*got 'Test/NoDlq'"
    ):
        make(stack, existing_queue=queue)


def test_imported_function_needs_an_explicit_visibility_timeout(stack: Stack) -> None:
    imported = lambda_.Function.from_function_arn(
        stack, "Imported", "arn:aws:lambda:us-east-1:111122223333:function:f"
    )
    with pytest.raises(
        PavedRoadError,
        match=r"queue_props.visibility_timeout is required when the function's timeout "
        r"is not known",
    ):
        make(stack, existing_function=imported)
    ok = QueueConsumer(
        stack,
        "Ok",
        queue_props=sqs.QueueProps(visibility_timeout=Duration.minutes(10)),
        existing_function=imported,
    )
    assert ok.visibility_timeout is not None
    # AND it says the imported function's role must be granted by hand
    Annotations.from_stack(stack).has_warning(
        "/Test/Ok", Match.string_like_regexp("imported without its role")
    )


def test_several_problems_are_raised_together(stack: Stack) -> None:
    with pytest.raises(PavedRoadError) as info:
        make(stack, max_receive_count=0, max_concurrency=1, batch_size=0)
    assert len(info.value.problems) == 3


def test_fifo_name_alone_makes_both_queues_fifo_and_applies_fifo_limits(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"batch_size must be between 1 and 10, got 11"):
        make(stack, queue_props=sqs.QueueProps(queue_name="orders.fifo"), batch_size=11)
    other = new_stack(name="Other")
    make(other, queue_props=sqs.QueueProps(queue_name="orders.fifo"))
    queues = template(other).find_resources("AWS::SQS::Queue")
    assert all(q["Properties"].get("FifoQueue") is True for q in queues.values())


def test_token_batching_window_is_not_validated(stack: Stack) -> None:
    from aws_cdk import CfnParameter, Token

    window = CfnParameter(stack, "Window", type="Number", default=5)
    make(stack, batch_size=100, max_batching_window=Duration.seconds(Token.as_number(window.value)))


def test_standard_queue_retention_must_be_shorter_than_the_dlq(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"queue_props.retention_period must be shorter than the DLQ's retention "
        r"\(1209600 seconds\) for standard queues.*got '1209600 seconds'",
    ):
        make(stack, queue_props=sqs.QueueProps(retention_period=Duration.days(14)))
    # FIFO queues reset the enqueue time when dead-lettering: 14 days is fine there
    make(
        new_stack(name="Fifo"),
        queue_props=sqs.QueueProps(fifo=True, retention_period=Duration.days(14)),
    )


def test_oldest_message_age_threshold_is_validated(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"oldest_message_age_threshold must be between 60 and 1209600 seconds, got 30",
    ):
        make(stack, oldest_message_age_threshold=Duration.seconds(30))
