#!/usr/bin/env bash
# Runs a command with KSTREAMS_SECURE_CLIENT_CONFIG naming a file of librdkafka properties for
# user kstreams on a broker secured with SASL_SSL and ACLs (scripts/kafka start --secure). The
# broker has its own state file, so it runs beside the plain broker of the other tests; one
# that already runs there is reused, else it is started here and stopped when the command ends.
# Usage: with_secure_broker.sh <repository root> <command> [args...]
set -euo pipefail
root=$1
shift
export KSTREAMS_KAFKA_STATE="${KSTREAMS_SECURE_KAFKA_STATE:-/tmp/kstreams-kafka-secure.state}"
started=0
if ! "$root/scripts/kafka" status >/dev/null 2>&1; then
  "$root/scripts/kafka" start --secure >/dev/null
  started=1
fi
config=$(mktemp "${TMPDIR:-/tmp}/kstreams-secure-client.XXXXXX")
chmod 600 "$config"
rc=0
"$root/scripts/kafka" client-config kstreams >"$config" || rc=$?
if [ "$rc" = 0 ]; then
  KSTREAMS_SECURE_CLIENT_CONFIG=$config "$@" || rc=$?
fi
rm -f "$config"
if [ "$started" = 1 ]; then "$root/scripts/kafka" stop >/dev/null 2>&1 || true; fi
exit "$rc"
