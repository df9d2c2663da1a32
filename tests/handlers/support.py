"""Helpers shared by the handler tests: asset handlers are loaded from their file path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
