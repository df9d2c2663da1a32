"""Python response-streaming example: a FastAPI app behind the AWS Lambda Web Adapter.

Lambda's Python runtime cannot stream a response itself, so the function runs this app
behind the Lambda Web Adapter layer (https://github.com/aws/aws-lambda-web-adapter, "Zip
Packages" and "Response Streaming"): with ``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap`` the
adapter starts the handler script ``run.sh`` (uvicorn on ``$PORT``), polls
``AWS_LWA_READINESS_CHECK_PATH`` (``/health`` here) until the app answers, then forwards
each invocation as an HTTP request; with ``AWS_LWA_INVOKE_MODE=response_stream`` it streams
the app's response back through InvokeWithResponseStreaming, writing the metadata and the
8-null-byte delimiter API Gateway expects.

Endpoints (no model is called; the answer is derived from the prompt):

* ``GET /health``: ``{"status": "ok"}`` for the readiness check.
* ``GET /stream?prompt=...`` and ``POST /stream`` with JSON ``{"prompt": ...}``: the answer
  token by token as Server-Sent Events, the same bytes as the Node.js example
  (``data: {"token":...,"index":n}`` frames, then ``data: [DONE]``), pausing
  ``TOKEN_DELAY_MS`` (default 50) after each token.
* ``GET /buffered?prompt=...``: the whole answer as one JSON document.

The adapter forwards the request path as API Gateway received it (e.g. ``/chat/stream``),
so ``/stream`` and ``/buffered`` also answer under any prefix (``/<anything>/stream``).
A missing prompt means a default one; a body that is not JSON, or a blank or over-long
prompt, gets 400. Dependencies: fastapi and uvicorn (``requirements.txt``), shipped as a
layer built by ``scripts/build_streaming_deps.sh``; logging is stdlib, one JSON line each.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

DEFAULT_PROMPT = "Tell me about paved roads"
MAX_PROMPT = 2000
DEFAULT_TOKEN_DELAY_MS = 50
LOG_FIELDS = ("requestId", "path", "statusCode", "tokens", "durationMs", "error")


class JsonFormatter(logging.Formatter):
    """One JSON object per log record: level, logger, message and known ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a JSON line."""
        doc: dict[str, Any] = {
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        doc.update({name: getattr(record, name) for name in LOG_FIELDS if hasattr(record, name)})
        return json.dumps(doc, default=str)


def _logger() -> logging.Logger:
    """The app's logger: JSON lines on stdout (CloudWatch Logs), level ``LOG_LEVEL``."""
    log = logging.getLogger("streaming_fastapi")
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        log.addHandler(handler)
        log.propagate = False
    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    log.setLevel(level if isinstance(logging.getLevelName(level), int) else logging.INFO)
    return log


logger = _logger()
app = FastAPI(title="paved-road streaming example", docs_url=None, redoc_url=None)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
    """HTTP errors (400, 404, ...) as ``{"message": ...}``, like the Node.js example and
    API Gateway's own errors, logged as one JSON line."""
    logger.warning(
        "rejected request",
        extra={
            "requestId": request_id(request),
            "path": request.url.path,
            "statusCode": error.status_code,
            "error": error.detail,
        },
    )
    return JSONResponse({"message": error.detail}, status_code=error.status_code)


def token_delay() -> float:
    """Seconds to pause after each streamed token: ``TOKEN_DELAY_MS`` (default 50; not a
    number: the default; negative: 0)."""
    try:
        ms = int(os.environ.get("TOKEN_DELAY_MS", DEFAULT_TOKEN_DELAY_MS))
    except ValueError:
        ms = DEFAULT_TOKEN_DELAY_MS
    return max(0, ms) / 1000


def answer_for(prompt: str) -> list[str]:
    """The answer's tokens for ``prompt``: deterministic, no model, the Node.js example's."""
    words = prompt.split()
    return [
        "You",
        "asked:",
        *words,
        "-",
        "a",
        "streamed",
        "answer",
        "of",
        str(len(words)),
        "prompt",
        "words.",
    ]


