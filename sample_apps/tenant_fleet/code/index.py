"""Shared tenant code of the fleet sample: every tenant runs it in its own function."""

import os


def handler(event, context):
    return {"tenant": os.environ["TENANT_ID"], "echo": event}
