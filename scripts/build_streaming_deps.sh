#!/usr/bin/env bash
# Build the FastAPI/uvicorn layer of the Python streaming example without Docker:
# pip downloads manylinux aarch64 CPython 3.14 wheels (pydantic-core is compiled) into
# build/streaming-deps/python, the layer StreamingFunction attaches. Idempotent: skipped
# while requirements.txt is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=constructs/paved_road/handlers/streaming_fastapi/requirements.txt
target=build/streaming-deps
stamp="$target/.requirements.sha256"
python=${PYTHON:-.venv/bin/python}
wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$wanted" && -d "$target/python" ]]; then
  echo "streaming deps: up to date ($target)"
  exit 0
fi
rm -rf "$target"
"$python" -m pip install --quiet --disable-pip-version-check --no-compile \
  --target "$target/python" --platform manylinux2014_aarch64 --implementation cp \
  --python-version 3.14 --only-binary=:all: -r "$requirements" \
  2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
rm -rf "$target"/python/*.dist-info/RECORD "$target"/python/bin
echo "$wanted" > "$stamp"
echo "streaming deps: built $target ($(du -sh "$target" | cut -f1))"