def checked(prompt: str | None) -> str:
    """``prompt``, or the default when there is none; 400 if blank or too long."""
    prompt = DEFAULT_PROMPT if prompt is None else prompt
    if not prompt.strip() or len(prompt) > MAX_PROMPT:
        raise HTTPException(
            status_code=400,
            detail=f'send a prompt of 1-{MAX_PROMPT} characters (?prompt= or JSON {{"prompt"}})',
        )
    return prompt


async def prompt_from_body(request: Request) -> str | None:
    """The ``prompt`` string of a JSON object body; ``None`` if absent; 400 if not JSON."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise HTTPException(status_code=400, detail="the body must be JSON") from error
    value = body.get("prompt") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


def request_id(request: Request) -> str | None:
    """The Lambda request id the adapter passes in ``x-amzn-lambda-context`` (else API
    Gateway's, from ``x-amzn-request-context``); ``None`` outside Lambda."""
    for header, key in (
        ("x-amzn-lambda-context", "request_id"),
        ("x-amzn-request-context", "requestId"),
    ):
        try:
            value = json.loads(request.headers.get(header, "{}")).get(key)
        except (ValueError, AttributeError):
            continue
        if isinstance(value, str):
            return value
    return None


def sse_frame(data: object) -> bytes:
    """One Server-Sent Event: ``data: <compact JSON>`` (as JSON.stringify writes it)."""
    text = (
        data
        if isinstance(data, str)
        else json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    )
    return f"data: {text}\n\n".encode()


async def sse(tokens: list[str], log_fields: dict[str, Any]) -> AsyncIterator[bytes]:
    """The answer as Server-Sent Events, one token per chunk, then ``[DONE]``; logs one line
    when the stream ends (also if the client goes away)."""
    started = time.monotonic()
    delay = token_delay()
    sent = 0
    try:
        for index, token in enumerate(tokens):
            yield sse_frame({"token": token, "index": index})
            sent += 1
            if delay:
                await asyncio.sleep(delay)
        yield sse_frame("[DONE]")
    finally:
        duration = round((time.monotonic() - started) * 1000)
        logger.info("streamed answer", extra={**log_fields, "tokens": sent, "durationMs": duration})


def streamed(prompt: str | None, request: Request) -> StreamingResponse:
    """The SSE response for ``prompt`` (checked first: a 400 is a normal JSON response)."""
    tokens = answer_for(checked(prompt))
    fields = {"requestId": request_id(request), "path": request.url.path, "statusCode": 200}
    return StreamingResponse(
        sse(tokens, fields),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache"},
    )


@app.get("/health")
async def health() -> dict[str, str]:
    """Readiness check of the Lambda Web Adapter (``AWS_LWA_READINESS_CHECK_PATH``)."""
    return {"status": "ok"}


@app.get("/stream")
@app.get("/{prefix:path}/stream", include_in_schema=False)
async def stream_get(request: Request, prompt: str | None = None) -> StreamingResponse:
    """Stream the answer to ``?prompt=`` (default prompt if absent)."""
    return streamed(prompt, request)


@app.post("/stream")
@app.post("/{prefix:path}/stream", include_in_schema=False)
async def stream_post(request: Request) -> StreamingResponse:
    """Stream the answer to a ``?prompt=`` or a JSON ``{"prompt": ...}`` body."""
    prompt = request.query_params.get("prompt")
    if prompt is None:
        prompt = await prompt_from_body(request)
    return streamed(prompt, request)


@app.get("/buffered")
@app.get("/{prefix:path}/buffered", include_in_schema=False)
async def buffered(request: Request, prompt: str | None = None) -> dict[str, object]:
    """The whole answer to ``?prompt=`` in one JSON document (no streaming)."""
    started = time.monotonic()
    tokens = answer_for(checked(prompt))
    logger.info(
        "buffered answer",
        extra={
            "requestId": request_id(request),
            "path": request.url.path,
            "statusCode": 200,
            "tokens": len(tokens),
            "durationMs": round((time.monotonic() - started) * 1000),
        },
    )
    return {"answer": " ".join(tokens), "tokens": len(tokens)}
