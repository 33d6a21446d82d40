#!/usr/bin/env bash
# Kafka Connect standalone for scripts/demo pipeline: FileStreamSink from access-log-avro into a
# file, values read with Apicurio's AvroConverter (Confluent framing, ids from the registry).
#   connect.sh fetch                               jars into ~/.cache/kstreams/connect-4.3.0 (once)
#   connect.sh available                           exit 0 when the jars are there
#   connect.sh run WORKDIR BROKER REGISTRY_URL SINK_FILE   runs the worker in the foreground
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
libs=${KSTREAMS_CONNECT_LIBS:-$HOME/.cache/kstreams/connect-4.3.0/libs}
case "${1:-}" in
  fetch)
    [ -f "$libs/connect-file-4.3.0.jar" ] && exit 0
    mkdir -p "$libs"
    (cd "$here" && mvn -q -s maven-settings.xml -f connect-pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$libs") >&2
    ;;
  available)
    [ -f "$libs/connect-file-4.3.0.jar" ] && [ -f "$libs/connect-runtime-4.3.0.jar" ]
    ;;
  run)
    work=$2 broker=$3 registry=$4 sink=$5
    cat >"$work/connect-worker.properties" <<PROPS
bootstrap.servers=$broker
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=io.apicurio.registry.utils.converter.AvroConverter
value.converter.apicurio.registry.url=$registry/apis/registry/v2
value.converter.apicurio.registry.as-confluent=true
value.converter.apicurio.registry.use-id=contentId
value.converter.apicurio.registry.headers.enabled=false
offset.storage.file.filename=$work/connect.offsets
offset.flush.interval.ms=1000
PROPS
    cat >"$work/connect-sink.properties" <<PROPS
name=access-log-file-sink-$$
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
tasks.max=1
topics=access-log-avro
file=$sink
PROPS
    cat >"$work/connect-log4j2.properties" <<PROPS
rootLogger.level=INFO
rootLogger.appenderRef.out.ref=out
appender.out.type=Console
appender.out.name=out
appender.out.layout.type=PatternLayout
appender.out.layout.pattern=[%d] %p %m (%c)%n
PROPS
    touch "$sink"
    exec java -Xmx512m -Dlog4j2.configurationFile="$work/connect-log4j2.properties" \
      -cp "$libs/*" org.apache.kafka.connect.cli.ConnectStandalone \
      "$work/connect-worker.properties" "$work/connect-sink.properties"
    ;;
  *)
    echo "usage: connect.sh fetch|available|run WORKDIR BROKER REGISTRY_URL SINK_FILE" >&2
    exit 2
    ;;
esac
