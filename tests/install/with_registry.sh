#!/usr/bin/env bash
# Runs a command with KSTREAMS_REGISTRY_URL pointing at a schema registry's base URL: the one
# given in KSTREAMS_REGISTRY_URL, else the one scripts/registry already runs, else one started
# here (and stopped again when the command ends).
# Usage: with_registry.sh <repository root> <command> [args...]
set -euo pipefail
root=$1
shift
started=0
if [ -z "${KSTREAMS_REGISTRY_URL:-}" ]; then
  if url=$("$root/scripts/registry" status 2>/dev/null); then
    echo "with_registry: reusing the registry at $url" >&2
  else
    url=$("$root/scripts/registry" start)
    started=1
  fi
  export KSTREAMS_REGISTRY_URL=$url
fi
rc=0
"$@" || rc=$?
if [ "$started" = 1 ]; then "$root/scripts/registry" stop >/dev/null 2>&1 || true; fi
exit "$rc"
