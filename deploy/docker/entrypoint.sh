#!/bin/sh
# Container entrypoint of every BranchOps service image.
#
# The service's own settings decide where it listens: <PREFIX>_HOST and <PREFIX>_PORT (QUEUE_HOST,
# QUEUE_PORT, ...; port 0 or unset means the service's default port). They are handed to uvicorn as
# UVICORN_HOST / UVICORN_PORT, so the settings class stays the single source of truth. Inside a
# container the default host is 0.0.0.0 (the settings default 127.0.0.1 would be unreachable).
# Then the command runs in place of this shell (exec), so it is PID 1 and receives SIGTERM directly:
# uvicorn drains (consumers commit, the outbox flushes) within UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN.
set -eu

: "${APP_SERVICE:?APP_SERVICE is not set (the image sets it from the SERVICE build argument)}"
: "${APP_DEFAULT_PORT:?APP_DEFAULT_PORT is not set (the image sets it from the PORT build argument)}"

prefix=$(printf '%s' "$APP_SERVICE" | tr '[:lower:]-' '[:upper:]_')
case "$prefix" in
    *[!A-Z0-9_]*) echo "entrypoint: invalid service name '$APP_SERVICE'" >&2; exit 64 ;;
esac

host=$(printenv "${prefix}_HOST" || true)
port=$(printenv "${prefix}_PORT" || true)
[ -n "$host" ] || host=0.0.0.0
if [ -z "$port" ] || [ "$port" = "0" ]; then
    port=$APP_DEFAULT_PORT
fi

export UVICORN_HOST="$host" UVICORN_PORT="$port"
exec "$@"
