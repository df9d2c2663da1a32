"""Helpers shared by the handler tests: asset handlers are loaded from their file path."""

from __future__ import annotations

import importlib.util
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
