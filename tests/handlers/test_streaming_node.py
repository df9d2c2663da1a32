"""The inline Node.js streaming example (``paved_road/handlers/streaming_node/index.js``),
run under ``node`` with a stand-in for the Lambda runtime's ``awslambda`` globals
(``tests/handlers/node_stream_harness.js``).

What API Gateway receives from InvokeWithResponseStreaming must be, in order, a JSON
metadata object, 8 null bytes, then the payload (the API Gateway response streaming launch
post); here the payload is Server-Sent Events written one token at a time.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from paved_road.handlers.streaming import NODE_HANDLER_FILE

HARNESS = Path(__file__).resolve().parent / "node_stream_harness.js"
DELIMITER = b"\x00" * 8
SSE_HEADERS = {"content-type": "text/event-stream", "cache-control": "no-cache"}

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")


def rest_event(
    method: str = "GET",
    query: dict[str, str] | None = None,
    body: str | None = None,
    *,
    base64_body: bool = False,
) -> dict[str, Any]:
    """An API Gateway REST API Lambda proxy event for ``/chat/stream``."""
    if body is not None and base64_body:
        body = base64.b64encode(body.encode()).decode()
    headers = {"Accept": "text/event-stream", "Host": "abc123.execute-api.eu-west-1.amazonaws.com"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return {
        "resource": "/chat/stream",
        "path": "/chat/stream",
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "a1b2c3",
            "resourcePath": "/chat/stream",
            "httpMethod": method,
            "requestId": "0f9b0e8c-5f46-4d3e-9a53-0d1c2f3e4a5b",
            "stage": "prod",
            "apiId": "abc123",
            "path": "/prod/chat/stream",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "curl/8.5.0"},
        },
        "body": body,
        "isBase64Encoded": base64_body,
    }


def invoke(event: dict[str, Any], delay_ms: int | str | None = 0) -> dict[str, Any]:
    """Run the handler once with ``TOKEN_DELAY_MS=delay_ms`` (``None``: unset); the harness
    output plus ``metadata``, ``delimited`` (the 8 bytes after the metadata) and
    ``payload``."""
    env = {k: v for k, v in os.environ.items() if k != "TOKEN_DELAY_MS"}
    if delay_ms is not None:
        env["TOKEN_DELAY_MS"] = str(delay_ms)
    result = subprocess.run(
        ["node", str(HARNESS), str(NODE_HANDLER_FILE), json.dumps(event)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    out: dict[str, Any] = json.loads(result.stdout)
    raw = base64.b64decode(out["raw"])
    # the metadata is JSON text (no null byte allowed in it): up to the first null byte
    end = raw.index(b"\x00")
    out["metadata"] = json.loads(raw[:end])
    out["delimited"] = raw[end : end + len(DELIMITER)]
    out["payload"] = raw[end + len(DELIMITER) :]
    return out


def sse_data(payload: bytes) -> list[str]:
    """The ``data:`` values of a Server-Sent Events payload (asserting its framing)."""
    text = payload.decode("utf-8")
    assert text.endswith("\n\n")
    events = text.split("\n\n")[:-1]
    assert all(e.startswith("data: ") and "\n" not in e for e in events), events
    return [e.removeprefix("data: ") for e in events]


def tokens_of(payload: bytes) -> list[str]:
    """The streamed tokens, checking indexes count up from 0 and ``[DONE]`` comes last."""
    data = sse_data(payload)
    assert data[-1] == "[DONE]"
    frames = [json.loads(d) for d in data[:-1]]
    assert [f["index"] for f in frames] == list(range(len(frames)))
    return [f["token"] for f in frames]


def test_get_streams_metadata_delimiter_then_server_sent_events() -> None:
    # GIVEN a REST proxy GET with ?prompt= and a 20 ms pause between tokens
    event = rest_event("GET", query={"prompt": "why pave roads"})
    # WHEN the handler runs
    out = invoke(event, delay_ms=20)
    # THEN the stream is an HTTP integration response: metadata, exactly 8 null bytes
    assert out["contentType"] == "application/vnd.awslambda.http-integration-response"
    assert out["metadata"] == {"statusCode": 200, "headers": SSE_HEADERS}
    assert out["delimited"] == DELIMITER
    assert not out["payload"].startswith(b"\x00")
    # AND the payload is the answer's tokens in order as SSE frames, [DONE] last
    tokens = tokens_of(out["payload"])
    assert " ".join(tokens) == "You asked: why pave roads - a streamed answer of 3 prompt words."


def test_tokens_are_written_one_by_one_over_time() -> None:
    # GIVEN a 25 ms pause between tokens
    # WHEN the handler runs
    out = invoke(rest_event("GET", query={"prompt": "stream me"}), delay_ms=25)
    tokens = tokens_of(out["payload"])
    # THEN every token was its own write after the metadata and delimiter writes,
    # [DONE] too: streamed, not buffered into one write
    assert out["chunks"] == 2 + len(tokens) + 1
    # AND the writes are spread over time: the first token left long before the last
    times = out["times"]
    first_token, last_token = times[2], times[2 + len(tokens) - 1]
    assert last_token - first_token >= 25 * (len(tokens) - 1) * 0.8


def test_post_json_body_plain_and_base64() -> None:
    # GIVEN POSTs with a JSON body, one of them base64-encoded by API Gateway
    body = json.dumps({"prompt": "hello there"})
    for event in (rest_event("POST", body=body), rest_event("POST", body=body, base64_body=True)):
        # WHEN the handler runs
        out = invoke(event)
        # THEN the answer is about the body's prompt
        assert out["metadata"]["statusCode"] == 200
        assert tokens_of(out["payload"])[:4] == ["You", "asked:", "hello", "there"]


@pytest.mark.parametrize(
    "event",
    [
        rest_event("GET"),
        rest_event("POST", body=json.dumps({"question": "no prompt key"})),
    ],
    ids=["no-query-no-body", "json-without-prompt"],
)
def test_missing_prompt_uses_the_default(event: dict[str, Any]) -> None:
    # GIVEN a request without a prompt WHEN the handler runs
    out = invoke(event)
    # THEN it answers the default prompt
    assert tokens_of(out["payload"])[:4] == ["You", "asked:", "Tell", "me"]


@pytest.mark.parametrize(
    "event",
    [
        rest_event("POST", body="{not json"),
        rest_event("POST", body=json.dumps({"prompt": "   "})),
        rest_event("GET", query={"prompt": "x" * 2001}),
    ],
    ids=["bad-json", "blank-prompt", "too-long"],
)
def test_bad_request_gets_400_metadata_and_json_error(event: dict[str, Any]) -> None:
    # GIVEN a body that is not JSON, or an unusable prompt WHEN the handler runs
    out = invoke(event)
    # THEN it still answers through HttpResponseStream.from: 400 metadata, the delimiter,
    # and a JSON error document (not an SSE stream)
    assert out["metadata"] == {"statusCode": 400, "headers": {"content-type": "application/json"}}
    assert out["delimited"] == DELIMITER
    assert "prompt" in json.loads(out["payload"])["message"]
    assert json.loads(out["logs"][-1])["statusCode"] == 400


def test_logs_one_structured_line_per_request() -> None:
    # GIVEN a normal request WHEN the handler runs
    out = invoke(rest_event("GET", query={"prompt": "log me"}))
    # THEN it logs exactly one JSON line with the request id, token count and duration
    (line,) = out["logs"]
    log = json.loads(line)
    assert log["requestId"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert log["tokens"] == len(tokens_of(out["payload"]))
    assert log["statusCode"] == 200
    assert isinstance(log["durationMs"], int | float)


@pytest.mark.parametrize(("delay", "min_ms"), [(None, 50), ("not-a-number", 50), ("-5", 0)])
def test_token_delay_default_and_bad_values(delay: str | None, min_ms: int) -> None:
    # GIVEN TOKEN_DELAY_MS unset, unparsable or negative
    # WHEN the handler streams
    out = invoke(rest_event("GET", query={"prompt": "a"}), delay_ms=delay)
    # THEN unset or unparsable mean the default 50 ms; negative means no pause
    tokens = tokens_of(out["payload"])
    spread = out["times"][2 + len(tokens) - 1] - out["times"][2]
    assert spread >= min_ms * (len(tokens) - 1) * 0.8
    if min_ms == 0:
        assert spread < 50 * (len(tokens) - 1) * 0.8


def test_inline_code_fits_lambdas_limit() -> None:
    # GIVEN the handler file WHEN it is deployed with lambda.Code.fromInline
    # THEN it is under CloudFormation's 4096-byte ZipFile limit and needs no npm packages
    source = NODE_HANDLER_FILE.read_bytes()
    assert len(source) < 4096
    assert b"exports.handler = awslambda.streamifyResponse(" in source
    required = [line for line in source.decode().splitlines() if "require(" in line]
    assert all("require('node:" in line for line in required), required
