"""The Python streaming example (``paved_road/handlers/streaming_fastapi``: a FastAPI app
run by ``run.sh`` behind the Lambda Web Adapter) and the asset constants of
``paved_road.handlers.streaming``.

The app is driven in-process, without a server or network: through
``httpx.AsyncClient(transport=httpx.ASGITransport(app))`` for what a client receives, and
through a minimal ASGI driver for *when* it receives it (httpx's ASGITransport runs the app
to completion before returning, so it cannot show that chunks leave one by one).
"""

from __future__ import annotations

import asyncio
import base64
import importlib
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import tomllib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from paved_road.handlers import streaming as assets

REPO_ROOT = Path(__file__).resolve().parents[2]
RUN_SH = assets.FASTAPI_APP_DIR / "run.sh"
REQUIREMENTS = assets.FASTAPI_APP_DIR / "requirements.txt"
HARNESS = Path(__file__).resolve().parent / "node_stream_harness.js"


@pytest.fixture(scope="module")
def app_module() -> Iterator[ModuleType]:
    """The example's ``app.py`` (imported without writing ``__pycache__`` into the asset)."""
    previous = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        module = importlib.import_module("paved_road.handlers.streaming_fastapi.app")
    finally:
        sys.dont_write_bytecode = previous
    yield module


@pytest.fixture
def log_records(app_module: ModuleType) -> Iterator[list[logging.LogRecord]]:
    """What the app logs during a test."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Collect()
    app_module.logger.addHandler(handler)
    yield records
    app_module.logger.removeHandler(handler)


def request(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One request through httpx's in-process ASGI transport."""

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lambda") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(go())


def sse_data(body: bytes) -> list[str]:
    """The ``data:`` values of a Server-Sent Events body (asserting its framing)."""
    text = body.decode("utf-8")
    assert text.endswith("\n\n")
    events = text.split("\n\n")[:-1]
    assert all(e.startswith("data: ") and "\n" not in e for e in events), events
    return [e.removeprefix("data: ") for e in events]


def tokens_of(body: bytes) -> list[str]:
    """The streamed tokens, checking indexes count up from 0 and ``[DONE]`` comes last."""
    data = sse_data(body)
    assert data[-1] == "[DONE]"
    frames = [json.loads(d) for d in data[:-1]]
    assert [f["index"] for f in frames] == list(range(len(frames)))
    return [f["token"] for f in frames]


