"""Helpers shared by the handler tests: asset handlers are loaded from their file path."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest


class CurrentStdout:
    """A stream writing to whatever ``sys.stdout`` is when written to.

    The Powertools logger binds its stream when it is created (during fixture setup),
    while capsys installs a new ``sys.stdout`` for the test call itself.
    """

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def load_asset_module(monkeypatch: pytest.MonkeyPatch, name: str, path: Path) -> ModuleType:
    """Load a Lambda asset's ``index.py`` from its path as a brand new module (fresh
    module-level caches), with its Powertools logger writing to the current stdout."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Keep the asset directory clean: no __pycache__ bundled into the Lambda package.
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    module.logger.registered_handler.setStream(CurrentStdout())
    return module


@dataclass
class FakeLambdaContext:
    """The attributes of the Lambda context object that Powertools reads, plus
    ``tenant_id`` (the Python runtime sets it from ``X-Amz-Tenant-Id``; None without)."""

    function_name: str = "handler"
    region: str = "eu-west-1"
    account: str = "123456789012"
    tenant_id: str | None = None
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{self.account}:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def forbid_aws_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """No AWS credentials nor region, and boto3 unable to create any client: for tests
    that a handler module imports without touching AWS."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
    ):
        monkeypatch.delenv(name, raising=False)

    def no_client(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("an AWS client was created at import time")

    monkeypatch.setattr(boto3, "client", no_client)
    monkeypatch.setattr(boto3.session.Session, "client", no_client)


def isolated_handler_environment(
    monkeypatch: pytest.MonkeyPatch,
    *,
    region: str,
    service: str,
    namespace: str,
    clear: tuple[str, ...] = (),
) -> None:
    """The environment every handler test starts from: fake credentials and no profile or
    config file (nothing may reach a real AWS account), ``region``, the handler's own
    variables in ``clear`` unset, tracing off, and a Powertools service name of its own
    per test (``<service>-<random>``), hence a logger of its own: Powertools reuses an
    already configured logger (handler, stream, appended keys) by name."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", *clear):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    monkeypatch.setenv("AWS_REGION", region)
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", f"{service}-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", namespace)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")


def json_lines(output: str) -> list[dict[str, Any]]:
    """Every JSON object printed on its own line (Powertools logs, EMF blobs)."""
    lines = []
    for line in output.splitlines():
        try:
            parsed = json.loads(line)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            lines.append(parsed)
    return lines


def emitted_metrics(
    output: str, namespace: str, *, counts_without_dimensions: bool = False
) -> dict[str, float]:
    """Sum of every metric value found in the CloudWatch EMF blobs printed to stdout,
    checking each is in ``namespace`` (and, with ``counts_without_dimensions``, that it
    has no dimension and the unit Count)."""
    totals: dict[str, float] = {}
    for blob in json_lines(output):
        if "_aws" not in blob:
            continue
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == namespace
            if counts_without_dimensions:
                assert directive["Dimensions"] == [[]]
            for metric in directive["Metrics"]:
                if counts_without_dimensions:
                    assert metric["Unit"] == "Count"
                values = blob[metric["Name"]]
                values = values if isinstance(values, list) else [values]
                totals[metric["Name"]] = totals.get(metric["Name"], 0) + sum(values)
    return totals
