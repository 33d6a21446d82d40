// File: kstreams/embedded_kafka_cluster.h
//
// An in-process Kafka cluster for tests, examples and benchmarks: librdkafka's mock cluster
// (a set of loopback listeners served by one thread) behind a small RAII class. Any librdkafka
// client in this process (or another process on this machine) can connect to it through
// `bootstrapServers()`.
//
// Example:
//
//   kstreams::EmbeddedKafkaCluster cluster(3);
//   if (absl::Status s = cluster.createTopic("input", 8); !s.ok()) { ... }
//   std::map<std::string, std::string> config = cluster.recommendedClientConfig();
//   config["bootstrap.servers"] = cluster.bootstrapServers();
//   config["application.id"] = "wordcount";
//   ... start a KafkaStreams instance with `config` ...
//
// Limits of librdkafka 2.0.2's mock cluster (it is marked experimental upstream):
//   - No CreateTopics request. Create topics with `createTopic()`. kstreams' own admin code
//     recognises an embedded cluster of this process by its bootstrap servers and creates
//     internal topics through the mock API instead (topic configs are then ignored). Clients
//     that produce to or fetch from an unknown topic auto-create it with 4 partitions.
//   - No topic configs, no compaction, no DescribeConfigs: a changelog topic is an ordinary
//     log here.
//   - Retention is bounded: at most ~5 MiB of record batches or 100,000 batches per partition
//     are kept; older batches are dropped silently and the log start offset moves. Compressed
//     producers (e.g. lz4) and larger batches keep more records.
//   - Transactions are accepted but not enforced: no commit/abort markers, read_committed
//     readers see aborted records, transactional offset commits are dropped. Exactly-once
//     semantics can only be tested against a real broker.
//   - A waiting fetch is not woken when data arrives: clients need `fetch.wait.max.ms` ≈ 10.
//   - Consumer groups work, but the first join waits ~3 s and every later rebalance waits
//     `session.timeout.ms` − 1 s; `session.timeout.ms` below ~3000 never converged in probes,
//     so use 3500–6000 with `heartbeat.interval.ms` 300–500. Every member must list the same
//     assignors in the same order (a mismatch crashes the mock on an assertion). Offset commits
//     during a rebalance are rejected, so expect re-delivery after rebalances.
//   - One thread serves all brokers: throughput figures measured against it are a ceiling of
//     that thread, not of librdkafka or of kstreams.
//   - Destruction takes up to ~1 s about half the time (librdkafka joins an internal thread
//     that polls once a second): share one cluster across the tests of a suite.
// `recommendedClientConfig()` returns the client settings these limits call for.
//
// Thread-safety: all const methods and `createTopic()` may be called concurrently from any
// thread. Construction and destruction must not race with other calls on the same object.

#ifndef KSTREAMS_EMBEDDED_KAFKA_CLUSTER_H_
#define KSTREAMS_EMBEDDED_KAFKA_CLUSTER_H_

#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"

namespace kstreams {

class EmbeddedKafkaCluster {
 public:
  // Starts a mock cluster of `num_brokers` brokers (ids 1..num_brokers) listening on
  // 127.0.0.1 on ephemeral ports. Throws std::invalid_argument if num_brokers < 1 and
  // std::runtime_error if librdkafka cannot start the cluster.
  explicit EmbeddedKafkaCluster(int num_brokers = 1);

  // Stops the cluster (may block for up to ~1 s, see above). Clients still connected to it see
  // their connections fail; destroy them first to keep their logs quiet.
  ~EmbeddedKafkaCluster();

  EmbeddedKafkaCluster(const EmbeddedKafkaCluster&) = delete;
  EmbeddedKafkaCluster& operator=(const EmbeddedKafkaCluster&) = delete;

  // The `bootstrap.servers` list of all brokers, e.g. "127.0.0.1:40123,127.0.0.1:40125".
  std::string bootstrapServers() const;

  // Number of brokers the cluster was started with.
  int numBrokers() const;

  // Creates `name` with `partitions` partitions. `replication_factor` is capped at the number
  // of brokers. Errors: AlreadyExists if the topic exists (possibly auto-created by a client),
  // InvalidArgument for an empty name or non-positive counts.
  absl::Status createTopic(const std::string& name, int partitions, int replication_factor = 1);

  // Client settings for talking to the mock (see the limits above): fetch.wait.max.ms=10,
  // session.timeout.ms=6000, heartbeat.interval.ms=500, socket.nagle.disable=true. All but the
  // last are consumer properties: librdkafka ignores them on a producer but logs a CONFWARN,
  // so apply them to consumers (and `socket.nagle.disable` to every client).
  static std::map<std::string, std::string> recommendedClientConfig();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kstreams

#endif  // KSTREAMS_EMBEDDED_KAFKA_CLUSTER_H_
