// Private: the bottom of kstreams' Kafka access layer.
//
//   - RAII owners for librdkafka's C handles (`RdKafkaPtr` & co.), as in cppkafka.
//   - `toStatus()`: the one place where librdkafka error codes become absl::Status.
//   - `makeConf()` / `makeHandle()`: property maps → librdkafka configs and clients.
//   - `KafkaAdmin`: the few admin operations the runtime needs (create internal topics, read
//     partition counts and topic configs), aware of in-process embedded (mock) clusters.
//   - `MockClusterRegistry`: which bootstrap servers belong to an `EmbeddedKafkaCluster` of this
//     process. The mock has no CreateTopics request, so admin code must create topics there
//     through the mock API.

#ifndef KSTREAMS_STREAMS_SRC_KAFKA_KAFKA_HANDLES_H_
#define KSTREAMS_STREAMS_SRC_KAFKA_KAFKA_HANDLES_H_

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kstreams::internal {

// ---------------------------------------------------------------------------------------------
// RAII handles

// Destroys any librdkafka object with its own destroy function.
// Note: rd_kafka_destroy() blocks. For a consumer it closes the consumer (leaves the group,
// commits if auto-commit is on) unless rd_kafka_consumer_close() was called before; for a
// producer it does NOT wait for queued messages: call rd_kafka_flush() first.
struct RdKafkaDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
  void operator()(rd_kafka_headers_t* p) const { rd_kafka_headers_destroy(p); }
  void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); }
  void operator()(rd_kafka_error_t* p) const { rd_kafka_error_destroy(p); }
  void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); }
};

using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;
using RdKafkaConfPtr = std::unique_ptr<rd_kafka_conf_t, RdKafkaDeleter>;
using RdKafkaPartitionListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, RdKafkaDeleter>;
using RdKafkaHeadersPtr = std::unique_ptr<rd_kafka_headers_t, RdKafkaDeleter>;
using RdKafkaMessagePtr = std::unique_ptr<rd_kafka_message_t, RdKafkaDeleter>;
using RdKafkaQueuePtr = std::unique_ptr<rd_kafka_queue_t, RdKafkaDeleter>;
using RdKafkaEventPtr = std::unique_ptr<rd_kafka_event_t, RdKafkaDeleter>;
using RdKafkaErrorPtr = std::unique_ptr<rd_kafka_error_t, RdKafkaDeleter>;
using RdKafkaMetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, RdKafkaDeleter>;

// ---------------------------------------------------------------------------------------------
// Errors

// Converts a librdkafka error code to a Status whose message is "<what>: <description>
// [<ERROR_NAME>]". NO_ERROR gives OkStatus(). The code is kept as a payload (see
// `rdKafkaErrorOf`). Canonical codes:
//   Unavailable        transient: timeouts, transport, brokers/leaders/coordinators not
//                      available, not enough replicas, throttling — retry later;
//   InvalidArgument    bad config, arguments, topic names, partition/replication counts,
//                      message too large;
//   NotFound           unknown topic/partition/group/resource;
//   AlreadyExists      topic or resource already exists;
//   Aborted            the group or a newer producer took over: fenced producer/epoch,
//                      rebalance in progress, illegal generation, unknown member, lost
//                      assignment (Kafka Streams' TaskMigratedException cases);
//   FailedPrecondition wrong state (e.g. transaction state), policy violations;
//   PermissionDenied / Unauthenticated   authorization / authentication failures;
//   Unimplemented      feature or protocol version unsupported;
//   ResourceExhausted  local queue full;  OutOfRange  offset out of range, partition EOF;
//   Cancelled          handle being destroyed;  Internal  fatal client error, bad message;
//   Unknown            everything else.
absl::Status toStatus(rd_kafka_resp_err_t err, absl::string_view what);

// Same for an rd_kafka_error_t (transactional and some admin APIs); the message is librdkafka's
// error string. nullptr gives OkStatus(). Does not take ownership. Check
// rd_kafka_error_is_fatal / _is_retriable / _txn_requires_abort before converting when the
// caller's reaction depends on them.
absl::Status toStatus(const rd_kafka_error_t* error, absl::string_view what);

