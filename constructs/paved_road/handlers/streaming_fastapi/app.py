"""Python response-streaming example: a FastAPI app behind the AWS Lambda Web Adapter.

Lambda's Python runtime cannot stream a response itself. The Lambda Web Adapter layer
(``AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap``, ``AWS_LWA_INVOKE_MODE=response_stream``)
starts ``run.sh`` (uvicorn on ``$PORT``), waits for ``/health``, and forwards each
invocation as an HTTP request, streaming the response back through
InvokeWithResponseStreaming. ``/stream`` answers token by token as Server-Sent Events
(the same format as the Node.js example); ``/buffered`` answers in one JSON document.
No model is called. Dependencies: fastapi, uvicorn (a layer, see
scripts/build_streaming_deps.sh).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import AsyncIterator

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import StreamingResponse

DEFAULT_PROMPT = "Tell me about paved roads"
MAX_PROMPT = 2000

logger = logging.getLogger("streaming_fastapi")
app = FastAPI(title="paved-road streaming example")


def token_delay() -> float:
    """Seconds between streamed tokens (``TOKEN_DELAY_MS``, default 50)."""
    try:
        return max(0, int(os.environ.get("TOKEN_DELAY_MS", "50"))) / 1000
    except ValueError:
        return 0.05


def answer_for(prompt: str) -> list[str]:
    """The answer's tokens for ``prompt`` (deterministic, no model)."""
    words = prompt.split()
    return [
        "You",
        "asked:",
        *words,
        "-",
        "a",
        "streamed",
        "answer",
        f"of {len(words)} prompt words.",
    ]


def checked(prompt: str | None) -> str:
    prompt = DEFAULT_PROMPT if prompt is None else prompt
    if not prompt.strip() or len(prompt) > MAX_PROMPT:
        raise HTTPException(status_code=400, detail=f"prompt must be 1-{MAX_PROMPT} characters")
    return prompt


async def prompt_from_body(request: Request) -> str | None:
    raw = await request.body()
    if not raw:
        return None
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise HTTPException(status_code=400, detail="body must be JSON") from error
    value = body.get("prompt") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None


async def sse(tokens: list[str]) -> AsyncIterator[bytes]:
    started = time.monotonic()
    delay = token_delay()
    for index, token in enumerate(tokens):
        yield f"data: {json.dumps({'token': token, 'index': index})}\n\n".encode()
        if delay:
            await asyncio.sleep(delay)
    yield b"data: [DONE]\n\n"
    logger.info(
        json.dumps(
            {
                "message": "streamed answer",
                "tokens": len(tokens),
                "durationMs": round((time.monotonic() - started) * 1000),
            }
        )
    )


def streamed(prompt: str) -> StreamingResponse:
    return StreamingResponse(
        sse(answer_for(prompt)),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache"},
    )


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/stream")
async def stream_get(prompt: str | None = None) -> StreamingResponse:
    return streamed(checked(prompt))


@app.post("/stream")
async def stream_post(request: Request) -> StreamingResponse:
    return streamed(checked(await prompt_from_body(request)))


@app.get("/buffered")
async def buffered(prompt: str | None = None) -> dict[str, object]:
    tokens = answer_for(checked(prompt))
    return {"answer": " ".join(tokens), "tokens": len(tokens)}
