"""Lambda code of the blueprints' sample handlers (one place for the asset excludes)."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_

ASSET_EXCLUDES = ["__pycache__", "*.pyc", ".pytest_cache"]
"""Never bundle local bytecode caches (they would change the asset hash)."""


def handler_code(directory: Path) -> lambda_.Code:
    """A handler directory as a Lambda asset, without local caches."""
    return lambda_.Code.from_asset(str(directory), exclude=ASSET_EXCLUDES)
