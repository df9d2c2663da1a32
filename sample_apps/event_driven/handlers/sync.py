"""Tenant sync: invoked by EventBridge Scheduler every 5 minutes, at a scattered minute."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

logger = Logger()


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    task = event.get("task", "sync-tenants")
    logger.info("scheduled run", task=task)
    return {"task": task, "status": "done"}
