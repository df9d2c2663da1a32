#!/usr/bin/env bash
# Set up, then lint (ruff), type-check (mypy) and run the whole test suite
# (unit, snapshot, handler, guardrail, cfn-lint and CDK CLI integration tests).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
echo "test: ruff"
ruff check .
ruff format --check .
echo "test: mypy"
mypy
echo "test: pytest"
python -m pytest "$@"
