#!/bin/sh
# The container's start: unpack the bundled model into the workspace volume on first start (skipped once
# done), then serve on all interfaces. Sign-in: mount USER:PASSWORD lines at $STUDIO_AUTH_FILE (the
# manifests mount the optional Secret tutor-studio-users there). Extra arguments go to `serve`.
set -eu
auth_file="${STUDIO_AUTH_FILE:-/etc/tutor-studio/users}"
tutor-studio doctor --prepare --no-hub --workspace "$STUDIO_HOME"
if [ -s "$auth_file" ]; then
    set -- --auth-file "$auth_file" "$@"
fi
exec tutor-studio serve --host 0.0.0.0 --port "${STUDIO_PORT:-7860}" --workspace "$STUDIO_HOME" "$@"
