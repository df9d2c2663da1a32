"""The public boundary's type checks (paved_road/_boundary.py), one test per branch."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Duration, Size, Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from paved_road import (
    ClaimCheck,
    GovernedFunction,
    PavedRoadError,
    ProvisionedConcurrency,
    QueueConsumer,
    Tenant,
    TenantFunctionFleet,
)
from paved_road._boundary import describe, implements
from tests.conftest import new_stack

CODE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def function(stack: Stack, **props: Any) -> GovernedFunction:
    return GovernedFunction(stack, "Fn", code=CODE, handler="index.handler", **props)


def test_a_str_for_a_duration_names_prop_value_and_type(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=re.escape(
            "GovernedFunction 'Test/Fn': timeout must be an aws_cdk.Duration "
            "(Duration.seconds(n), Duration.minutes(n), ...) or None, got '30 seconds'"
        ),
    ):
        function(stack, timeout="30 seconds")


def test_every_type_problem_is_raised_at_once(stack: Stack) -> None:
    with pytest.raises(PavedRoadError) as caught:
        function(stack, timeout=30, memory_size="512", log_retention=7)
    assert [p.split(": ", 1)[1].split(" must")[0] for p in caught.value.problems] == [
        "timeout",
        "memory_size",
        "log_retention",
    ]


def test_fractional_seconds_are_refused_but_millisecond_props_keep_them(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError, match=r"timeout must be a whole number of seconds, got '1500 ms'$"
    ):
        function(stack, timeout=Duration.millis(1500))
    function(stack, timeout=Duration.seconds(3), duration_limit=Duration.millis(1500))


def test_tokens_pass_the_type_check(stack: Stack) -> None:
    # GIVEN number and string tokens WHEN given for int and str props THEN accepted
    memory = CfnParameter(stack, "Memory", type="Number", default=512).value_as_number
    handler = CfnParameter(stack, "Handler", default="index.handler").value_as_string
    GovernedFunction(stack, "Fn", code=CODE, handler=handler, memory_size=memory)
    assert Token.is_unresolved(memory)


def test_a_wrong_list_item_is_named_by_index() -> None:
    app = App(builtin_cloud_formation_validation=False)
    with pytest.raises(
        PavedRoadError,
        match=r"^TenantFunctionFleet 'Fleet': tenants\[1\] must be a paved_road.Tenant, "
        r"got 'green'$",
    ):
        TenantFunctionFleet(app, "Fleet", code=".", tenants=[Tenant("blue"), "green"])  # type: ignore[list-item]


def test_a_value_objects_fields_are_checked_where_it_is_used(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"provisioned_concurrency.min_capacity must be a whole number, got '1'$",
    ):
        function(stack, provisioned_concurrency=ProvisionedConcurrency("1", 5))  # type: ignore[arg-type]


def test_a_props_dict_with_an_unknown_key_lists_the_allowed_keys(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"QueueConsumer 'Test/C': function_props has an unknown key 'timout'; "
        r"allowed keys: .*timeout",
    ):
        QueueConsumer(
            stack,
            "C",
            queue_props=sqs.QueueProps(),
            function_props={"code": CODE, "handler": "index.handler", "timout": 3},  # type: ignore[typeddict-unknown-key]
        )


def test_a_props_dict_entry_of_the_wrong_type_is_named_by_key(stack: Stack) -> None:
    with pytest.raises(
        PavedRoadError,
        match=r"function_props\['timeout'\] must be an aws_cdk.Duration .*, got 3$",
    ):
        QueueConsumer(
            stack,
            "C",
            queue_props=sqs.QueueProps(),
            function_props={"code": CODE, "handler": "index.handler", "timeout": 3},  # type: ignore[typeddict-item]
        )


def test_a_wrong_dict_value_is_named_by_key(stack: Stack) -> None:
    with pytest.raises(PavedRoadError, match=r"environment\['PORT'\] must be a string, got 8080$"):
        function(stack, environment={"PORT": 8080})  # type: ignore[dict-item]


def test_scope_and_id_are_checked() -> None:
    with pytest.raises(PavedRoadError, match=r"^GovernedFunction 'Fn': scope must be a Construct"):
        GovernedFunction("stack", "Fn", code=CODE, handler="index.handler")  # type: ignore[arg-type]
    with pytest.raises(PavedRoadError, match=r"id must be a non-empty string, got ''$"):
        GovernedFunction(new_stack(), "", code=CODE, handler="index.handler")


def test_jsii_interfaces_are_recognized_on_classes_and_proxies() -> None:
    stack = new_stack()
    queue = sqs.Queue(stack, "Q")
    imported = sqs.Queue.from_queue_arn(stack, "I", "arn:aws:sqs:eu-west-1:111122223333:q")
    endpoint = ec2.InterfaceVpcEndpoint.from_interface_vpc_endpoint_attributes(
        stack, "E", port=443, vpc_endpoint_id="vpce-0123456789abcdef0"
    )
    secret = secretsmanager.Secret.from_secret_name_v2(stack, "S", "key")
    assert implements(queue, sqs.IQueue) and implements(imported, sqs.IQueue)
    assert implements(endpoint, ec2.IInterfaceVpcEndpoint)
    assert implements(endpoint, ec2.IVpcEndpoint)  # a parent interface
    assert implements(secret, secretsmanager.ISecret)
    assert not implements(queue, sns.ITopic)
    assert not implements("arn:aws:sqs:eu-west-1:111122223333:q", sqs.IQueue)


@pytest.mark.parametrize(
    ("hint", "words"),
    [
        (
            Duration | None,
            "an aws_cdk.Duration (Duration.seconds(n), Duration.minutes(n), ...) or None",
        ),
        (Size, "an aws_cdk.Size (Size.kibibytes(n), Size.mebibytes(n), ...)"),
        (Sequence[str], "a list of strings"),
        (Mapping[str, Sequence[str] | None], "a dict of strings to (lists of strings or None)"),
        (sqs.IQueue | sns.ITopic | None, "an sqs.IQueue, an sns.ITopic or None"),
        (lambda_.Code, "a lambda_.Code"),
        (bool, "True or False"),
        (tuple[int, int], "a tuple of 2 items (a whole number, a whole number)"),
    ],
)
def test_describe(hint: Any, words: str) -> None:
    assert describe(hint) == words


def test_a_token_duration_must_be_readable_in_the_props_unit(stack: Stack) -> None:
    amount = CfnParameter(stack, "Minutes", type="Number", default=5).value_as_number
    with pytest.raises(
        PavedRoadError,
        match=r"timeout must be given as Duration.seconds\(<token>\) when it is a token",
    ):
        function(stack, timeout=Duration.minutes(amount))


def test_a_token_timeout_is_refused_where_synth_computes_from_it(stack: Stack) -> None:
    amount = CfnParameter(stack, "Seconds", type="Number", default=5).value_as_number
    with pytest.raises(PavedRoadError, match=r"timeout must be a literal Duration, not a token"):
        function(stack, timeout=Duration.seconds(amount))


def test_props_dicts_take_what_governed_function_takes(stack: Stack) -> None:
    # GIVEN function_props with None values and a GovernedFunction hook (what
    # GovernedFunction itself accepts) WHEN given to a QueueConsumer THEN accepted
    hook = function(stack, invocation=None)
    QueueConsumer(
        stack,
        "C",
        queue_props=sqs.QueueProps(),
        function_props={
            "code": CODE,
            "handler": "index.handler",
            "timeout": None,
            "runtime": None,
            "description": None,
            "pre_traffic_hook": hook,
        },
    )


def test_a_days_prop_takes_a_token_in_days(stack: Stack) -> None:
    days = CfnParameter(stack, "Days", type="Number", default=14).value_as_number
    ClaimCheck(stack, "Claims", expiration=Duration.days(days))
    with pytest.raises(
        PavedRoadError,
        match=r"expiration must be given as Duration.days\(<token>\) when it is a token, "
        r"got 'Duration.seconds\(<token>\)'$",
    ):
        ClaimCheck(stack, "Other", expiration=Duration.seconds(days))
