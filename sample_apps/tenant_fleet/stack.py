"""The TenantFunctionFleet sample: 120 tenants from tenants.json, one function each.

Tenants are read from a file in onboarding order (append new ones at the end; mark
offboarded ones ``"retired": true``). The fleet packs them into shard stacks under its
resource budget. For fleets too big for one process, split them into cells:

    paved-road fleet synth --cells 4 --app "python sample_apps/tenant_fleet/app.py"

Each cell's process builds only its tenants (context ``paved-road:fleet-cell``).
"""

from __future__ import annotations

import json
from pathlib import Path

from aws_cdk import Stack
from constructs import Construct

from paved_road import Criticality, Tenant, TenantFunctionFleet

HERE = Path(__file__).resolve().parent


def tenants() -> list[Tenant]:
    data = json.loads((HERE / "tenants.json").read_text(encoding="utf-8"))
    return [
        Tenant(
            t["id"],
            untrusted=t.get("untrusted", False),
            reserved_concurrency=t.get("reserved_concurrency"),
            retired=t.get("retired", False),
        )
        for t in data["tenants"]
    ]


def build(app: Construct) -> list[Stack]:
    fleet = TenantFunctionFleet(
        app,
        "PavedRoadTenantFleet",
        tenants=tenants(),
        code=str(HERE / "code"),
        name_prefix="fleet",
        criticality=Criticality.STANDARD,
    )
    return list(fleet.stacks)