// The librdkafka error code a Status was made from by `toStatus`, if any.
std::optional<rd_kafka_resp_err_t> rdKafkaErrorOf(const absl::Status& status);

// True for authentication, TLS and authorization errors. Java Kafka Streams treats these as
// fatal (AuthenticationException, AuthorizationException): retrying cannot fix wrong
// credentials, an untrusted certificate or a missing ACL, and librdkafka would retry them for
// ever, so kstreams fails the thread with the cause instead, and never hands a record refused
// for authorization to the production exception handler.
bool isSecurityError(rd_kafka_resp_err_t err);

// A Duration as a librdkafka timeout in ms: negative → 0, capped at `max_ms` (infinite too).
int toTimeoutMs(absl::Duration timeout, int max_ms = 3'600'000);

// ---------------------------------------------------------------------------------------------
// Configs and clients

using ClientProperties = std::map<std::string, std::string>;

// Builds an rd_kafka_conf_t from `props` (librdkafka property names, passed through untouched).
// InvalidArgument naming the property and librdkafka's reason if one is unknown or invalid.
// The value is not quoted in the message (it may be a password). The client's log lines go to
// kstreams' log sink (kstreams/logging.h).
absl::StatusOr<RdKafkaConfPtr> makeConf(const ClientProperties& props);

// Creates a client of `type` (RD_KAFKA_PRODUCER or RD_KAFKA_CONSUMER) from `props`.
// InvalidArgument for a bad property or a config librdkafka rejects as a whole.
absl::StatusOr<RdKafkaPtr> makeHandle(rd_kafka_type_t type, const ClientProperties& props);

// Up to `max` messages from a consumer queue into `batch`: what is queued, without waiting; if
// nothing is, waits up to `timeout_ms` for one record and then takes what else has arrived.
// (rd_kafka_consume_batch_queue with a timeout waits for a *full* batch, which adds latency, and
// idles a thread whose prefetch holds less than a batch.) Returns -1 on an error
// (rd_kafka_last_error()), as librdkafka does.
ssize_t consumeAvailable(rd_kafka_queue_t* queue, int timeout_ms, rd_kafka_message_t** batch,
                         size_t max);

// Waits until `rk` sees `topic` in the cluster metadata with every partition led by a broker.
// Useful after creating a topic: the broker acknowledges creation before all brokers (and
// partition leaders) know about it. Never auto-creates the topic (asks for all topics' metadata).
// Errors: DeadlineExceeded with the last reason (not found / no leader / Kafka error).
absl::Status waitForTopicMetadata(rd_kafka_t* rk, const std::string& topic, absl::Duration timeout);

// ---------------------------------------------------------------------------------------------
// Embedded (mock) clusters of this process

// Process-global registry of live mock clusters, keyed by their broker addresses. A lookup
// matches when any "host:port" of the given bootstrap list is a broker of a registered cluster,
// so one broker's address suffices. Thread-safe.
class MockClusterRegistry {
 public:
  // Called by EmbeddedKafkaCluster after creating / before destroying its cluster.
  static void add(rd_kafka_mock_cluster_t* cluster);
  static void remove(rd_kafka_mock_cluster_t* cluster);

  // Whether `bootstrap_servers` belongs to a live embedded cluster of this process.
  static bool contains(absl::string_view bootstrap_servers);

  // Runs `fn` on the matching cluster while holding the registry lock, so the cluster cannot
  // be destroyed meanwhile (keep `fn` short; it must not call back into the registry).
  // Returns false, without calling `fn`, when no cluster matches.
  static bool withCluster(absl::string_view bootstrap_servers,
                          absl::FunctionRef<void(rd_kafka_mock_cluster_t*)> fn);
};

// Creates `topic` on `cluster`. InvalidArgument for an empty name, partitions < 1 or a
// replication factor that is neither -1 (means 1) nor ≥ 1; larger factors are capped at the
// number of brokers; AlreadyExists if the topic exists. Thread-safe (the mock thread does it).
absl::Status createTopicOnMockCluster(rd_kafka_mock_cluster_t* cluster, const std::string& topic,
                                      int partitions, int replication_factor);

