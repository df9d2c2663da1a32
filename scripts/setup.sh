#!/usr/bin/env bash
# Idempotent project setup: a local virtualenv (.venv) with paved-road and its dev
# dependencies, and the pinned AWS CDK CLI from package.json (node_modules/).
# Sourced by scripts/run.sh and scripts/test.sh; safe to run again (it only redoes
# what changed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export JSII_DEPRECATED=quiet
export CDK_DISABLE_CLI_TELEMETRY=true
export CDK_DISABLE_VERSION_CHECK=true
export PIP_DISABLE_PIP_VERSION_CHECK=1

python_bin="${PYTHON:-}"
if [ -z "$python_bin" ]; then
  for candidate in python3.13 python3.12 python3.11 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      python_bin="$candidate"; break
    fi
  done
fi
if [ -z "$python_bin" ]; then
  echo "setup: Python >= 3.11 is required (set PYTHON=/path/to/python3.11+)" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup: Node.js >= 20 with npm is required for the AWS CDK CLI" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $("$python_bin" --version)"
  "$python_bin" -m venv .venv
fi
stamp=.venv/.paved-road-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing paved-road and dev dependencies into .venv"
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --upgrade pip &&
         .venv/bin/python -m pip install -e '.[dev]'; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: pip install failed (log above, also in $log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
# FastAPI/uvicorn layer of the Python response-streaming example (pip, no Docker)
bash scripts/build_streaming_deps.sh
if [ ! -x node_modules/.bin/cdk ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing the pinned AWS CDK CLI (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$root/.venv/bin:$root/node_modules/.bin:$PATH"
export VIRTUAL_ENV="$root/.venv"
