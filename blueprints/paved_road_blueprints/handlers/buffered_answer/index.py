"""Buffered route of the StreamingApi blueprint: the whole answer in one JSON response.

The streaming route sends the same kind of answer token by token (Server-Sent Events);
this one is what a client that cannot read a stream calls. No model is called: the
answer is derived from the prompt so the sample is deterministic.
Dependencies: the AWS-managed Powertools layer.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = APIGatewayRestResolver()

MAX_PROMPT_CHARS = 2000
DEFAULT_PROMPT = "Tell me about paved roads"


def answer_for(prompt: str) -> list[str]:
    """The sample answer's tokens for ``prompt`` (deterministic, no model)."""
    words = prompt.split()
    return [
        "You",
        "asked:",
        *words,
        "-",
        "a",
        "buffered",
        "answer",
        f"of {len(words)} prompt words.",
    ]


def _prompt() -> str:
    event = app.current_event
    prompt = event.get_query_string_value("prompt")
    if prompt is None and event.body:
        body = event.json_body if isinstance(event.json_body, dict) else {}
        prompt = body.get("prompt")
    prompt = DEFAULT_PROMPT if prompt is None else str(prompt)
    if not prompt.strip() or len(prompt) > MAX_PROMPT_CHARS:
        raise BadRequestError(f"prompt must be 1-{MAX_PROMPT_CHARS} characters")
    return prompt


@app.get("/.+")
@app.post("/.+")
def answer() -> dict[str, Any]:
    tokens = answer_for(_prompt())
    metrics.add_metric(name="BufferedAnswers", unit=MetricUnit.Count, value=1)
    logger.info("buffered answer", extra={"tokens": len(tokens)})
    return {"answer": " ".join(tokens), "tokens": len(tokens)}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
