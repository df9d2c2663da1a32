"""Helpers shared by the ``paved-road`` commands that call AWS (no aws-cdk-lib import)."""

from __future__ import annotations

from collections.abc import Mapping


def client_error_text(exc: Exception) -> str:
    """``Code: message (Operation)`` for a botocore ClientError, ``str(exc)`` otherwise."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        error = response.get("Error", {})
        code = error.get("Code", "Error")
        message = error.get("Message", "")
        operation = getattr(exc, "operation_name", None)
        where = f" ({operation})" if operation else ""
        return f"{code}: {message}{where}" if message else f"{code}{where}"
    return str(exc)
