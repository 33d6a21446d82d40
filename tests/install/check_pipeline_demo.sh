#!/usr/bin/env bash
# Runs scripts/pipeline-support/pipeline.sh (rsyslog -> access-log -> kstreams -> access-log-avro
# -> Kafka Connect -> a file) on the real broker and checks its report for the bundled sample:
# 60 records as JSON lines, all 60 in the Connect sink file, 3 malformed lines in the DLQ.
# Exits 77 (skipped) without rsyslog's omkafka or a running broker.
# Usage: check_pipeline_demo.sh <repository root>
set -euo pipefail
root=$1
command -v rsyslogd >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ] || {
  echo "check_pipeline_demo: rsyslog-kafka is not installed (scripts/setup)" >&2; exit 77; }
"$root/scripts/kafka" status >/dev/null 2>&1 || {
  echo "check_pipeline_demo: no broker running (scripts/kafka start)" >&2; exit 77; }
# Drop the topics afterwards: the access-log example's broker test reads `access-log` too.
out=$(KSTREAMS_PIPELINE_DROP_TOPICS=1 "$root/scripts/pipeline-support/pipeline.sh")
echo "$out"
json=$(grep -c '^{"bytes":' <<<"$out" || true)
[ "$json" = 60 ] || { echo "check_pipeline_demo: $json JSON lines, expected 60" >&2; exit 1; }
grep -qx '60 records in the Connect sink file' <<<"$out" || {
  echo "check_pipeline_demo: Connect sink file count wrong or missing" >&2; exit 1; }
grep -qx '3 malformed lines sent to access-log-dlq' <<<"$out" || {
  echo "check_pipeline_demo: DLQ count wrong" >&2; exit 1; }
echo "check_pipeline_demo: ok"
