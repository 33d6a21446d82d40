#!/usr/bin/env bash
# Runs the access-log example on the embedded cluster with its bundled sample and checks what it
# prints against the sample itself: one JSON line per well-formed line with status >= 500, and the
# number of malformed lines.
# Usage: check_access_log_example.sh <access-log binary> <sample.log> [--real-broker]
# With --real-broker it runs against $KSTREAMS_BOOTSTRAP_SERVERS (exit 77 = skipped when unset).
set -euo pipefail
bin=$1
sample=$2
shift 2
if [ "${1:-}" = "--real-broker" ]; then
  shift
  if [ -z "${KSTREAMS_BOOTSTRAP_SERVERS:-}" ]; then
    echo "KSTREAMS_BOOTSTRAP_SERVERS is not set: skipped" >&2
    exit 77
  fi
  set -- --bootstrap-servers "$KSTREAMS_BOOTSTRAP_SERVERS" "$@"
fi
out=$("$bin" --input "$sample" "$@" 2>/dev/null)
# Expected from the file, independently of the example's parser: lines whose status field (the
# token after the quoted request) is 5xx, and the three lines the sample has broken on purpose.
want_errors=$(grep -cE '" 5[0-9][0-9] ' "$sample")
got_errors=$(printf '%s\n' "$out" | grep -c '"status":5[0-9][0-9]')
last=$(printf '%s\n' "$out" | tail -n 1)
if [ "$got_errors" != "$want_errors" ] || [ "$last" != "3 malformed lines sent to access-log-dlq" ]; then
  echo "unexpected output: $got_errors error records (want $want_errors), last line: $last" >&2
  printf '%s\n' "$out" >&2
  exit 1
fi
echo "access-log: $got_errors server errors and 3 malformed lines, as in $sample"
