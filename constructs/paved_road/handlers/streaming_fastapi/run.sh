#!/bin/bash
# Handler of the Python streaming function. The Lambda Web Adapter's wrapper
# (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap) execs "$LAMBDA_TASK_ROOT/$_HANDLER", i.e. this
# script; it replaces itself with uvicorn serving app:app on the adapter's traffic port
# (AWS_LWA_PORT, else PORT, else 8080). Layer code is in /opt/python, which only Lambda's
# own Python bootstrap puts on sys.path, so it is added here (as the adapter's FastAPI
# zip examples do).
cd "$(dirname "$0")" || exit 1
export PYTHONPATH="/opt/python${PYTHONPATH:+:$PYTHONPATH}"
exec python -m uvicorn --host 0.0.0.0 --port "${AWS_LWA_PORT:-${PORT:-8080}}" app:app
