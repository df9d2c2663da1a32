#!/usr/bin/env bash
# The main job: set up, then `cdk synth` every sample app (sample_apps/app.py)
# through the real CDK CLI under the paved-road guardrails, writing cdk.out/,
# and print a summary (stacks, resources, guardrail findings).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
rm -rf cdk.out
echo "run: cdk synth (all sample apps, guardrails enforced)"
cdk synth --quiet --no-notices --ci "$@"
paved-road synth-summary cdk.out
