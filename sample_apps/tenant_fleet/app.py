"""Synthesize only the TenantFunctionFleet sample (one process, or one cell with
``paved-road fleet synth --cells N --app "python sample_apps/tenant_fleet/app.py"``)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aws_cdk import App
from tenant_fleet.stack import build

from paved_road.guardrails import enforce

app = App()
build(app)
enforce(app, strict=str(app.node.try_get_context("paved-road:strict")).lower() == "true")
app.synth()
