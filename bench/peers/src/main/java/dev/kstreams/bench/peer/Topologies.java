package dev.kstreams.bench.peer;

import io.apicurio.registry.serde.avro.AvroSerde;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.kstream.WindowedSerdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The benchmark topologies. The C++ side builds the same ones; keep both in step. All serdes are
 * explicit (no default.key/value.serde is configured, so a missing one fails loudly).
 */
final class Topologies {
    static final List<String> IMPLEMENTED = List.of("passthrough", "stateless", "count", "windowed-count", "avro");

    /**
     * The avro workload's schemas: character for character the C++ side's (sbs::kAvroOrderSchema,
     * sbs::kAvroSummarySchema in bench/side_by_side/common.h).
     */
    static final String AVRO_ORDER_SCHEMA = "{\"type\":\"record\",\"name\":\"BenchOrder\",\"namespace\":\"kstreams.bench\",\"fields\":["
            + "{\"name\":\"seq\",\"type\":\"long\"},{\"name\":\"customer\",\"type\":\"string\"},"
            + "{\"name\":\"cents\",\"type\":\"long\"},{\"name\":\"weight\",\"type\":\"double\"},"
            + "{\"name\":\"paid\",\"type\":\"boolean\"}]}";
    static final String AVRO_SUMMARY_SCHEMA = "{\"type\":\"record\",\"name\":\"BenchOrderSummary\",\"namespace\":\"kstreams.bench\",\"fields\":["
            + "{\"name\":\"seq\",\"type\":\"long\"},{\"name\":\"customer\",\"type\":\"string\"},"
            + "{\"name\":\"cents\",\"type\":\"long\"}]}";
    static final String NO_REGISTRY = "http://registry.invalid/apis/ccompat/v7";

    /**
     * Apicurio's Avro serde (2.6.x) for GenericRecord, writing and reading the Confluent framing (magic 0 +
     * 4-byte content id, no headers) through the v2 API of the same registry whose Confluent-compatible API
     * ({@code <base>/apis/ccompat/v7}) the C++ side uses; ccompat ids are Apicurio content ids.
     */
    static Serde<GenericRecord> avroSerde(String registryUrl) {
        Map<String, Object> config = new HashMap<>();
        config.put("apicurio.registry.url", registryUrl.replace("/apis/ccompat/v7", "/apis/registry/v2"));
        config.put("apicurio.registry.auto-register", "true");
        config.put("apicurio.registry.as-confluent", "true");
        config.put("apicurio.registry.use-id", "contentId");
        config.put("apicurio.registry.headers.enabled", "false");
        AvroSerde<GenericRecord> serde = new AvroSerde<>();
        serde.configure(config, false);
        return serde;
    }
    /** Accepted names whose C++ counterpart does not exist yet: the peer exits 2 for them. */
    static final List<String> PENDING = List.of();
    /** windowed-count's tumbling window; equals kWindowSizeMs in bench/side_by_side/common.h. */
    static final long WINDOW_MS = 10_000;

    private Topologies() {
    }

    /** {@code config}: the application's StreamsConfig properties (topology-level settings). */
    static Topology build(String workload, String input, String output, Properties config) {
        return build(workload, input, output, config, NO_REGISTRY);
    }

    /** {@code registryUrl}: the avro workload's registry, its Confluent-compatible API. */
    static Topology build(String workload, String input, String output, Properties config, String registryUrl) {
        StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(new StreamsConfig(config)));
        switch (workload) {
            case "passthrough":
                builder.stream(input, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                        .to(output, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
                break;
            case "stateless":
                builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                        .filter((k, v) -> seq(v) % 2 == 0)
                        .mapValues(v -> v.toUpperCase(Locale.ROOT))
                        .to(output, Produced.with(Serdes.String(), Serdes.String()));
                break;
            case "count":
                // groupByKey without a key change: no repartition topic. The store is the default
                // persistent (RocksDB) key-value store with a changelog topic, behind the record cache.
                builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as("counts")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(Serdes.Long()))
                        .toStream()
                        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
                break;
            case "windowed-count":
                // Event time = the record timestamps the driver sets; tumbling windows without grace.
                // The record cache is off for this store on both sides (kstreams has none in front of
                // window stores yet), so every update is emitted.
                builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                        .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(WINDOW_MS)))
                        .count(Materialized.<String, Long, WindowStore<Bytes, byte[]>>as("windowed-counts")
                                .withKeySerde(Serdes.String())
                                .withValueSerde(Serdes.Long())
                                .withCachingDisabled())
                        .toStream()
                        .to(output, Produced.with(WindowedSerdes.timeWindowedSerdeFrom(String.class, WINDOW_MS),
                                Serdes.Long()));
                break;
            case "avro": {
                Schema summary = new Schema.Parser().parse(AVRO_SUMMARY_SCHEMA);
                builder.stream(input, Consumed.with(Serdes.String(), avroSerde(registryUrl)))
                        .filter((k, v) -> (Boolean) v.get("paid"))
                        .mapValues(v -> {
                            GenericRecord r = new GenericData.Record(summary);
                            r.put("seq", v.get("seq"));
                            r.put("customer", v.get("customer").toString().toUpperCase(Locale.ROOT));
                            r.put("cents", v.get("cents"));
                            return r;
                        })
                        .to(output, Produced.with(Serdes.String(), avroSerde(registryUrl)));
                break;
            }
            default:
                throw new IllegalArgumentException("unknown workload '" + workload + "'");
        }
        return builder.build();
    }

    /**
     * The sequence number of an input value "{@code <decimal seq>|<padding>}": the digits before
     * the first '|' (or the whole value when there is none). Anything else is a malformed input
     * and fails the stream thread (the input comes from {@code --mode load}; a bad record is a bug).
     */
    static long seq(String v) {
        if (v == null) {
            throw new IllegalArgumentException("stateless workload: null value");
        }
        int n = v.length();
        long seq = 0;
        int i = 0;
        for (; i < n; i++) {
            char c = v.charAt(i);
            if (c == '|') {
                break;
            }
            if (c < '0' || c > '9' || i >= 18) {
                throw new IllegalArgumentException("stateless workload: value does not start with a decimal sequence number: '"
                        + (n > 40 ? v.substring(0, 40) + "..." : v) + "'");
            }
            seq = seq * 10 + (c - '0');
        }
        if (i == 0) {
            throw new IllegalArgumentException("stateless workload: empty sequence number");
        }
        return seq;
    }
}
