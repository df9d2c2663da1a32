"""Synthesize only the events sample:
``cdk synth --app "python sample_apps/event_driven/app.py"``."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aws_cdk import App

from event_driven.stack import build
from paved_road.guardrails import enforce

app = App()
build(app)
enforce(app, strict=str(app.node.try_get_context("paved-road:strict")).lower() == "true")
app.synth()
