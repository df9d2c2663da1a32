"""StreamingFunction: a governed Lambda function whose response is streamed, ready for
:meth:`paved_road.rest_api.GovernedRestApi.add_streaming_route`.

Two ways to write the handler (docs/rest_api.md, "Streaming handlers"):

* **Node.js** (``StreamingLanguage.NODEJS``, the default): Lambda's Node.js runtime streams
  natively (``awslambda.streamifyResponse`` and ``awslambda.HttpResponseStream.from``, which
  writes the JSON metadata and the 8-null-byte delimiter API Gateway expects). The default
  code is the inline LLM-style token-stream example in
  ``paved_road/handlers/streaming_node/index.js`` (Server-Sent Events, no model calls).
* **Python** (``StreamingLanguage.PYTHON_WEB_ADAPTER``): Python has no native response
  streaming, so the function runs a web app (default: the FastAPI ``StreamingResponse``
  example in ``paved_road/handlers/streaming_fastapi``) behind the AWS Lambda Web Adapter
  layer in ``response_stream`` invoke mode (``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap``,
  handler ``run.sh``). The app's dependencies (FastAPI, uvicorn) come from a layer you
  build without Docker (``scripts/build_streaming_deps.sh``) and pass as
  ``dependencies_layer``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from aws_cdk import Aws, Duration, RemovalPolicy, Token
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from paved_road._boundary import checked_props
from paved_road._validate import check_range, is_token, millis
from paved_road.errors import Problems
from paved_road.function import Criticality, DeliveryProps, GovernedFunction, Invocation
from paved_road.handlers import streaming as assets

DEFAULT_NODE_RUNTIME = lambda_.Runtime.NODEJS_24_X
"""Node.js runtime of the inline streaming example."""

ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".pytest_cache", "__init__.py"]

DEFAULT_TIMEOUT = Duration.minutes(5)
"""Default function timeout: the idle timeout of a Regional/Private stream."""

DEFAULT_TOKEN_DELAY = Duration.millis(50)


class StreamingLanguage(enum.Enum):
    """How the streaming handler is written."""

    NODEJS = "nodejs"
    """Native Lambda response streaming (``awslambda.streamifyResponse``)."""

    PYTHON_WEB_ADAPTER = "python-web-adapter"
    """A Python web app (FastAPI ``StreamingResponse``) behind the Lambda Web Adapter."""


class StreamingFunction(Construct):
    """A :class:`GovernedFunction` (synchronous invocation) that streams its response.

    Attributes: ``function`` (``aws_lambda.Function``), ``governed`` (the
    GovernedFunction), ``language``, ``timeout``, ``dependencies_layer`` (Python only).
    """

    @checked_props
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        language: StreamingLanguage = StreamingLanguage.NODEJS,
        code: lambda_.Code | None = None,
        handler: str | None = None,
        dependencies_layer: lambda_.ILayerVersion | None = None,
        runtime: lambda_.Runtime | None = None,
        timeout: Duration = DEFAULT_TIMEOUT,
        token_delay: Duration = DEFAULT_TOKEN_DELAY,
        memory_size: int = 512,
        criticality: Criticality = Criticality.STANDARD,
        service_name: str | None = None,
        environment: Mapping[str, str] | None = None,
        layers: Sequence[lambda_.ILayerVersion] = (),
        web_adapter_layer_version: int = assets.LWA_LAYER_VERSION,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        delivery: DeliveryProps | None = None,
    ) -> None:
        """
        :param language: default ``StreamingLanguage.NODEJS``.
        :param code: the handler code; default: the bundled example for ``language``
            (Node.js: inline ``index.js``; Python: the FastAPI app directory).
        :param handler: default ``index.handler`` (Node.js) or ``run.sh`` (Python: the web
            server start script the adapter runs).
        :param dependencies_layer: Python only: a layer with the app's dependencies under
            ``python/`` (FastAPI, uvicorn for the example) built for the function's runtime
            and architecture. Default: the layer ``scripts/build_streaming_deps.sh`` builds
            in this repository's ``build/streaming-deps``; an error if it is absent.
        :param runtime: default ``nodejs24.x`` (Node.js) or ``python3.14`` (Python); a
            Node.js runtime for NODEJS (native response streaming) and a Python runtime for
            PYTHON_WEB_ADAPTER.
        :param timeout: function timeout, 1 s - 15 min; default 5 minutes (a stream lasts
            at most as long as the function runs).
        :param token_delay: ``TOKEN_DELAY_MS`` of the examples (pause between streamed
            tokens), 0-10 s in whole milliseconds (a token amount: ``Duration.millis``);
            default 50 ms.
        :param memory_size: MB; default 512.
        :param criticality: default STANDARD.
        :param service_name: default: the construct id.
        :param environment: extra environment variables; default none.
        :param layers: extra layers; default none.
        :param web_adapter_layer_version: Python only: pinned Lambda Web Adapter layer
            version; default ``LWA_LAYER_VERSION``.
        :param log_retention: of the function's log group; default one month.
        :param log_removal_policy: default RETAIN.
        :param delivery: GovernedFunction's runtime-governance and delivery props
            (``runtime_version_arn``, ``deployment``, ``provisioned_concurrency`` ...);
            default: the criticality's tier. A CRITICAL function needs
            ``runtime_version_arn`` (Manual runtime management).
        """
        super().__init__(scope, id)
        problems = Problems("StreamingFunction", self.node.path)
        # types and a token's unit: checked at the boundary (@checked_props)
        python = language == StreamingLanguage.PYTHON_WEB_ADAPTER
        if dependencies_layer is not None and not python:
            problems.add(
                "dependencies_layer", "is only for StreamingLanguage.PYTHON_WEB_ADAPTER", "given"
            )
        delay_ms = millis(token_delay)  # whole milliseconds (the boundary); None for a token
        check_range(problems, "token_delay (ms)", delay_ms, 0, 10000)
        for prop, value in (("handler", handler), ("service_name", service_name)):
            if isinstance(value, str) and not is_token(value) and not value.strip():
                problems.add(prop, "must not be blank (omit it for the default)", value)
        family = getattr(runtime, "family", None)
        expected = lambda_.RuntimeFamily.PYTHON if python else lambda_.RuntimeFamily.NODEJS
        if isinstance(language, StreamingLanguage) and family is not None and family != expected:
            problems.add(
                "runtime",
                f"must be a {'Python' if python else 'Node.js'} runtime for "
                f"StreamingLanguage.{language.name}",
                getattr(runtime, "name", runtime),
            )
        check_range(problems, "web_adapter_layer_version", web_adapter_layer_version, 1, 10000)
        deps_dir = assets.STREAMING_DEPS_DIR
        if python and dependencies_layer is None and not (deps_dir / "python").is_dir():
            problems.add(
                "dependencies_layer",
                "must be given for the Python web adapter function: build the FastAPI/uvicorn "
                f"layer with scripts/build_streaming_deps.sh (expected {deps_dir}/python) or "
                "pass a layer built for this runtime and architecture",
                None,
            )
        problems.raise_if_any()

        self.language = language
        delay = (
            Token.as_string(token_delay.to_milliseconds())
            if token_delay.is_unresolved()
            else str(int(token_delay.to_milliseconds(integral=False)))
        )
        env = {"TOKEN_DELAY_MS": delay}
        all_layers = list(layers)
        self.dependencies_layer: lambda_.ILayerVersion | None = None
        if python:
            if dependencies_layer is None:
                dependencies_layer = lambda_.LayerVersion(
                    self,
                    "Dependencies",
                    code=lambda_.Code.from_asset(str(deps_dir)),
                    compatible_runtimes=[runtime or lambda_.Runtime.PYTHON_3_14],
                    compatible_architectures=[lambda_.Architecture.ARM_64],
                    description=f"FastAPI/uvicorn for {self.node.path} (paved-road)",
                )
            self.dependencies_layer = dependencies_layer
            adapter = lambda_.LayerVersion.from_layer_version_arn(
                self,
                "WebAdapter",
                assets.lwa_layer_arn(Aws.REGION, arm64=True, version=web_adapter_layer_version),
            )
            all_layers = [adapter, dependencies_layer, *all_layers]
            env.update(assets.LWA_ENVIRONMENT)
            code = code or lambda_.Code.from_asset(
                str(assets.FASTAPI_APP_DIR), exclude=ASSET_EXCLUDES
            )
            handler = assets.LWA_HANDLER if handler is None else handler
            runtime = runtime or lambda_.Runtime.PYTHON_3_14
        else:
            code = code or lambda_.Code.from_inline(assets.node_handler_source())
            handler = "index.handler" if handler is None else handler
            runtime = runtime or DEFAULT_NODE_RUNTIME
        env.update(environment or {})

        self.governed = GovernedFunction(
            self,
            "Function",
            code=code,
            handler=handler,
            runtime=runtime,
            criticality=criticality,
            service_name=id if service_name is None else service_name,
            description=f"paved-road streaming function {self.node.path} ({language.value})",
            memory_size=memory_size,
            timeout=timeout,
            environment=env,
            powertools_layer=False,
            layers=all_layers,
            invocation=Invocation.SYNCHRONOUS,
            log_retention=log_retention,
            log_removal_policy=log_removal_policy,
            **(delivery or {}),
        )
        self.function = self.governed.function
        self.live = self.governed.live
        self.timeout = timeout

    @property
    def invoke_target(self) -> lambda_.IFunction:
        """What callers invoke: the function's ``live`` alias."""
        return self.governed.invoke_target
