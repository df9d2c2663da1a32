"""Where the response-streaming handler examples live, and how the Lambda Web Adapter is
wired (no aws-cdk-lib import: read by StreamingFunction and by tests).

The Lambda Web Adapter (https://github.com/awslabs/aws-lambda-web-adapter, "Zip
Packages"): attach the layer ``arn:aws:lambda:<region>:753240598075:layer:
LambdaAdapterLayerArm64:<version>`` (x86: ``LambdaAdapterLayerX86``), set
``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap``, make the handler the start script of the web
app, and for streaming set ``AWS_LWA_INVOKE_MODE=response_stream``. The app listens on
``PORT`` (8080) and the adapter waits for ``AWS_LWA_READINESS_CHECK_PATH``.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

NODE_HANDLER_FILE = HERE / "streaming_node" / "index.js"
"""The Node.js streaming example, deployed inline (must stay under 4096 bytes)."""

FASTAPI_APP_DIR = HERE / "streaming_fastapi"
"""The FastAPI example (``app.py``, ``run.sh``, ``requirements.txt``)."""

LWA_LAYER_ACCOUNT = "753240598075"
LWA_LAYER_VERSION = 26
"""Pinned Lambda Web Adapter layer version."""

LWA_HANDLER = "run.sh"

LWA_ENVIRONMENT: dict[str, str] = {
    "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
    "AWS_LWA_INVOKE_MODE": "response_stream",
    "AWS_LWA_READINESS_CHECK_PATH": "/health",
    "PORT": "8080",
}

STREAMING_DEPS_DIR = HERE.parents[2] / "build" / "streaming-deps"
"""The FastAPI/uvicorn layer directory (``python/...``) that scripts/build_streaming_deps.sh
builds in a checkout of this repository (absent in an installed wheel)."""


def lwa_layer_arn(region: str, arm64: bool, version: int = LWA_LAYER_VERSION) -> str:
    """The adapter layer ARN in ``region`` (a token string works)."""
    name = "LambdaAdapterLayerArm64" if arm64 else "LambdaAdapterLayerX86"
    return f"arn:aws:lambda:{region}:{LWA_LAYER_ACCOUNT}:layer:{name}:{version}"


def node_handler_source() -> str:
    """The Node.js example's source, for ``lambda.Code.from_inline``."""
    return NODE_HANDLER_FILE.read_text(encoding="utf-8")
