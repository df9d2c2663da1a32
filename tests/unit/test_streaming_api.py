"""StreamingApi and StreamingFunction: the streaming route is wired to a streaming
function (Node.js inline or Python behind the Lambda Web Adapter), the buffered route to
a Powertools function, and validation of the props."""

from __future__ import annotations

import json

import pytest
from aws_cdk import CfnParameter, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Match

from paved_road import PavedRoadError, StreamingFunction, StreamingLanguage
from paved_road.handlers import streaming as assets
from paved_road_blueprints import StreamingApi
from tests.cfn_lint import lint_errors
from tests.conftest import run_guardrails, template


def functions(stack: Stack) -> dict[str, dict[str, object]]:
    return {
        k: dict(v["Properties"])
        for k, v in template(stack).find_resources("AWS::Lambda::Function").items()
    }


def test_node_streaming_route_uses_the_streaming_endpoint(stack: Stack) -> None:
    # GIVEN the default StreamingApi WHEN synthesized
    StreamingApi(stack, "Chat")
    t = template(stack)
    # THEN GET and POST /chat/stream stream from the Node.js function ...
    stream_methods = t.find_resources(
        "AWS::ApiGateway::Method",
        {"Properties": {"Integration": {"ResponseTransferMode": "STREAM"}}},
    )
    assert sorted(m["Properties"]["HttpMethod"] for m in stream_methods.values()) == [
        "GET",
        "POST",
    ]
    for method in stream_methods.values():
        uri = json.dumps(method["Properties"]["Integration"]["Uri"])
        assert "response-streaming-invocations" in uri
        assert method["Properties"]["AuthorizationType"] == "AWS_IAM"
        assert method["Properties"]["Integration"]["TimeoutInMillis"] == 300_000
    # ... and the buffered route does not stream
    buffered = t.find_resources(
        "AWS::ApiGateway::Method",
        {"Properties": {"Integration": {"Uri": Match.any_value(), "Type": "AWS_PROXY"}}},
    )
    assert len(buffered) == 4
    # AND the Node function is inline, arm64, 5 min timeout, token delay set
    (node,) = [p for p in functions(stack).values() if str(p["Runtime"]).startswith("nodejs")]
    assert "streamifyResponse" in str(node["Code"]["ZipFile"])  # type: ignore[index]
    assert node["Architectures"] == ["arm64"] and node["Timeout"] == 300
    assert node["Environment"]["Variables"]["TOKEN_DELAY_MS"] == "50"  # type: ignore[index]
    # AND the access log has the streaming fields
    (stage,) = t.find_resources("AWS::ApiGateway::Stage").values()
    fields = json.loads(stage["Properties"]["AccessLogSetting"]["Format"])
    assert fields["responseTransferMode"] == "$context.integration.responseTransferMode"
    assert lint_errors(t.to_json()) == []


@pytest.mark.skipif(
    not (assets.STREAMING_DEPS_DIR / "python").is_dir(),
    reason="build/streaming-deps not built (scripts/build_streaming_deps.sh)",
)
def test_python_streaming_function_runs_behind_the_web_adapter(stack: Stack) -> None:
    # GIVEN the Python variant WHEN synthesized
    StreamingApi(stack, "Chat", language=StreamingLanguage.PYTHON_WEB_ADAPTER)
    (fn,) = [p for p in functions(stack).values() if p.get("Handler") == assets.LWA_HANDLER]
    env = fn["Environment"]["Variables"]  # type: ignore[index]
    # THEN the adapter wraps the runtime in response_stream mode
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    layers = json.dumps(fn["Layers"])
    assert f"layer:LambdaAdapterLayerArm64:{assets.LWA_LAYER_VERSION}" in layers
    # AND the dependencies layer is built from the local asset (no Docker, no network)
    template(stack).resource_count_is("AWS::Lambda::LayerVersion", 1)


def test_public_routes_acknowledge_authorization_findings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    def build(stack: Stack) -> None:
        StreamingApi(stack, "Chat", public_reason="Public demo of token streaming")

    run = run_guardrails(build, tmp_path)
    assert "AwsSolutions-APIG4" not in run.rules()
    assert "AwsSolutions-COG4" not in run.rules()


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"token_delay": Duration.seconds(11)}, r"token_delay \(ms\).*11000"),
        ({"token_delay": 5}, r"token_delay must be an aws_cdk.Duration"),
        (
            {"language": "nodejs"},
            r"language must be a paved_road\.StreamingLanguage \(NODEJS, PYTHON_WEB_ADAPTER\), "
            r"got 'nodejs'",
        ),
        ({"web_adapter_layer_version": 0}, r"web_adapter_layer_version"),
        (  # a fractional millisecond was a jsii error (to_milliseconds of 1.5 ms)
            {"token_delay": Duration.millis(1.5)},
            r"token_delay must be a whole number of milliseconds, got '1\.5 ms'$",
        ),
        (  # TOKEN_DELAY_MS can only be derived from a Duration.millis token
            {"token_delay": "seconds-token"},
            r"token_delay must be given as Duration.millis\(<token>\) when it is a token, "
            r"got 'Duration.seconds\(<token>\)'$",
        ),
        # a blank handler or service name was silently replaced by the default
        ({"handler": ""}, r"handler must not be blank \(omit it for the default\), got ''$"),
        ({"service_name": " "}, r"service_name must not be blank .*, got ' '$"),
        # native streaming is Node.js; the web adapter variant is Python
        (
            {"runtime": lambda_.Runtime.PYTHON_3_13},
            r"runtime must be a Node.js runtime for StreamingLanguage.NODEJS, got 'python3.13'$",
        ),
        (
            {
                "language": StreamingLanguage.PYTHON_WEB_ADAPTER,
                "runtime": lambda_.Runtime.NODEJS_22_X,
            },
            r"runtime must be a Python runtime for StreamingLanguage.PYTHON_WEB_ADAPTER, "
            r"got 'nodejs22.x'$",
        ),
    ],
)
def test_streaming_function_validation(
    stack: Stack, kwargs: dict[str, object], pattern: str
) -> None:
    if kwargs.get("token_delay") == "seconds-token":
        amount = CfnParameter(stack, "Delay", type="Number", default=1).value_as_number
        kwargs = {"token_delay": Duration.seconds(amount)}
    with pytest.raises(PavedRoadError, match=rf"StreamingFunction 'Test/S'.*{pattern}"):
        StreamingFunction(stack, "S", **kwargs)  # type: ignore[arg-type]


