package dev.kstreams.bench.peer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * {@code --mode load}: produces the benchmark input. Record {@code seq} (0..N-1) has key
 * "key-&lt;seq mod keys&gt;" and the ASCII value "&lt;seq&gt;|xxx…" padded with 'x' to exactly
 * --value-bytes bytes (longer only when the number and '|' alone do not fit). Partitioning is the
 * Java client's default (murmur2 of the key bytes), compression "none" unless --compression says
 * otherwise, record timestamps are the producer's CreateTime.
 */
final class Loader {
    static final Set<String> OPTIONS = Set.of("bootstrap-servers", "topic", "records", "value-bytes", "keys", "acks",
            "linger-ms", "batch-size", "compression");

    private Loader() {
    }

    /** The value of record {@code seq}: "&lt;seq&gt;|" then 'x' up to {@code valueBytes} bytes. */
    static byte[] value(long seq, int valueBytes) {
        byte[] digits = Long.toString(seq).getBytes(StandardCharsets.US_ASCII);
        byte[] v = new byte[Math.max(valueBytes, digits.length + 1)];
        System.arraycopy(digits, 0, v, 0, digits.length);
        v[digits.length] = '|';
        Arrays.fill(v, digits.length + 1, v.length, (byte) 'x');
        return v;
    }

    static int run(Args args) throws Exception {
        args.allowOnly("load", OPTIONS);
        String bootstrap = args.required("bootstrap-servers");
        String topic = args.required("topic");
        long records = args.requiredLong("records", 0);
        int valueBytes = args.getInt("value-bytes", 100, 0);
        long keys = args.getLong("keys", 10_000, 1);
        String acks = StreamsPeer.acks(args.get("acks", "1"));
        String compression = args.get("compression", "none");

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, acks);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, Boolean.toString(acks.equals("all")));
        p.put(ProducerConfig.LINGER_MS_CONFIG, args.getLong("linger-ms", 5, 0));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, args.getInt("batch-size", 1_048_576, 0));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 64L * 1024 * 1024);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "kstreams-bench-peer-load");

        AtomicLong failures = new AtomicLong();
        AtomicReference<Exception> firstFailure = new AtomicReference<>();
        long bytes = 0;
        long start = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (long seq = 0; seq < records; seq++) {
                byte[] key = ("key-" + (seq % keys)).getBytes(StandardCharsets.US_ASCII);
                byte[] value = value(seq, valueBytes);
                bytes += key.length + value.length;
                producer.send(new ProducerRecord<>(topic, key, value), (md, e) -> {
                    if (e != null) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, e);
                    }
                });
                if (failures.get() > 0) {
                    break;
                }
            }
            producer.flush();
        }
        long wallNs = System.nanoTime() - start;
        double wallS = wallNs / 1e9;
        if (failures.get() > 0) {
            System.err.println("kstreams-bench-peer: load failed: " + failures.get() + " send(s) failed, first: " + firstFailure.get());
            return Main.EXIT_FAILURE;
        }
        System.out.printf("load: topic=%s records=%d value_bytes=%d keys=%d acks=%s compression=%s bytes=%d wall_ms=%d records_per_s=%.0f%n",
                topic, records, valueBytes, keys, acks, compression, bytes, wallNs / 1_000_000,
                wallS > 0 ? records / wallS : 0.0);
        return Main.EXIT_OK;
    }
}
