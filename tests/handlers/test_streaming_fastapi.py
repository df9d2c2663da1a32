"""The Python streaming example (FastAPI behind the Lambda Web Adapter), driven
in-process through an ASGI client: no server, no network."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from types import ModuleType

import pytest

from paved_road.handlers import streaming as assets


@pytest.fixture
def app_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.syspath_prepend(str(assets.FASTAPI_APP_DIR))
    sys.modules.pop("app", None)
    import app  # the asset's app.py

    yield app
    sys.modules.pop("app", None)


async def collect(
    app: object, method: str, url: str, content: str | None = None
) -> tuple[int, dict[str, str], list[tuple[float, bytes]]]:
    """Drive the ASGI app directly and timestamp every body message it sends.

    (httpx's ASGITransport collects the whole body before returning, so it cannot show
    that chunks leave the app one by one; this minimal ASGI client can.)"""
    path, _, query = url.partition("?")
    body = (content or "").encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.replace(" ", "%20").encode(),
        "root_path": "",
        "headers": [(b"host", b"lambda"), (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 1234),
        "server": ("lambda", 8080),
    }
    sent_request = False
    status = 0
    headers: dict[str, str] = {}
    chunks: list[tuple[float, bytes]] = []
    started = time.monotonic()

    async def receive() -> dict[str, object]:
        nonlocal sent_request
        if not sent_request:
            sent_request = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # no disconnect while the response streams
        return {"type": "http.disconnect"}

    async def send(message: dict[str, object]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])  # type: ignore[call-overload]
            for key, value in message.get("headers", []):  # type: ignore[attr-defined]
                headers[key.decode().lower()] = value.decode()
        elif message["type"] == "http.response.body" and message.get("body"):
            chunks.append((time.monotonic() - started, bytes(message["body"])))  # type: ignore[arg-type]

    await app(scope, receive, send)  # type: ignore[operator]
    return status, headers, chunks


def frames(chunks: list[tuple[float, bytes]]) -> list[str]:
    text = b"".join(c for _, c in chunks).decode()
    parts = text.split("\n\n")
    assert parts[-1] == "" and all(p.startswith("data: ") for p in parts[:-1])
    return [p.removeprefix("data: ") for p in parts[:-1]]


def test_stream_arrives_chunk_by_chunk(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a 30 ms token delay WHEN /stream is read through the ASGI client
    monkeypatch.setenv("TOKEN_DELAY_MS", "30")
    status, headers, chunks = asyncio.run(
        collect(app_module.app, "GET", "/stream?prompt=why roads")
    )
    # THEN it is an SSE stream of the tokens, [DONE] last
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    data = frames(chunks)
    tokens = [json.loads(d) for d in data[:-1]]
    assert data[-1] == "[DONE]"
    assert " ".join(t["token"] for t in tokens) == " ".join(app_module.answer_for("why roads"))
    # AND the chunks arrived separately over time: the first long before the last
    assert len(chunks) == len(tokens) + 1
    assert chunks[-1][0] - chunks[0][0] >= 0.03 * (len(tokens) - 1) * 0.8


def test_post_body_health_and_buffered(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOKEN_DELAY_MS", "0")
    status, _, chunks = asyncio.run(
        collect(app_module.app, "POST", "/stream", content=json.dumps({"prompt": "hello there"}))
    )
    assert status == 200 and "hello" in "".join(frames(chunks))
    status, _, chunks = asyncio.run(collect(app_module.app, "GET", "/health"))
    assert (status, json.loads(b"".join(c for _, c in chunks))) == (200, {"status": "ok"})
    status, _, chunks = asyncio.run(collect(app_module.app, "GET", "/buffered?prompt=a b"))
    body = json.loads(b"".join(c for _, c in chunks))
    assert status == 200 and body["tokens"] == len(app_module.answer_for("a b"))


@pytest.mark.parametrize(
    ("method", "url", "content"),
    [
        ("POST", "/stream", "{not json"),
        ("GET", "/stream?prompt=%20", None),
        ("GET", "/buffered?prompt=" + "x" * 2001, None),
    ],
)
def test_bad_prompts_get_400(
    app_module: ModuleType, method: str, url: str, content: str | None
) -> None:
    status, _, _ = asyncio.run(collect(app_module.app, method, url, content=content))
    assert status == 400


def test_start_script_and_pins() -> None:
    run_sh = assets.FASTAPI_APP_DIR / "run.sh"
    assert run_sh.stat().st_mode & stat.S_IXUSR
    text = run_sh.read_text()
    assert "exec python -m uvicorn" in text and '"${PORT:-8080}"' in text and "app:app" in text
    pins = (assets.FASTAPI_APP_DIR / "requirements.txt").read_text().split()
    assert pins and all("==" in pin for pin in pins)


def test_adapter_wiring_constants() -> None:
    assert assets.lwa_layer_arn("eu-west-1", arm64=True) == (
        f"arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerArm64:{assets.LWA_LAYER_VERSION}"
    )
    assert ":LambdaAdapterLayerX86:" in assets.lwa_layer_arn("eu-west-1", arm64=False)
    assert assets.LWA_ENVIRONMENT["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert assets.LWA_ENVIRONMENT["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert "streamifyResponse" in assets.node_handler_source()
    assert os.path.isdir(assets.FASTAPI_APP_DIR)
