package dev.kstreams.bench.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * {@code --mode create-topics --topics A,B --partitions P [--replication-factor R]}: creates the
 * topics; one that exists already is fine when its partition count matches.
 * {@code --mode delete-topics --topics A,B}: deletes them; missing ones are fine.
 */
final class Topics {
    static final Set<String> CREATE_OPTIONS = Set.of("bootstrap-servers", "topics", "partitions", "replication-factor");
    static final Set<String> DELETE_OPTIONS = Set.of("bootstrap-servers", "topics");

    private Topics() {
    }

    private static List<String> names(Args args) throws Args.UsageException {
        List<String> names = new ArrayList<>();
        for (String t : args.required("topics").split(",")) {
            if (!t.isBlank()) {
                names.add(t.trim());
            }
        }
        if (names.isEmpty()) {
            throw new Args.UsageException("--topics names no topic");
        }
        return names;
    }

    private static Admin admin(Args args) throws Args.UsageException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args.required("bootstrap-servers"));
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "kstreams-bench-peer-admin");
        return Admin.create(p);
    }

    static int create(Args args) throws Exception {
        args.allowOnly("create-topics", CREATE_OPTIONS);
        List<String> names = names(args);
        int partitions = args.requiredInt("partitions", 1);
        short rf = (short) args.getInt("replication-factor", 1, 1);
        int code = Main.EXIT_OK;
        try (Admin admin = admin(args)) {
            List<NewTopic> topics = new ArrayList<>();
            for (String n : names) {
                topics.add(new NewTopic(n, partitions, rf));
            }
            Map<String, org.apache.kafka.common.KafkaFuture<Void>> futures = admin.createTopics(topics).values();
            for (String n : names) {
                try {
                    futures.get(n).get(60, TimeUnit.SECONDS);
                    System.out.println("create-topics: " + n + " partitions=" + partitions + " replication-factor=" + rf + " created");
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        System.err.println("kstreams-bench-peer: create-topics: " + n + ": " + e.getCause());
                        code = Main.EXIT_FAILURE;
                        continue;
                    }
                    TopicDescription d = admin.describeTopics(List.of(n)).allTopicNames().get(60, TimeUnit.SECONDS).get(n);
                    int have = d.partitions().size();
                    if (have != partitions) {
                        System.err.println("kstreams-bench-peer: create-topics: " + n + " exists with " + have
                                + " partitions, not " + partitions);
                        code = Main.EXIT_FAILURE;
                    } else {
                        System.out.println("create-topics: " + n + " partitions=" + have + " exists");
                    }
                }
            }
        }
        return code;
    }

    static int delete(Args args) throws Exception {
        args.allowOnly("delete-topics", DELETE_OPTIONS);
        List<String> names = names(args);
        int code = Main.EXIT_OK;
        try (Admin admin = admin(args)) {
            Map<String, org.apache.kafka.common.KafkaFuture<Void>> futures = admin.deleteTopics(names).topicNameValues();
            for (String n : names) {
                try {
                    futures.get(n).get(60, TimeUnit.SECONDS);
                    System.out.println("delete-topics: " + n + " deleted");
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        System.out.println("delete-topics: " + n + " absent");
                    } else {
                        System.err.println("kstreams-bench-peer: delete-topics: " + n + ": " + e.getCause());
                        code = Main.EXIT_FAILURE;
                    }
                }
            }
        }
        return code;
    }
}
