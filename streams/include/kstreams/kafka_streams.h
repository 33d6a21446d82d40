// File: kstreams/kafka_streams.h
//
// KafkaStreams runs a Topology against a Kafka cluster: it creates the application's internal
// topics, starts `num.stream.threads` stream threads (each with its own consumer and producer,
// all in the consumer group `application.id`), and reports its lifecycle through a state
// listener and an uncaught-exception handler, as Java's org.apache.kafka.streams.KafkaStreams
// does.
//
//   kstreams::Topology topology = ...;  // StreamsBuilder::build() or the Processor API
//   kstreams::StreamsConfig config{
//       {"application.id", "access-log"},
//       {"bootstrap.servers", "127.0.0.1:9092"},
//       {"num.stream.threads", "2"},
//   };
//   kstreams::KafkaStreams streams(std::move(topology), config);  // throws ConfigException
//   streams.setStateListener([](auto now, auto before) { ... });
//   streams.setUncaughtExceptionHandler([](const std::exception_ptr&) {
//     return kstreams::StreamThreadExceptionResponse::kReplaceThread;
//   });
//   if (absl::Status s = streams.start(); !s.ok()) { ... }
//   streams.waitUntilCaughtUp(std::chrono::minutes(1));  // e.g. in a batch job or a test
//   streams.close(std::chrono::seconds(30));
//
// Processing guarantee (at-least-once): a stream thread commits an input offset only after the
// producer has acknowledged every record produced from the input before it (it flushes, checks
// delivery errors, then commits synchronously). After a crash or a rebalance, records after the
// last commit are processed again, so output may contain duplicates but never misses a record.
//
// Partitions and threads: the consumers use the `range` assignor, which gives partition i of
// every source topic with the same partition count to the same thread, so a task (one
// sub-topology × one partition number, TaskId) always sees all of its co-partitioned input.
// Rebalances are eager (stop-the-world): cooperative-sticky has known bugs in the librdkafka
// version kstreams builds against (2.0.2).
//
// Lifecycle (as in Java's KafkaStreams.State):
//
//   CREATED ──start()──► REBALANCING ◄──► RUNNING
//      │                     │               │
//      │ close()             ├── close() ────┴──► PENDING_SHUTDOWN ──► NOT_RUNNING
//      └─────────────────────┘ (also from CREATED)
//   REBALANCING / RUNNING ── a thread fails and the handler says SHUTDOWN_CLIENT ──►
//                            PENDING_ERROR ──► ERROR
//
// The client is REBALANCING while any stream thread is (re)joining the group or has not yet
// processed its assignment, and RUNNING once every live thread runs its tasks.
//
// State: the stores of a task live in state.dir/application.id/<task>/; a logged store's
// changes go to its compacted changelog topic "<application.id>-<store>-changelog" (created by
// start()). When a thread gets a task, it first restores the task's stores from their
// changelogs — only the tail past each store's checkpoint, or everything for a new, deleted or
// corrupt store directory — reporting to the restore listener (state_restore_listener.h); then
// the task processes records. Every commit writes each store's checkpoint (the last changelog
// offset the broker acknowledged), after flushing the record caches and the producer. Running
// tasks' stores can be read from any thread with store() and located across instances with
// queryMetadataForKey() (kstreams/query.h).
//
// Clients: each stream thread has a consumer ("<client.id>-StreamThread-<n>-consumer", with
// ";application.server=<host:port>" appended when application.server is set, which is how
// other instances find this one: see queryMetadataForKey), a producer ("…-producer") and, when
// it restores, a restore consumer ("…-restore-consumer", outside the group); start() uses a
// short-lived admin client. Their librdkafka settings
// come from the config (streams_config.h: unprefixed keys go to every client they apply to,
// "consumer."/"producer."/"admin." ones to one kind), over these defaults: consumer
// auto.offset.reset=earliest, queued.min.messages=50000, queued.max.messages.kbytes=4096 and
// fetch.queue.backoff.ms=10 (a small prefetch per thread, refilled soon after it fills; larger
// values cost memory, not throughput); producer partitioner=murmur2_random (Java's),
// linger.ms=5, batch.num.messages=10000, queue.buffering.max.messages=100000,
// enable.idempotence=true (as Java's producer); socket.nagle.disable=true
// everywhere. Against an EmbeddedKafkaCluster of this process, its recommendedClientConfig() is
// applied to the consumers as well (user settings still win).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/query.h"
#include "kstreams/serde.h"
#include "kstreams/state_restore_listener.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"
#include "kstreams/window_query.h"