def test_token_delay_may_be_a_millis_token(stack: Stack) -> None:
    # GIVEN the delay as a number parameter in milliseconds
    amount = CfnParameter(stack, "Delay", type="Number", default=50).value_as_number
    StreamingFunction(stack, "S", token_delay=Duration.millis(amount))
    # THEN the function's TOKEN_DELAY_MS is the parameter
    functions = template(stack).find_resources("AWS::Lambda::Function").values()
    delays = [
        f["Properties"]["Environment"]["Variables"].get("TOKEN_DELAY_MS")
        for f in functions
        if "Environment" in f["Properties"]
    ]
    assert {"Ref": "Delay"} in delays


def test_dependencies_layer_is_python_only(stack: Stack) -> None:
    layer = lambda_.LayerVersion.from_layer_version_arn(
        stack, "L", "arn:aws:lambda:us-east-1:111122223333:layer:deps:1"
    )
    with pytest.raises(PavedRoadError, match=r"dependencies_layer is only for"):
        StreamingFunction(stack, "S", dependencies_layer=layer)


def test_given_dependencies_layer_is_used(stack: Stack) -> None:
    # GIVEN a layer built elsewhere WHEN the Python variant uses it
    layer = lambda_.LayerVersion.from_layer_version_arn(
        stack, "L", "arn:aws:lambda:us-east-1:111122223333:layer:deps:1"
    )
    fn = StreamingFunction(
        stack, "S", language=StreamingLanguage.PYTHON_WEB_ADAPTER, dependencies_layer=layer
    )
    # THEN no layer is built and the given one is attached after the adapter
    template(stack).resource_count_is("AWS::Lambda::LayerVersion", 0)
    (props,) = [p for k, p in functions(stack).items() if not k.startswith("PavedRoadVersion")]
    assert "arn:aws:lambda:us-east-1:111122223333:layer:deps:1" in json.dumps(props["Layers"])
    assert fn.dependencies_layer is layer


def test_streaming_api_rejects_authorizer_with_public_reason(stack: Stack) -> None:
    from aws_cdk import aws_apigateway as apigw

    authorizer_fn = lambda_.Function(
        stack,
        "AuthFn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(e, c): return {}"),
    )
    authorizer = apigw.TokenAuthorizer(stack, "Auth", handler=authorizer_fn)
    with pytest.raises(PavedRoadError, match=r"StreamingApi 'Test/Chat'.*mutually exclusive"):
        StreamingApi(stack, "Chat", authorizer=authorizer, public_reason="demo")


def test_stream_timeout_above_fifteen_minutes_is_rejected(stack: Stack) -> None:
    # GIVEN a streaming timeout beyond what API Gateway and Lambda allow
    # THEN the function (1 s-15 min) and the route reject it before CloudFormation does
    with pytest.raises(PavedRoadError, match=r"Test/Chat.*timeout"):
        StreamingApi(stack, "Chat", stream_timeout=Duration.minutes(16))


@pytest.mark.parametrize(("minutes", "shown"), [(16, "960"), (0, "0")])
def test_stream_timeout_is_named_as_the_blueprint_prop(
    stack: Stack, minutes: int, shown: str
) -> None:
    # the function's timeout and the route's integration timeout come from stream_timeout:
    # the error names it, not the inner function's "timeout"
    with pytest.raises(
        PavedRoadError,
        match=rf"^StreamingApi 'Test/Chat': stream_timeout must be between 1 and 900 seconds, "
        rf"got {shown}$",
    ):
        StreamingApi(stack, "Chat", stream_timeout=Duration.minutes(minutes))


@pytest.mark.parametrize("reason", ["", " "])
def test_blank_public_reason_is_rejected(stack: Stack, reason: str) -> None:
    with pytest.raises(
        PavedRoadError,
        match=rf"^StreamingApi 'Test/Chat': public_reason must say why both routes are public "
        rf"\(or None: IAM or the authorizer\), got '{reason}'$",
    ):
        StreamingApi(stack, "Chat", public_reason=reason)
