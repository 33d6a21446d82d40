package dev.kstreams.bench.peer;

import java.util.Properties;
import java.util.Set;

import org.apache.kafka.streams.StreamsConfig;

/**
 * The Java Kafka Streams peer of the kstreams benchmarks. See bench/peers/README.md.
 *
 * <p>Exit codes: 0 ok, 1 failure (runtime error, verification failed), 2 workload not
 * implemented on the C++ side yet, 64 usage error.
 */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_FAILURE = 1;
    static final int EXIT_NOT_IMPLEMENTED = 2;
    static final int EXIT_USAGE = 64;

    static final String USAGE = String.join("\n",
            "usage: java -jar kstreams-bench-peer.jar [--mode streams] --bootstrap-servers B --application-id A",
            "           --input T --output O --workload passthrough|stateless|count|windowed-count|avro --threads N [--registry-url U]",
            "           [--commit-interval-ms 1000] [--cache-max-bytes 10485760] [--linger-ms 5]",
            "           [--batch-size 1048576] [--acks 1] [--state-dir /tmp/kstreams-peer]",
            "       ... --mode load --bootstrap-servers B --topic T --records N [--value-bytes 100] [--keys 10000]",
            "           [--acks 1] [--linger-ms 5] [--batch-size 1048576] [--compression none]",
            "       ... --mode verify --bootstrap-servers B --topic O --expected N [--timeout-s 120]",
            "           [--check records|passthrough|stateless|count] [--keys K]",
            "       ... --mode create-topics --bootstrap-servers B --topics T1,T2 --partitions P [--replication-factor 1]",
            "       ... --mode delete-topics --bootstrap-servers B --topics T1,T2",
            "       ... --mode describe --workload W --input T --output O   (prints Topology#describe())",
            "streams mode prints RUNNING once KafkaStreams is RUNNING and STOPPED after a clean close on SIGTERM.",
            "exit codes: 0 ok, 1 failure, 2 workload not implemented on the C++ side yet, 64 usage error");

    private Main() {
    }

    public static void main(String[] argv) {
        int code;
        try {
            code = run(argv);
        } catch (Args.UsageException e) {
            System.err.println("kstreams-bench-peer: " + e.getMessage());
            System.err.println(USAGE);
            code = EXIT_USAGE;
        } catch (InterruptedException e) {
            System.err.println("kstreams-bench-peer: interrupted");
            code = EXIT_FAILURE;
        } catch (Exception e) {
            System.err.println("kstreams-bench-peer: error: " + e);
            e.printStackTrace(System.err);
            code = EXIT_FAILURE;
        }
        System.out.flush();
        Proc.printPeakRss();
        System.err.flush();
        System.exit(code);
    }

    private static int run(String[] argv) throws Exception {
        Args args = Args.parse(argv);
        if (args.has("help")) {
            System.out.println(USAGE);
            return EXIT_OK;
        }
        String mode = args.get("mode", "streams");
        switch (mode) {
            case "streams":
                return StreamsPeer.run(args);
            case "load":
                return Loader.run(args);
            case "verify":
                return Verifier.run(args);
            case "create-topics":
                return Topics.create(args);
            case "delete-topics":
                return Topics.delete(args);
            case "describe":
                args.allowOnly("describe", Set.of("workload", "input", "output"));
                String workload = StreamsPeer.workload(args);
                if (Topologies.PENDING.contains(workload)) {
                    System.err.println("kstreams-bench-peer: workload " + workload + ": not implemented on the C++ side yet");
                    return EXIT_NOT_IMPLEMENTED;
                }
                Properties props = new Properties();
                props.put(StreamsConfig.APPLICATION_ID_CONFIG, "describe");
                props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
                props.put("processing.exception.handler.global.enabled", "true");
                System.out.print(Topologies.build(workload, args.required("input"), args.required("output"), props).describe());
                return EXIT_OK;
            default:
                throw new Args.UsageException("unknown --mode '" + mode + "'");
        }
    }
}
