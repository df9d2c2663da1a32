#!/usr/bin/env bash
# Build the FastAPI/uvicorn dependency layer of the Python response-streaming example
# (constructs/paved_road/handlers/streaming_fastapi) without Docker: pip downloads the
# manylinux2014 aarch64 CPython 3.14 wheels (pydantic-core is compiled) of the pinned
# requirements into build/streaming-deps/python, the layer directory StreamingFunction
# reads (paved_road.handlers.streaming.STREAMING_DEPS_DIR). Use it with the python3.14
# runtime on ARM_64.
#
# Idempotent: skipped while the stamp file records the sha256 of requirements.txt (and the
# same target platform). Needs the package index at build time only; never at synth time.
# Run by scripts/setup.sh; PYTHON=/path/to/python picks the pip to use when there is no
# .venv yet.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

requirements=constructs/paved_road/handlers/streaming_fastapi/requirements.txt
target=build/streaming-deps
stamp="$target/.requirements.sha256"
log=build/streaming-deps.log
platform=manylinux2014_aarch64
python_version=3.14

if [ -x .venv/bin/python ]; then
  python=.venv/bin/python
else
  python="${PYTHON:-python3}"
fi

wanted="$(sha256sum "$requirements" | cut -d' ' -f1) $platform cp$python_version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -d "$target/python" ]; then
  echo "streaming deps: up to date ($target, requirements.txt unchanged)"
  exit 0
fi

echo "streaming deps: installing $(tr '\n' ' ' < "$requirements")for $platform, CPython $python_version"
rm -rf "$target"
mkdir -p "$target"
started=$SECONDS
if ! "$python" -m pip install --disable-pip-version-check --no-compile \
     --target "$target/python" \
     --platform "$platform" --implementation cp --python-version "$python_version" \
     --only-binary=:all: -r "$requirements" >"$log" 2>&1; then
  cat "$log" >&2
  echo "streaming deps: pip install failed (log above, also in $log)" >&2
  rm -rf "$target"
  exit 1
fi
# console scripts carry this machine's interpreter path in their shebang: not for Lambda;
# RECORD files list them (and would differ from build to build)
rm -rf "$target/python/bin" "$target"/python/*.dist-info/RECORD
echo "$wanted" > "$stamp"
packages=$(find "$target/python" -maxdepth 1 -name '*.dist-info' | wc -l)
echo "streaming deps: built $target: $packages packages," \
  "$(du -sh "$target/python" | cut -f1) in $((SECONDS - started)) s (pip log: $log)"
