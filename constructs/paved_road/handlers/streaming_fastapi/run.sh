#!/bin/bash
# Started by the Lambda Web Adapter (AWS_LAMBDA_EXEC_WRAPPER=/opt/bootstrap): serve the app
# on $PORT; the adapter forwards invocations to it once /health answers.
exec python -m uvicorn --host 0.0.0.0 --port "${PORT:-8080}" app:app
