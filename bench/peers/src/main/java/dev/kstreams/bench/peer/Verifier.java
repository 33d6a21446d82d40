package dev.kstreams.bench.peer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * {@code --mode verify}: reads a topic from the beginning of every partition (assign + seek, no
 * consumer group, nothing committed) until the expectation holds or --timeout-s passes.
 *
 * <ul>
 *   <li>{@code --check records} (default): exactly --expected records.</li>
 *   <li>{@code --check passthrough}: as records, and every value is an input value
 *       ("&lt;seq&gt;|xxx…") with each sequence number seen once.</li>
 *   <li>{@code --check stateless}: as records, and every value is an upper-cased input value with
 *       an even sequence number, each seen once (--expected = number of even seqs in the input).</li>
 *   <li>{@code --check count}: keys are strings, values 8-byte big-endian longs; the latest count
 *       per key must sum to --expected (= the number of input records). The number of output
 *       records depends on caching and commits and is only reported.</li>
 * </ul>
 * With --keys K, keys must be "key-&lt;seq mod K&gt;" (records checks) or number min(K, expected)
 * distinct keys (count). Exit 0 with result=OK, else 1 (TIMEOUT, TOO_MANY, DUPLICATES, BAD_RECORD).
 * Records already in the topic beyond the expected ones make the record checks fail (TOO_MANY).
 */
final class Verifier {
    static final Set<String> OPTIONS = Set.of("bootstrap-servers", "topic", "expected", "timeout-s", "check", "keys");
    private static final Set<String> CHECKS = Set.of("records", "passthrough", "stateless", "count");

    private final String check;
    private final long expected;
    private final long keys; // 0: not checked

    private long records;
    private long duplicates;
    private final BitSet seen = new BitSet();
    private final Map<String, Long> latest = new HashMap<>();
    private long sum;
    private long minTs = Long.MAX_VALUE;
    private long maxTs = Long.MIN_VALUE;
    private String bad;

    private Verifier(String check, long expected, long keys) {
        this.check = check;
        this.expected = expected;
        this.keys = keys;
    }

    static int run(Args args) throws Exception {
        args.allowOnly("verify", OPTIONS);
        String bootstrap = args.required("bootstrap-servers");
        String topic = args.required("topic");
        long expected = args.requiredLong("expected", 0);
        long timeoutMs = args.getLong("timeout-s", 120, 0) * 1000;
        String check = args.get("check", "records");
        if (!CHECKS.contains(check)) {
            throw new Args.UsageException("--check must be one of records|passthrough|stateless|count, got '" + check + "'");
        }
        long keys = args.getLong("keys", 0, 1);
        return new Verifier(check, expected, keys).verify(bootstrap, topic, timeoutMs);
    }

