"""The inline Node.js streaming example, run under Node with a stand-in for the Lambda
runtime's ``awslambda`` globals (tests/handlers/node_stream_harness.js): what API Gateway
receives is the JSON metadata, 8 null bytes, then Server-Sent Events written one token at
a time."""

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
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")


def run(event: dict[str, Any], delay_ms: int = 0) -> tuple[dict[str, Any], bytes, dict[str, Any]]:
    """(metadata, payload, harness output) of one invocation."""
    result = subprocess.run(
        ["node", str(HARNESS), str(NODE_HANDLER_FILE), json.dumps(event)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "TOKEN_DELAY_MS": str(delay_ms)},
    )
    out = json.loads(result.stdout.strip().splitlines()[-1])
    raw = base64.b64decode(out["raw"])
    head, sep, payload = raw.partition(b"\x00" * 8)
    assert sep, "no 8-null-byte delimiter"
    return json.loads(head), payload, out


def events(payload: bytes) -> list[str]:
    frames = payload.decode().split("\n\n")
    assert frames[-1] == ""
    assert all(f.startswith("data: ") for f in frames[:-1])
    return [f.removeprefix("data: ") for f in frames[:-1]]


def test_streams_tokens_as_server_sent_events() -> None:
    # GIVEN a GET with ?prompt= WHEN the handler runs with a 20 ms token delay
    metadata, payload, out = run(
        {"httpMethod": "GET", "queryStringParameters": {"prompt": "why roads"}}, delay_ms=20
    )
    # THEN the metadata comes first: 200, SSE headers
    assert metadata == {
        "statusCode": 200,
        "headers": {"content-type": "text/event-stream", "cache-control": "no-cache"},
    }
    # AND the tokens follow in order, [DONE] last
    data = events(payload)
    assert data[-1] == "[DONE]"
    tokens = [json.loads(d) for d in data[:-1]]
    assert [t["index"] for t in tokens] == list(range(len(tokens)))
    assert " ".join(t["token"] for t in tokens).startswith("You asked: why roads")
    # AND it was streamed: one write per token, spread over time (not one buffer)
    assert out["chunks"] >= len(tokens) + 2
    assert out["times"][-1] - out["times"][2] >= 20 * (len(tokens) - 1) * 0.8


def test_prompt_from_json_body_and_default() -> None:
    _, payload, _ = run({"httpMethod": "POST", "body": json.dumps({"prompt": "hello there"})})
    assert "hello" in " ".join(json.loads(d)["token"] for d in events(payload)[:-1])
    _, payload, _ = run({"httpMethod": "GET"})
    assert "paved" in " ".join(json.loads(d)["token"] for d in events(payload)[:-1])


@pytest.mark.parametrize("body", ["{not json", json.dumps({"prompt": "   "})])
def test_bad_body_gets_400_metadata(body: str) -> None:
    metadata, payload, _ = run({"httpMethod": "POST", "body": body})
    assert metadata["statusCode"] == 400
    assert "prompt" in json.loads(payload)["message"]


def test_inline_code_fits_lambdas_limit() -> None:
    # Lambda's inline ZipFile code is limited to 4096 bytes
    assert NODE_HANDLER_FILE.stat().st_size < 4096
