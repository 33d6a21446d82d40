#!/usr/bin/env bash
# Runs the schema-evolution example (with a registry: tests/install/with_registry.sh) and checks
# what it must show: v2 accepted, old and new readers reading everything, v3 refused by the
# registry (409) and by kstreams at start for both the writer and the reader topology.
# Usage: check_schema_evolution_example.sh <repository root> <schema-evolution binary>
set -euo pipefail
root=$1
binary=$2
out=$("$root/tests/install/with_registry.sh" "$root" "$binary" 2>/dev/null)
echo "$out"
expect() {
  if ! grep -qF -- "$1" <<<"$out"; then
    echo "check_schema_evolution_example: missing: $1" >&2
    exit 1
  fi
}
expect "The registry accepts it under BACKWARD: version 2"
expect "An old reader (v1) reads all 60 records: 30 written with v1, 30 with v2"
expect "A new reader (v2, a kstreams application) reads all 60 records"
expect "The registry refuses it (HTTP 409)"
expect "would refuse to register the topology's schema:"
expect "the new schema cannot read data written with version 2: AccessLogEntry.status: the writer's int cannot be read as the reader's string"
expect "version 2 (id"
expect ") cannot be read with the topology's schema: AccessLogEntry.status"
echo "check_schema_evolution_example: ok"
