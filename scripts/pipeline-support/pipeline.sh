#!/usr/bin/env bash
# scripts/demo pipeline [--input FILE]: a real log shipper, kstreams and Kafka Connect around a
# real broker and schema registry (the README's "A real pipeline" section).
#   rsyslog (imfile + omkafka) tails FILE into topic access-log;
#   examples/pipeline (kstreams) parses each line into an Avro AccessLogEntry keyed by client IP
#   on access-log-avro through the registry, malformed lines to access-log-dlq;
#   Kafka Connect standalone (FileStreamSink, Apicurio's AvroConverter) sinks access-log-avro
#   into a file;
#   the report: every record decoded as a JSON line, then "N records in the Connect sink file",
#   then "M malformed lines sent to access-log-dlq".
# The broker (scripts/kafka) and the registry (scripts/registry) are reused when running, else
# started for the run and stopped after it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
input=$root/examples/access-log/sample.log
while [ $# -gt 0 ]; do
  case "$1" in
    --input) input=$(realpath "$2"); shift 2 ;;
    *) echo "pipeline: unknown flag $1 (usage: scripts/demo pipeline [--input FILE])" >&2; exit 2 ;;
  esac
done
[ -r "$input" ] || { echo "pipeline: cannot read $input" >&2; exit 2; }
command -v rsyslogd >/dev/null && [ -f /usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so ] || {
  echo "pipeline: rsyslog with omkafka is missing (scripts/setup installs rsyslog-kafka)" >&2; exit 1; }

work=$(mktemp -d /tmp/kstreams-pipeline.XXXXXX)
started_kafka=0 started_registry=0 pids=()
# The demo's topics, emptied at the start (and, with KSTREAMS_PIPELINE_DROP_TOPICS=1 as the
# test sets, dropped at the end: the access-log example uses `access-log` too).
drop_topics() {
  "$root/scripts/kafka" topics --delete --if-exists --topic 'access-log|access-log-avro|access-log-dlq' \
    >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do
    "$root/scripts/kafka" topics --list 2>/dev/null | grep -qE '^access-log(-avro|-dlq)?$' || break
    sleep 0.5
  done
}
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [ "${KSTREAMS_PIPELINE_DROP_TOPICS:-0}" = 1 ] && [ "$started_kafka" = 0 ] && drop_topics
  [ "$started_registry" = 1 ] && "$root/scripts/registry" stop >/dev/null 2>&1 || true
  [ "$started_kafka" = 1 ] && "$root/scripts/kafka" stop >/dev/null 2>&1 || true
  # Keep the work dir (configs, logs, the sink file) with KSTREAMS_KEEP_WORK=1.
  [ "${KSTREAMS_KEEP_WORK:-0}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT

if ! broker=$("$root/scripts/kafka" status 2>/dev/null); then
  broker=$("$root/scripts/kafka" start); started_kafka=1
fi
if ! registry=$("$root/scripts/registry" status 2>/dev/null); then
  registry=$("$root/scripts/registry" start); started_registry=1
fi
echo "pipeline: broker $broker, registry $registry, work dir $work" >&2
# The demo owns its topics: start them empty, so that the report covers this run alone.
drop_topics

# Kafka Connect standalone, when its jars are there (scripts/pipeline-support/connect.sh fetch).
sink=""
if "$root/scripts/pipeline-support/connect.sh" available 2>/dev/null; then
  sink=$work/connect-sink.txt
  "$root/scripts/pipeline-support/connect.sh" run "$work" "$broker" "$registry" "$sink" \
    >"$work/connect.log" 2>&1 &
  pids+=($!)
else
  echo "pipeline: Kafka Connect jars not available; running without the Connect sink" >&2
fi

# kstreams first (it notes where the topics end), then the shipper.
expect=$(grep -c . "$input" || true)
"$root/build/examples/pipeline/pipeline" --bootstrap-servers "$broker" --registry-url "$registry" \
  --expect-lines "$expect" --ready-file "$work/ready" ${sink:+--sink-file "$sink"} \
  --application-id "pipeline-$$" &
app=$!
for _ in $(seq 1 300); do [ -f "$work/ready" ] && break; kill -0 "$app" 2>/dev/null || break; sleep 0.1; done
mkdir -p "$work/rsyslog-state"
sed -e "s|@WORKDIR@|$work|g" -e "s|@INPUT@|$input|g" -e "s|@BROKER@|$broker|g" \
  "$root/scripts/pipeline-support/rsyslog.conf.in" >"$work/rsyslog.conf"
rsyslogd -n -f "$work/rsyslog.conf" -i "$work/rsyslog.pid" >"$work/rsyslog.log" 2>&1 &
pids+=($!)
rc=0
wait "$app" || rc=$?
exit "$rc"
