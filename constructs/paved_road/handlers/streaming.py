"""Where the response-streaming handler examples live, and how the AWS Lambda Web Adapter
is wired for the Python one. No aws-cdk-lib import: read by
:class:`paved_road.streaming.StreamingFunction` and by tests.

API Gateway (REST, Lambda proxy integration, ``ResponseTransferMode: STREAM``) calls
InvokeWithResponseStreaming and expects the function's stream to be JSON metadata
(``statusCode``, ``headers``, ``multiValueHeaders``, ``cookies``; at least ``{}``), 8 null
bytes, then the payload (AWS Compute Blog, "Building responsive APIs with Amazon API
Gateway response streaming").

* Node.js streams natively: ``streaming_node/index.js`` uses the runtime's
  ``awslambda.streamifyResponse`` and ``awslambda.HttpResponseStream.from`` (which writes
  the metadata and the delimiter).
* Python cannot, so ``streaming_fastapi/`` is a FastAPI app run behind the Lambda Web
  Adapter (LWA). From the adapter's README ("Zip Packages", "Configurations") and guide
  ("Response Streaming", "Readiness Check"), https://github.com/aws/aws-lambda-web-adapter:

  - attach the layer ``arn:aws:lambda:<region>:753240598075:layer:LambdaAdapterLayerArm64:
    <version>`` (x86_64: ``LambdaAdapterLayerX86``); version 26 is LWA 1.0.0-rc1 (25 was
    0.9.1, 27 is 1.0.0);
  - set ``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap``: the layer's wrapper then execs
    ``$LAMBDA_TASK_ROOT/$_HANDLER``, so the handler is the start script ``run.sh``;
  - ``AWS_LWA_INVOKE_MODE=response_stream`` (default ``buffered``) streams the app's
    response;
  - the app listens on ``AWS_LWA_PORT``, which falls back to ``PORT`` (not deprecated),
    default 8080;
  - the adapter polls ``AWS_LWA_READINESS_CHECK_PATH`` (default ``/``) until the app
    answers with a status below 500, then starts forwarding invocations.

  The adapter's FastAPI zip examples (``examples/fastapi-response-streaming-zip``) also
  put ``/opt/python`` on ``PYTHONPATH`` in ``run.sh``: Lambda's default ``PYTHONPATH`` is
  ``$LAMBDA_RUNTIME_DIR`` (Lambda Developer Guide, defined runtime environment variables);
  the layer paths (``python``, ``python/lib/python3.x/site-packages``: "Packaging your
  layer content") are added by the runtime's own bootstrap, which a ``python`` started by
  a script does not go through.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

NODE_HANDLER_FILE = HERE / "streaming_node" / "index.js"
"""The Node.js streaming example, deployed inline (``lambda.Code.from_inline``, so under
CloudFormation's 4096-byte ``ZipFile`` limit) with handler ``index.handler``."""

FASTAPI_APP_DIR = HERE / "streaming_fastapi"
"""The FastAPI example, deployed as an asset directory: ``app.py``, ``run.sh`` (executable),
``requirements.txt``."""

LWA_LAYER_ACCOUNT = "753240598075"
"""AWS account that publishes the Lambda Web Adapter layers (commercial regions)."""

LWA_LAYER_VERSION = 26
"""Pinned Lambda Web Adapter layer version (LWA 1.0.0-rc1)."""

LWA_HANDLER = "run.sh"
"""Handler of the Python function: the start script the adapter's wrapper execs."""

LWA_ENVIRONMENT: dict[str, str] = {
    "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
    "AWS_LWA_INVOKE_MODE": "response_stream",
    "AWS_LWA_READINESS_CHECK_PATH": "/health",
    "PORT": "8080",
}
"""Environment of the Python function: the adapter's wrapper, streaming invoke mode, the
app's readiness path (``GET /health`` in app.py) and the port run.sh serves on."""

STREAMING_DEPS_DIR = HERE.parents[2] / "build" / "streaming-deps"
"""The FastAPI/uvicorn dependency layer directory (its packages under ``python/``), produced
by ``scripts/build_streaming_deps.sh`` in a checkout of this repository (absent in an
installed wheel). Built for CPython 3.14 on manylinux2014 aarch64 only: use it with the
``python3.14`` runtime on ARM_64."""


def lwa_layer_arn(region: str, arm64: bool, version: int = LWA_LAYER_VERSION) -> str:
    """The Lambda Web Adapter layer ARN in ``region`` (a token string such as
    ``Aws.REGION`` works: it is only formatted in)."""
    name = "LambdaAdapterLayerArm64" if arm64 else "LambdaAdapterLayerX86"
    return f"arn:aws:lambda:{region}:{LWA_LAYER_ACCOUNT}:layer:{name}:{version}"


def node_handler_source() -> str:
    """The Node.js example's source, for ``lambda.Code.from_inline``."""
    return NODE_HANDLER_FILE.read_text(encoding="utf-8")