namespace kstreams {

// What to do after a stream thread died of an exception (Java's
// StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse).
enum class StreamThreadExceptionResponse {
  // Start a new stream thread in place of the dead one. The records the dead thread had not
  // committed are processed again by whichever thread gets their partitions.
  kReplaceThread,
  // Stop every thread of this client and go to ERROR (the default).
  kShutdownClient,
  // Java stops every instance of the application through the group protocol, which librdkafka
  // cannot do. Here it acts as kShutdownClient: only this client stops (logged as such).
  kShutdownApplication,
};

// Consumption progress of one source partition, as the consumer group has committed it.
struct PartitionLag {
  std::string topic;  // full name (internal topics carry the "<application.id>-" prefix)
  int32_t partition = 0;
  int64_t committed_offset = -1;  // next offset to process; -1: nothing committed yet
  int64_t end_offset = 0;         // high watermark when asked
  // Records written but not yet processed and committed (from the log start when nothing is
  // committed).
  int64_t lag = 0;
};

class KafkaStreams {
 public:
  enum class State {
    kCreated,
    kRebalancing,
    kRunning,
    kPendingShutdown,
    kNotRunning,
    kPendingError,
    kError,
  };

  // Called after every state change with the new and the previous state. It runs on whichever
  // thread caused the change (the caller of start()/close(), a stream thread, or kstreams'
  // shutdown thread), one call at a time and in order. Keep it short; it must not block on
  // work of the stream threads.
  using StateListener = std::function<void(State new_state, State old_state)>;
  // Called on the dying stream thread with the exception that killed it. The exception's what()
  // names the task, processor node, topic, partition and offset when a record caused it
  // (rethrow it to read it: `try { std::rethrow_exception(e); } catch (const std::exception& x)`).
  // An exception escaping the handler counts as kShutdownClient.
  using UncaughtExceptionHandler =
      std::function<StreamThreadExceptionResponse(const std::exception_ptr& exception)>;

  // Checks the configuration and the topology without contacting Kafka: resolves `config`
  // (ConfigException naming the first bad key), and builds every sub-topology's nodes once
  // (calling processor suppliers and init()/close() on those throwaway instances) so that a
  // default serde that does not fit a source or sink fails here (ConfigException naming
  // default.key.serde / default.value.serde) rather than on a stream thread later.
  // TopologyException for a topology without sources. Also rejected (ConfigException): settings
  // that would break the processing guarantee — a group.id other than application.id,
  // enable.auto.commit=true, enable.auto.offset.store=true, a partition.assignment.strategy
  // other than range.
  //
  // The first form keeps a reference: `topology` must outlive this object. The second owns it.
  KafkaStreams(const Topology& topology, StreamsConfig config);
  KafkaStreams(Topology&& topology, StreamsConfig config);

  // Closes (as close() without a timeout) and waits for every thread. Must not run on a stream
  // thread (from a listener, handler or processor): that would wait for itself.
  ~KafkaStreams();

  KafkaStreams(const KafkaStreams&) = delete;
  KafkaStreams& operator=(const KafkaStreams&) = delete;