    private int verify(String bootstrap, String topic, long timeoutMs) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "kstreams-bench-peer-verify");

        long start = System.nanoTime();
        long deadline = start + timeoutMs * 1_000_000L;
        long firstRecordNs = -1;
        String result;
        long remaining = 0;
        int partitions = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = waitForPartitions(consumer, topic, deadline);
            partitions = tps.size();
            if (tps.isEmpty()) {
                result = "NO_TOPIC";
            } else {
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                result = done() ? "OK" : "TIMEOUT";
                while (result.equals("TIMEOUT") && System.nanoTime() < deadline) {
                    long leftMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                    ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(Math.min(200, leftMs)));
                    if (!batch.isEmpty() && firstRecordNs < 0) {
                        firstRecordNs = System.nanoTime();
                    }
                    for (ConsumerRecord<byte[], byte[]> r : batch) {
                        accept(r);
                    }
                    if (bad != null) {
                        result = "BAD_RECORD";
                    } else if (overshot()) {
                        result = "TOO_MANY";
                    } else if (done()) {
                        result = "OK";
                    }
                }
                if (result.equals("OK")) {
                    Map<TopicPartition, Long> end = consumer.endOffsets(tps, Duration.ofSeconds(30));
                    for (TopicPartition tp : tps) {
                        remaining += Math.max(0, end.get(tp) - consumer.position(tp, Duration.ofSeconds(30)));
                    }
                    if (remaining > 0 && !check.equals("count")) {
                        result = "TOO_MANY";
                    } else if (duplicates > 0) {
                        result = "DUPLICATES";
                    }
                }
            }
        }
        long now = System.nanoTime();
        StringBuilder line = new StringBuilder();
        line.append("verify: topic=").append(topic)
                .append(" partitions=").append(partitions)
                .append(" check=").append(check)
                .append(" expected=").append(expected)
                .append(" records=").append(records);
        if (check.equals("count")) {
            line.append(" keys_seen=").append(latest.size()).append(" sum_latest=").append(sum);
        } else if (!check.equals("records")) {
            line.append(" distinct=").append(seen.cardinality()).append(" duplicates=").append(duplicates);
        }
        line.append(" unread_after=").append(remaining)
                .append(" first_ts=").append(records > 0 ? minTs : -1)
                .append(" last_ts=").append(records > 0 ? maxTs : -1)
                .append(" ts_span_ms=").append(records > 0 ? maxTs - minTs : 0)
                .append(" first_record_after_ms=").append(firstRecordNs < 0 ? -1 : (firstRecordNs - start) / 1_000_000)
                .append(" wall_ms=").append((now - start) / 1_000_000)
                .append(" result=").append(result);
        System.out.println(line);
        if (bad != null) {
            System.err.println("kstreams-bench-peer: verify: bad record: " + bad);
        }
        return result.equals("OK") ? Main.EXIT_OK : Main.EXIT_FAILURE;
    }

    private static List<TopicPartition> waitForPartitions(KafkaConsumer<?, ?> consumer, String topic, long deadline) {
        while (true) {
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                if (infos != null && !infos.isEmpty()) {
                    List<TopicPartition> tps = new ArrayList<>();
                    for (PartitionInfo pi : infos) {
                        tps.add(new TopicPartition(pi.topic(), pi.partition()));
                    }
                    return tps;
                }
            } catch (TimeoutException e) {
                // broker not reachable yet, or topic metadata not there yet
            }
            if (System.nanoTime() >= deadline) {
                return List.of();
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
        }
    }

    private boolean done() {
        return check.equals("count") ? sum == expected && keysOk() : records == expected;
    }

    private boolean overshot() {
        return check.equals("count") ? sum > expected : records > expected;
    }

    private boolean keysOk() {
        return keys == 0 || latest.size() == Math.min(keys, expected);
    }

    private void accept(ConsumerRecord<byte[], byte[]> r) {
        records++;
        minTs = Math.min(minTs, r.timestamp());
        maxTs = Math.max(maxTs, r.timestamp());
        if (bad != null || check.equals("records")) {
            return;
        }
        String key = r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
        byte[] v = r.value();
        if (check.equals("count")) {
            if (key == null || v == null || v.length != 8) {
                bad = describe(r, "count output needs a string key and an 8-byte long value");
                return;
            }
            long count = ByteBuffer.wrap(v).getLong();
            Long old = latest.put(key, count);
            sum += count - (old == null ? 0 : old);
            return;
        }
        // passthrough / stateless: "<seq>|<padding>" (upper-cased for stateless)
        if (v == null) {
            bad = describe(r, "null value");
            return;
        }
        long seq = 0;
        int i = 0;
        for (; i < v.length && v[i] != '|'; i++) {
            if (v[i] < '0' || v[i] > '9' || i >= 18) {
                bad = describe(r, "value does not start with a decimal sequence number");
                return;
            }
            seq = seq * 10 + (v[i] - '0');
        }
        if (i == 0 || i == v.length) {
            bad = describe(r, "value is not '<seq>|<padding>'");
            return;
        }
        byte pad = check.equals("stateless") ? (byte) 'X' : (byte) 'x';
        for (int j = i + 1; j < v.length; j++) {
            if (v[j] != pad) {
                bad = describe(r, "padding is not all '" + (char) pad + "'");
                return;
            }
        }
        if (check.equals("stateless") && seq % 2 != 0) {
            bad = describe(r, "odd sequence number passed the filter");
            return;
        }
        if (keys > 0 && !("key-" + (seq % keys)).equals(key)) {
            bad = describe(r, "key is not key-<seq mod " + keys + ">");
            return;
        }
        if (seq > Integer.MAX_VALUE - 1) {
            bad = describe(r, "sequence number too large to track");
            return;
        }
        if (seen.get((int) seq)) {
            duplicates++;
        } else {
            seen.set((int) seq);
        }
    }

    private static String describe(ConsumerRecord<byte[], byte[]> r, String why) {
        String v = r.value() == null ? "null"
                : new String(r.value(), 0, Math.min(40, r.value().length), StandardCharsets.UTF_8);
        String k = r.key() == null ? "null" : new String(r.key(), StandardCharsets.UTF_8);
        return why + " (" + r.topic() + "-" + r.partition() + "@" + r.offset() + " key='" + k + "' value='" + v + "')";
    }
}