// Creates `topic` on the embedded cluster serving `bootstrap_servers`. Returns std::nullopt if
// the servers are not an embedded cluster of this process (create the topic through Kafka
// then); otherwise the outcome of createTopicOnMockCluster().
std::optional<absl::Status> createTopicOnMock(absl::string_view bootstrap_servers,
                                              const std::string& topic, int partitions,
                                              int replication_factor = 1);

// ---------------------------------------------------------------------------------------------
// Admin

// A topic to create. `partitions` ≥ 1. `replication_factor` -1 means the broker's
// default.replication.factor (Kafka ≥ 2.4). `configs` are topic configs such as {"cleanup.policy",
// "compact"}.
struct NewTopic {
  NewTopic() = default;
  // A constructor rather than aggregate init, so `{"t", 8}` does not trip
  // -Wmissing-field-initializers.
  NewTopic(std::string name, int partitions, int replication_factor = 1,
           std::map<std::string, std::string> configs = {})
      : name(std::move(name)),
        partitions(partitions),
        replication_factor(replication_factor),
        configs(std::move(configs)) {}

  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::map<std::string, std::string> configs;
};

// The admin operations the runtime needs, over one librdkafka client handle.
// Against an embedded cluster of this process (see MockClusterRegistry) topics are created
// through the mock API, topic configs are ignored and `describeTopicConfig` is Unimplemented.
// Thread-safety: all methods may be called concurrently from any thread (each call waits on
// its own reply queue); moving must not race with calls.
class KafkaAdmin {
 public:
  // `props` are client properties (at least bootstrap.servers; security settings as needed).
  // Errors: InvalidArgument for a bad property.
  static absl::StatusOr<KafkaAdmin> create(const ClientProperties& props);

  KafkaAdmin(KafkaAdmin&&) = default;
  KafkaAdmin& operator=(KafkaAdmin&&) = default;

  // Creates the topics and waits (within `timeout` overall) until their metadata is visible.
  // Topics that already exist count as created; their partition count is NOT checked (use
  // `partitionCount`). Returns the first error, naming its topic.
  absl::Status createTopics(const std::vector<NewTopic>& topics, absl::Duration timeout);

  // Number of partitions of `topic`. NotFound if it does not exist; never auto-creates it.
  absl::StatusOr<int> partitionCount(const std::string& topic, absl::Duration timeout);

  // All configs of `topic` as the broker reports them (defaults included; sensitive values,
  // which the broker hides, are left out). NotFound for an unknown topic; Unimplemented on an
  // embedded cluster (the mock has no topic configs).
  absl::StatusOr<std::map<std::string, std::string>> describeTopicConfig(
      const std::string& topic, absl::Duration timeout = absl::Seconds(30));

  // See waitForTopicMetadata().
  absl::Status waitForTopic(const std::string& topic, absl::Duration timeout);

  // Whether this admin talks to an embedded cluster of this process.
  bool isEmbeddedCluster() const;

  // The underlying client, for operations not wrapped here.
  rd_kafka_t* handle() const { return rk_.get(); }

  // The first authentication, TLS or authorization error the client reported
  // (isSecurityError), as Unauthenticated/PermissionDenied naming librdkafka's reason; OK
  // while there is none. The calls above return it as soon as it happens instead of waiting
  // out their timeout, since librdkafka would retry it for ever.
  absl::Status securityError() const;

  struct SecurityLatch;  // private to kafka_handles.cc

 private:
  KafkaAdmin(RdKafkaPtr rk, std::string bootstrap_servers, std::shared_ptr<SecurityLatch> latch);
  // Metadata of all topics, in slices so that a security error ends the wait early.
  absl::StatusOr<RdKafkaMetadataPtr> metadata(absl::Duration timeout);

  RdKafkaPtr rk_;
  std::string bootstrap_servers_;
  std::shared_ptr<SecurityLatch> latch_;  // the error callback's opaque: outlives moves
};

}  // namespace kstreams::internal

#endif  // KSTREAMS_STREAMS_SRC_KAFKA_KAFKA_HANDLES_H_
