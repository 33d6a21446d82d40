package dev.kstreams.bench.peer;

import java.time.Duration;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * The default mode: runs one workload until SIGTERM.
 *
 * <p>stdout carries exactly "RUNNING" (once, when KafkaStreams first reaches RUNNING) and
 * "STOPPED" (after a clean close on SIGTERM/SIGINT, exit 0). Everything else goes to stderr.
 * A stream thread failure shuts the client down (state ERROR) and exits 1 without "STOPPED";
 * a close that does not finish within 30 s also exits 1 (and prints no "STOPPED").
 */
final class StreamsPeer {
    static final Set<String> OPTIONS = Set.of("bootstrap-servers", "application-id", "input", "output", "workload",
            "threads", "commit-interval-ms", "cache-max-bytes", "linger-ms", "batch-size", "acks", "state-dir",
            "rocksdb-block-cache-bytes", "rocksdb-write-buffer-bytes", "registry-url");

    private StreamsPeer() {
    }

    static String workload(Args args) throws Args.UsageException {
        String workload = args.required("workload");
        if (!Topologies.IMPLEMENTED.contains(workload) && !Topologies.PENDING.contains(workload)) {
            throw new Args.UsageException("unknown --workload '" + workload + "' (one of "
                    + String.join("|", Topologies.IMPLEMENTED) + "; pending: " + String.join("|", Topologies.PENDING) + ")");
        }
        return workload;
    }

    static Properties config(Args args) throws Args.UsageException {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, args.required("application-id"));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args.required("bootstrap-servers"));
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, args.requiredInt("threads", 1));
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args.getLong("commit-interval-ms", 1000, 0));
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, args.getLong("cache-max-bytes", 10_485_760L, 0));
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
        p.put(StreamsConfig.STATE_DIR_CONFIG, args.get("state-dir", "/tmp/kstreams-peer"));
        // Applies to the main consumer (the restore consumer always uses "none").
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), args.getLong("linger-ms", 5, 0));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), args.getInt("batch-size", 1_048_576, 0));
        p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), acks(args.get("acks", "1")));
        // kstreams' RocksDB memory budget (state.rocksdb.block.cache.bytes / write.buffer.bytes).
        BoundedMemoryRocksDBConfig.configure(args.getLong("rocksdb-block-cache-bytes", 64L << 20, 1),
                args.getLong("rocksdb-write-buffer-bytes", 32L << 20, 1));
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedMemoryRocksDBConfig.class);
        // No global stores here; only silences Kafka 4.x's start-up WARN asking for this opt-in.
        p.put("processing.exception.handler.global.enabled", "true");
        return p;
    }

    static String acks(String acks) throws Args.UsageException {
        switch (acks) {
            case "0":
            case "1":
            case "all":
                return acks;
            case "-1":
                return "all";
            default:
                throw new Args.UsageException("--acks must be 0, 1, all or -1, got '" + acks + "'");
        }
    }

    static int run(Args args) throws Exception {
        args.allowOnly("streams", OPTIONS);
        String workload = workload(args);
        Properties props = config(args);
        String input = args.required("input");
        String output = args.required("output");
        if (Topologies.PENDING.contains(workload)) {
            System.err.println("kstreams-bench-peer: workload " + workload + ": not implemented on the C++ side yet");
            return Main.EXIT_NOT_IMPLEMENTED;
        }
        Topology topology = Topologies.build(workload, input, output, props,
                args.get("registry-url", Topologies.NO_REGISTRY));
        System.err.println("kstreams-bench-peer: workload=" + workload + " input=" + input + " output=" + output
                + " application.id=" + props.get(StreamsConfig.APPLICATION_ID_CONFIG)
                + " threads=" + props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)
                + " commit.interval.ms=" + props.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)
                + " statestore.cache.max.bytes=" + props.get(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG)
                + " linger.ms=" + props.get(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG))
                + " batch.size=" + props.get(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG))
                + " acks=" + props.get(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG))
                + " rocksdb.config.setter=" + BoundedMemoryRocksDBConfig.class.getSimpleName()
                + " state.dir=" + props.get(StreamsConfig.STATE_DIR_CONFIG));

        KafkaStreams streams = new KafkaStreams(topology, props);
        AtomicBoolean running = new AtomicBoolean(false);
        AtomicBoolean failed = new AtomicBoolean(false);
        AtomicBoolean stopRequested = new AtomicBoolean(false);
        CountDownLatch wake = new CountDownLatch(1); // a stop signal or state ERROR

        streams.setUncaughtExceptionHandler(e -> {
            failed.set(true);
            System.err.println("kstreams-bench-peer: stream thread failed: " + e);
            e.printStackTrace(System.err);
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((newState, oldState) -> {
            if (newState == KafkaStreams.State.RUNNING && running.compareAndSet(false, true)) {
                System.out.println("RUNNING");
                System.out.flush();
            } else if (newState == KafkaStreams.State.ERROR) {
                failed.set(true);
                wake.countDown();
            }
        });

        // SIGTERM/SIGINT: handled here rather than by the JVM's default (which would run the
        // shutdown hooks and then exit 143/130) so that the main thread can close KafkaStreams
        // and leave through System.exit(0): the normal shutdown sequence then also runs
        // deleteOnExit (RocksDB's native library extracted to java.io.tmpdir).
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> {
                    stopRequested.set(true);
                    wake.countDown();
                });
            } catch (IllegalArgumentException e) {
                System.err.println("kstreams-bench-peer: cannot handle SIG" + name + ": " + e.getMessage());
            }
        }
        // Any other way out (SIGHUP, System.exit from elsewhere): still close the client.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(Duration.ofSeconds(30)),
                "kstreams-bench-peer-shutdown"));

        try {
            streams.start();
        } catch (RuntimeException e) {
            streams.close(Duration.ofSeconds(30));
            throw e;
        }
        wake.await();
        if (failed.get()) {
            System.err.println("kstreams-bench-peer: KafkaStreams entered state ERROR");
        }
        int code = failed.get() ? Main.EXIT_FAILURE : Main.EXIT_OK;
        if (!streams.close(Duration.ofSeconds(30))) {
            System.err.println("kstreams-bench-peer: KafkaStreams.close did not finish within 30 s");
            code = Main.EXIT_FAILURE;
        }
        if (failed.get()) {
            code = Main.EXIT_FAILURE;
        }
        if (code == Main.EXIT_OK && stopRequested.get()) {
            System.out.println("STOPPED");
            System.out.flush();
        }
        return code; // Main prints the peak RSS and calls System.exit(code)
    }
}
