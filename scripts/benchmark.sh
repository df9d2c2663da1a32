#!/usr/bin/env bash
# Set up, then run the fleet-scale synth benchmark (benchmarks/fleet_synth.py): the
# hand-written L2 units vs QueueConsumer and TenantFunctionFleet at N = 200 and 2,000,
# with and without enforce(app), three interleaved repetitions (about 10 minutes on
# 2 cores). Arguments pass through, e.g. --sizes 10000 or --cells-tenants 10000.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
python benchmarks/fleet_synth.py "$@"