  // Creates the internal topics that are missing (partitions: as declared, or -1 = the largest
  // partition count among the source topics of the sub-topology that writes the topic, through
  // an internal sink or, for "<store>-changelog", a store; replication.factor from the config),
  // then starts the stream threads and returns without waiting for them to join the group.
  // Errors (the client stays CREATED and start() may be retried): FailedPrecondition when not
  // CREATED or when an existing internal topic has the wrong partition count; NotFound for a
  // missing source topic; InvalidArgument for client settings librdkafka rejects as a whole,
  // or source topics of one stateful sub-topology with different partition counts;
  // Unavailable / DeadlineExceeded when the cluster cannot be reached.
  // Thread-safe; blocks for the admin requests.
  absl::Status start();

  // Stops the client gracefully: every stream thread finishes the batch it is processing,
  // flushes its producer, commits what it processed and closes its tasks; once all threads have
  // committed (a leaving member starts a rebalance that can reject the others' commits), they
  // close their consumers, leaving the group so that the partitions move at once and nothing
  // is processed twice. Returns true when the client
  // reached NOT_RUNNING (or ERROR) within `timeout`; false otherwise, in which case the
  // shutdown goes on in the background (call close() again, or the destructor, to wait).
  // Idempotent; may be called from any thread, concurrently. From a state listener (the usual
  // `if (now == State::kError) streams.close();`), an uncaught-exception handler or a
  // processor, it only starts the shutdown and returns at once — true if the client is already
  // NOT_RUNNING or ERROR, false otherwise — since the shutdown cannot finish while that thread
  // runs your callback.
  bool close(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  // The current state. Thread-safe, lock-free.
  State state() const;

  // Replaces the state listener (nullptr removes it). Thread-safe, also from inside the
  // listener; takes effect for the next change.
  void setStateListener(StateListener listener);

  // Replaces the uncaught-exception handler (nullptr restores the default, kShutdownClient).
  // Thread-safe.
  void setUncaughtExceptionHandler(UncaughtExceptionHandler handler);

  // The committed offset and end offset of every partition of every source topic (internal
  // ones included), read from the cluster. Thread-safe; blocks up to `timeout`. Errors:
  // NotFound when a source topic does not exist (yet), Unavailable / DeadlineExceeded when the
  // cluster does not answer.
  absl::StatusOr<std::vector<PartitionLag>> sourceLag(
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  // Waits until the client is RUNNING and every source partition has lag 0, i.e. everything
  // written to the source topics so far has been processed, its output acknowledged, and its
  // offsets committed (end-to-end for multi-stage topologies: the upstream stage's output is
  // the downstream stage's input). RUNNING means every thread has its tasks, their stores
  // restored and queryable: a restarted client with no new input is caught up only then.
  // Returns false on timeout or when the client stops (NOT_RUNNING, ERROR or on the way
  // there). Threads commit every commit.interval.ms (30 s by default), so an application that
  // processed everything is caught up after its next commit. Thread-safe; not from a stream
  // thread.
  bool waitUntilCaughtUp(std::chrono::milliseconds timeout) const;

  // Number of stream threads currently alive (not yet dead). Thread-safe.
  int numAliveStreamThreads() const;

  // ---- State: restoration and interactive queries ----

  // Reports the restoration of every store of this client (see state_restore_listener.h; null
  // removes it). Shared by all stream threads, called on them. Thread-safe; takes effect from
  // the next restoration (set it before start() to see the first).
  void setGlobalStateRestoreListener(std::shared_ptr<StateRestoreListener> listener);

  // A read-only view of the store `name` across the tasks this client runs (Java's
  // store(StoreQueryParameters.fromNameAndType(name, QueryableStoreTypes.keyValueStore()))).
  // V may be ValueAndTimestamp<X> for timestamped stores; null serdes mean the store's own.
  // See kstreams/query.h for types, consistency and errors (Unavailable while no local task
  // holds the store: retry). Thread-safe, never blocks on processing.
  template <typename K, typename V>
  absl::StatusOr<ReadOnlyKeyValueStore<K, V>> store(const std::string& name,
                                                    SerdePtr<K> key_serde = nullptr,
                                                    SerdePtr<V> value_serde = nullptr) const {
    return ReadOnlyKeyValueStore<K, V>::create(queryableStoreProvider(), name, std::move(key_serde),
                                               std::move(value_serde));
  }
  // A read-only view of the window store `name` (Java's QueryableStoreTypes.windowStore() /
  // timestampedWindowStore()) and of the session store `name` (sessionStore()) across the tasks
  // this client runs; see kstreams/window_query.h. Thread-safe, never blocks on processing.
  template <typename K, typename V>
  absl::StatusOr<ReadOnlyWindowStore<K, V>> windowStore(const std::string& name,
                                                        SerdePtr<K> key_serde = nullptr,
                                                        SerdePtr<V> value_serde = nullptr) const {
    return ReadOnlyWindowStore<K, V>::create(queryableStoreProvider(), name, std::move(key_serde),
                                             std::move(value_serde));
  }
  template <typename K, typename AGG>
  absl::StatusOr<ReadOnlySessionStore<K, AGG>> sessionStore(
      const std::string& name, SerdePtr<K> key_serde = nullptr,
      SerdePtr<AGG> value_serde = nullptr) const {
    return ReadOnlySessionStore<K, AGG>::create(queryableStoreProvider(), name,
                                                std::move(key_serde), std::move(value_serde));
  }

  // Which instance of the application holds `key` of store `store_name` now (Java's
  // queryMetadataForKey): the partition is murmur2(serialized key) mod the number of
  // partitions of the store's input topics (Java's default partitioner); the host is the
  // application.server of the member the group assigned that partition to. Needs
  // application.server on every instance. `key_serde` must serialize keys as the store's input
  // topics have them (null: default.key.serde).
  //
  // How members are found: librdkafka cannot carry application.server in the group protocol
  // (Java puts it in the subscription's user data), so each stream thread's consumer publishes
  // it in its client.id ("…-consumer;application.server=<host:port>"), and this call reads the
  // group's members and assignments with DescribeGroups (one round trip to the group
  // coordinator) unless this instance owns the partition itself. On an embedded cluster, which
  // has no DescribeGroups, the instances of this process on that cluster answer directly.
  //
  // Errors: FailedPrecondition before start() or without application.server; NotFound for an
  // unknown store; Unavailable while the partition has no owner (a rebalance is going on:
  // retry). Thread-safe; blocks up to `timeout` when asking the cluster.
  template <typename K>
  absl::StatusOr<KeyQueryMetadata> queryMetadataForKey(
      const std::string& store_name, const K& key, SerdePtr<K> key_serde = nullptr,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    if (!key_serde) key_serde = std::dynamic_pointer_cast<const Serde<K>>(defaultKeySerde());
    if (!key_serde) {
      return absl::InvalidArgumentError("queryMetadataForKey(" + store_name +
                                        "): pass the key serde (default.key.serde does not fit)");
    }
    std::string bytes;
    try {
      if (!key_serde->serialize(store_name, key, bytes)) {
        return absl::InvalidArgumentError("a key must not serialize to null");
      }
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(e.what());
    }
    return queryMetadataForKeyBytes(store_name, bytes, timeout);
  }

  // The byte-level forms of the two calls above (for bindings and the templates).
  absl::StatusOr<KeyQueryMetadata> queryMetadataForKeyBytes(
      const std::string& store_name, std::string_view serialized_key,
      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  std::shared_ptr<const internal::QueryableStoreProvider> queryableStoreProvider() const;
  // default.key.serde of the config (null if unset).
  std::shared_ptr<const SerdeBase> defaultKeySerde() const;

  struct Impl;  // private: src/runtime/kafka_streams_impl.h

 private:
  std::unique_ptr<Impl> impl_;
};

// Java's State.name(): "CREATED", "REBALANCING", "RUNNING", "PENDING_SHUTDOWN", "NOT_RUNNING",
// "PENDING_ERROR", "ERROR".
std::string_view toString(KafkaStreams::State state);
std::ostream& operator<<(std::ostream& os, KafkaStreams::State state);
std::string_view toString(StreamThreadExceptionResponse response);

}  // namespace kstreams