async def drive(app: Any, path: str, query: str, on_body: Any) -> int:
    """Send one GET to the ASGI ``app`` and call ``on_body(bytes)`` for each body message
    as the app sends it; the response status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"lambda")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8080),
    }
    status = 0
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body" and message.get("body"):
            on_body(bytes(message["body"]))

    await app(scope, receive, send)
    return status


# --- the app ---------------------------------------------------------------------------


def test_stream_leaves_the_app_token_by_token(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a 30 ms pause between tokens and the app's SSE generator instrumented to
    # count what it has produced and note when it is exhausted
    monkeypatch.setenv("TOKEN_DELAY_MS", "30")
    progress: dict[str, Any] = {"produced": 0, "finished_at": None}
    original = app_module.sse

    async def instrumented(*args: Any) -> AsyncIterator[bytes]:
        async for chunk in original(*args):
            progress["produced"] += 1
            yield chunk
        progress["finished_at"] = time.monotonic()

    monkeypatch.setattr(app_module, "sse", instrumented)
    received: list[tuple[float, int, bool, bytes]] = []

    def on_body(chunk: bytes) -> None:
        finished = progress["finished_at"] is not None
        received.append((time.monotonic(), progress["produced"], finished, chunk))

    # WHEN a client reads GET /stream
    status = asyncio.run(drive(app_module.app, "/stream", "prompt=why+pave+roads", on_body))

    # THEN it is the answer as SSE, [DONE] last
    assert status == 200
    tokens = tokens_of(b"".join(chunk for *_, chunk in received))
    assert tokens == app_module.answer_for("why pave roads")
    # AND each chunk reached the client while the generator had produced only that chunk:
    # the first token arrived before the generator finished (streamed, not buffered)
    assert len(received) == len(tokens) + 1
    assert [produced for _, produced, _, _ in received] == list(range(1, len(received) + 1))
    assert not any(finished for _, _, finished, _ in received)
    first_at = received[0][0]
    assert progress["finished_at"] - first_at >= 0.030 * (len(tokens) - 1) * 0.8


def test_get_stream_headers_and_server_sent_events(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no pause between tokens
    monkeypatch.setenv("TOKEN_DELAY_MS", "0")
    # WHEN a client GETs /stream?prompt=
    response = request(app_module.app, "GET", "/stream", params={"prompt": "hello there"})
    # THEN it is an uncached event stream of the answer's tokens
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert " ".join(tokens_of(response.content)) == (
        "You asked: hello there - a streamed answer of 2 prompt words."
    )


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "first_words"),
    [
        ("POST", "/stream", {"json": {"prompt": "post me"}}, ["post", "me"]),
        ("POST", "/stream", {"content": b""}, ["Tell", "me"]),
        ("POST", "/stream", {"json": {"other": 1}}, ["Tell", "me"]),
        ("POST", "/stream?prompt=from+query", {}, ["from", "query"]),
        ("GET", "/stream", {}, ["Tell", "me"]),
        ("GET", "/chat/stream?prompt=under+a+prefix", {}, ["under", "a"]),
        ("POST", "/v1/chat/stream", {"json": {"prompt": "deep prefix"}}, ["deep", "prefix"]),
    ],
    ids=[
        "post-json",
        "post-empty",
        "post-no-prompt",
        "post-query",
        "get-default",
        "get-prefix",
        "post-prefix",
    ],
)
def test_prompt_sources_and_path_prefixes(
    app_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    url: str,
    kwargs: dict[str, Any],
    first_words: list[str],
) -> None:
    # GIVEN a request as the Lambda Web Adapter forwards it (API Gateway's path, which may
    # carry the API's resource prefix)
    monkeypatch.setenv("TOKEN_DELAY_MS", "0")
    # WHEN it reaches the app
    response = request(app_module.app, method, url, **kwargs)
    # THEN the prompt comes from ?prompt=, else the JSON body, else the default
    assert response.status_code == 200
    assert tokens_of(response.content)[2:4] == first_words


def test_health_for_the_readiness_check(app_module: ModuleType) -> None:
    # GIVEN the adapter's readiness check path WHEN it is polled
    response = request(
        app_module.app, "GET", assets.LWA_ENVIRONMENT["AWS_LWA_READINESS_CHECK_PATH"]
    )
    # THEN the app is ready
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_buffered_returns_the_whole_answer(
    app_module: ModuleType, log_records: list[logging.LogRecord]
) -> None:
    # GIVEN a client that cannot read a stream WHEN it GETs /buffered?prompt=
    response = request(app_module.app, "GET", "/buffered", params={"prompt": "a b"})
    # THEN it gets the same answer as one JSON document
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    tokens = app_module.answer_for("a b")
    assert response.json() == {"answer": " ".join(tokens), "tokens": len(tokens)}
    assert [r.getMessage() for r in log_records] == ["buffered answer"]


@pytest.mark.parametrize(
    ("method", "url", "kwargs"),
    [
        (
            "POST",
            "/stream",
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
        ),
        ("POST", "/stream", {"json": {"prompt": "   "}}),
        ("GET", "/stream", {"params": {"prompt": ""}}),
        ("GET", "/buffered", {"params": {"prompt": "x" * 2001}}),
    ],
    ids=["bad-json", "blank-body-prompt", "empty-query-prompt", "too-long"],
)
def test_bad_requests_get_400(
    app_module: ModuleType,
    log_records: list[logging.LogRecord],
    method: str,
    url: str,
    kwargs: dict[str, Any],
) -> None:
    # GIVEN a body that is not JSON, or an unusable prompt WHEN it reaches the app
    response = request(app_module.app, method, url, **kwargs)
    # THEN it gets 400 with a JSON {"message"} (as the Node.js example), logged once
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["message"]
    (record,) = log_records
    assert record.statusCode == 400  # type: ignore[attr-defined]


def test_unknown_path_and_api_docs_are_404(app_module: ModuleType) -> None:
    # GIVEN paths the app does not serve (its interactive docs are off)
    for path in ("/nope", "/docs", "/redoc"):
        # WHEN requested THEN 404
        assert request(app_module.app, "GET", path).status_code == 404


def test_one_json_log_line_per_stream_with_the_lambda_request_id(
    app_module: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    log_records: list[logging.LogRecord],
) -> None:
    # GIVEN the headers the adapter adds (Lambda context and API Gateway request context)
    monkeypatch.setenv("TOKEN_DELAY_MS", "0")
    headers = {
        "x-amzn-lambda-context": json.dumps({"request_id": "lambda-req-1", "deadline": 1}),
        "x-amzn-request-context": json.dumps({"requestId": "apigw-req-1"}),
    }
    # WHEN a stream is served
    response = request(app_module.app, "GET", "/stream", headers=headers)
    # THEN exactly one record describes it, formatted as one JSON line
    (record,) = log_records
    line = json.loads(app_module.JsonFormatter().format(record))
    assert line["message"] == "streamed answer"
    assert line["requestId"] == "lambda-req-1"
    assert line["tokens"] == len(tokens_of(response.content))
    assert line["statusCode"] == 200
    assert isinstance(line["durationMs"], int)


@pytest.mark.parametrize(
    ("value", "seconds"), [(None, 0.05), ("0", 0.0), ("250", 0.25), ("-3", 0.0), ("x", 0.05)]
)
def test_token_delay_setting(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch, value: str | None, seconds: float
) -> None:
    # GIVEN TOKEN_DELAY_MS unset, zero, set, negative or not a number
    if value is None:
        monkeypatch.delenv("TOKEN_DELAY_MS", raising=False)
    else:
        monkeypatch.setenv("TOKEN_DELAY_MS", value)
    # WHEN the app reads it THEN it is the pause in seconds (default 50 ms, never negative)
    assert app_module.token_delay() == seconds


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_same_bytes_as_the_nodejs_example(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN one prompt (with non-ASCII text and JSON-special characters)
    prompt = 'Ünïcode "quotes" back\\slash 日本語'
    monkeypatch.setenv("TOKEN_DELAY_MS", "0")
    # WHEN both examples stream the answer
    python_body = request(app_module.app, "GET", "/stream", params={"prompt": prompt}).content
    event = {"httpMethod": "GET", "path": "/stream", "queryStringParameters": {"prompt": prompt}}
    node = subprocess.run(
        ["node", str(HARNESS), str(assets.NODE_HANDLER_FILE), json.dumps(event)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "TOKEN_DELAY_MS": "0"},
    )
    raw = base64.b64decode(json.loads(node.stdout)["raw"])
    node_body = raw[raw.index(b"\x00" * 8) + 8 :]
    # THEN a client cannot tell them apart
    assert python_body == node_body


# --- run.sh and requirements.txt ---------------------------------------------------------


def run_start_script(tmp_path: Path, env: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """Run ``run.sh`` with a stand-in ``python`` on PATH that reports how it was started;
    (the script's pid, the report)."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    report = tmp_path / "report.json"
    fake_python = fake_bin / "python"
    fake_python.write_text(
        "#!/bin/bash\n"
        f'printf \'{{"pid": %s, "cwd": "%s", "pythonpath": "%s", "args": "%s"}}\' '
        f'"$$" "$PWD" "$PYTHONPATH" "$*" > {report}\n'
    )
    fake_python.chmod(0o755)
    process = subprocess.Popen(
        [str(RUN_SH)],
        cwd=tmp_path,
        env={"PATH": f"{fake_bin}:/usr/bin:/bin", **env},
    )
    assert process.wait(timeout=30) == 0
    return process.pid, json.loads(report.read_text())


@pytest.mark.parametrize(
    ("env", "port"),
    [
        ({}, "8080"),
        ({"PORT": "9123"}, "9123"),
        ({"PORT": "9123", "AWS_LWA_PORT": "9200"}, "9200"),
    ],
    ids=["default", "PORT", "AWS_LWA_PORT-first"],
)
def test_run_sh_execs_uvicorn_on_the_adapters_port(
    tmp_path: Path, env: dict[str, str], port: str
) -> None:
    # GIVEN the adapter's port settings
    # WHEN the adapter's wrapper runs the handler script (from another directory)
    pid, started = run_start_script(tmp_path, env)
    # THEN the script *replaced itself* (exec: same pid) with uvicorn serving app:app on
    # that port, from the app's directory, with the layer's /opt/python importable
    assert started["pid"] == pid
    assert started["args"] == f"-m uvicorn --host 0.0.0.0 --port {port} app:app"
    assert Path(started["cwd"]).resolve() == assets.FASTAPI_APP_DIR.resolve()
    assert started["pythonpath"].split(":")[0] == "/opt/python"


def test_run_sh_is_an_executable_bash_script() -> None:
    # GIVEN the handler script WHEN Lambda's wrapper execs it
    # THEN it is executable (the adapter execs "$LAMBDA_TASK_ROOT/$_HANDLER") and bash
    assert RUN_SH.stat().st_mode & stat.S_IXUSR
    assert RUN_SH.read_text().startswith("#!/bin/bash\n")


def test_requirements_pin_exact_versions() -> None:
    # GIVEN the app's requirements (the layer scripts/build_streaming_deps.sh builds)
    lines = [
        line.split("#")[0].strip()
        for line in REQUIREMENTS.read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    # THEN every one is pinned to an exact version, fastapi and uvicorn included
    pins = dict(line.split("==") for line in lines)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*==\d+(\.\d+)*", line) for line in lines)
    assert {"fastapi", "uvicorn"} <= set(pins)
    # AND the tests run the app against the same FastAPI (the dev extra's pin)
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    dev = pyproject["project"]["optional-dependencies"]["dev"]
    assert f"fastapi=={pins['fastapi']}" in dev


# --- paved_road.handlers.streaming constants ---------------------------------------------


def test_asset_paths() -> None:
    # GIVEN the constants StreamingFunction uses THEN they point at the shipped files
    assert assets.NODE_HANDLER_FILE.name == "index.js" and assets.NODE_HANDLER_FILE.is_file()
    assert assets.node_handler_source() == assets.NODE_HANDLER_FILE.read_text(encoding="utf-8")
    for name in ("app.py", assets.LWA_HANDLER, "requirements.txt"):
        assert (assets.FASTAPI_APP_DIR / name).is_file()
    # AND the dependency layer directory is build/streaming-deps of this checkout
    assert assets.STREAMING_DEPS_DIR == REPO_ROOT / "build" / "streaming-deps"


def test_lwa_layer_arn_and_environment() -> None:
    # GIVEN a region (a token string in a synthesized stack) and an architecture
    # WHEN the adapter layer ARN is formatted
    arm = assets.lwa_layer_arn("${Token[AWS.Region.12]}", arm64=True)
    x86 = assets.lwa_layer_arn("eu-west-1", arm64=False, version=27)
    # THEN it is the adapter account's layer, pinned version by default
    assert arm == (
        "arn:aws:lambda:${Token[AWS.Region.12]}:753240598075:layer:LambdaAdapterLayerArm64:"
        f"{assets.LWA_LAYER_VERSION}"
    )
    assert x86 == "arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerX86:27"
    assert (assets.LWA_LAYER_ACCOUNT, assets.LWA_LAYER_VERSION) == ("753240598075", 26)
    # AND the environment turns the wrapper and streaming on, port and readiness path
    # matching run.sh and app.py
    assert assets.LWA_ENVIRONMENT == {
        "AWS_LAMBDA_EXEC_WRAPPER": "/opt/bootstrap",
        "AWS_LWA_INVOKE_MODE": "response_stream",
        "AWS_LWA_READINESS_CHECK_PATH": "/health",
        "PORT": "8080",
    }
    assert assets.LWA_HANDLER == "run.sh"
