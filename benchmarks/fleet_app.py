"""The P4 benchmark app: a TenantFunctionFleet of ``$FLEET_BENCH_TENANTS`` tenants under
``enforce(app)``, synthesized one cell per process by ``paved-road fleet synth --cells N``
(see fleet_synth.py). On exit it writes its peak RSS (Python and its jsii Node kernel) to
``$FLEET_BENCH_RSS_DIR/<cell>.json``.

The built-in CloudFormation validator is off unless ``FLEET_BENCH_CFN_VALIDATION=1``: a
fleet app turns it off (its templates are the fleet's fixed L1 shape, linted by the test
suite), see docs/performance.md.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from aws_cdk import App
from fleet_synth import CODE_DIR, child_peak_rss_mb, own_peak_rss_mb

from paved_road.fleet import CELL_CONTEXT, Tenant, TenantFunctionFleet
from paved_road.guardrails import enforce

tenants = int(os.environ.get("FLEET_BENCH_TENANTS", "200"))
app = App(builtin_cloud_formation_validation=os.environ.get("FLEET_BENCH_CFN_VALIDATION") == "1")
TenantFunctionFleet(
    app, "Fleet", code=str(CODE_DIR), tenants=[Tenant(f"t{i:05d}") for i in range(tenants)]
)
enforce(app)
app.synth()
rss_dir = os.environ.get("FLEET_BENCH_RSS_DIR")
if rss_dir:
    cell = str(app.node.try_get_context(CELL_CONTEXT) or "0/1").replace("/", "-of-")
    Path(rss_dir, f"{cell}.json").write_text(
        json.dumps(
            {"cell": cell, "python_rss_mb": own_peak_rss_mb(), "node_rss_mb": child_peak_rss_mb()}
        )
    )
