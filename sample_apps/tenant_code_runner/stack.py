"""The TenantCodeRunner sample (Pega): three tenants' snippets as untrusted functions.

The runner belongs in an account of its own; ``PLATFORM_ACCOUNT`` is the SaaS
platform's account, whose principals assume the per-tenant invoker roles.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Stack
from constructs import Construct

from paved_road_blueprints import Snippet, TenantCodeRunner

SNIPPETS = Path(__file__).resolve().parent / "snippets"
PLATFORM_ACCOUNT = "111122223333"  # the platform account in the sample; yours in real use


def build(app: Construct) -> list[Stack]:
    runner = TenantCodeRunner(
        app,
        "PavedRoadTenantCode",
        platform_account=PLATFORM_ACCOUNT,
        external_id="paved-road-sample",
        snippets=[
            Snippet("acme", "discount", code=str(SNIPPETS / "acme"), reserved_concurrency=5),
            Snippet("globex", "validate", code=str(SNIPPETS / "globex"), handler="index.validate"),
            Snippet(
                "globex", "normalize", code=str(SNIPPETS / "globex"), handler="index.normalize"
            ),
            Snippet("initech", "status", code=str(SNIPPETS / "initech")),
        ],
    )
    return [*runner.fleet.stacks, *runner.access_stacks]
