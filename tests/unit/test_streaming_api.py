"""StreamingApi and StreamingFunction: the streaming route is wired to a streaming
function (Node.js inline or Python behind the Lambda Web Adapter), the buffered route to
a Powertools function, and validation of the props."""

from __future__ import annotations

import json

import pytest
from aws_cdk import Duration, Stack
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
        ({"language": "nodejs"}, r"language must be a StreamingLanguage"),
        ({"web_adapter_layer_version": 0}, r"web_adapter_layer_version"),
    ],
)
def test_streaming_function_validation(
    stack: Stack, kwargs: dict[str, object], pattern: str
) -> None:
    with pytest.raises(PavedRoadError, match=rf"StreamingFunction 'Test/S'.*{pattern}"):
        StreamingFunction(stack, "S", **kwargs)  # type: ignore[arg-type]


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
